"""Validators for the identifiers the credit bank handles (IDs, phones, codes, passwords).

Each ``check_*`` returns an error message (a lazy translatable string) or ``None``; the
WTForms adapters at the bottom turn them into field validators.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

# A check's answer: Flask-Babel's lazy string (untyped there) naming the problem, or None.
Problem = Any
Check = Callable[[str], Problem]

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# ASCII digits only (``\d`` would take other scripts' digits) and ``\Z``, not ``$``,
# which would let a trailing newline through.
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}\Z")
USERNAME_RE = re.compile(r"^[A-Za-z0-9]{4,30}\Z")
POSTAL_RE = re.compile(r"^[0-9]{6}\Z")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}\Z")
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_birth_date(id_number: str) -> dt.date | None:
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def id_gender(id_number: str) -> str:
    """GB 11643: the 17th digit is odd for men, even for women."""
    return "male" if int(id_number[16]) % 2 else "female"


def check_id_number(value: str | None) -> Problem:
    """An 18-character mainland resident ID (GB 11643), ``X`` allowed last."""
    if not value or len(value) != 18:
        return _l("must have 18 characters")
    if not (value.isascii() and value[:17].isdigit()) or not (value[17].isdigit() or value[17] == "X"):
        return _l("must be 17 digits followed by a digit or X")
    birth = id_birth_date(value)
    if birth is None or birth > dt.date.today() or birth.year < 1900:
        return _l("contains an invalid birth date")
    if id_check_char(value[:17]) != value[17]:
        return _l("check digit is wrong")
    return None


def check_mobile(value: str | None) -> Problem:
    if not value or not MOBILE_RE.match(value):
        return _l("must be an 11-digit mainland mobile number")
    return None


# zxcvbn's estimate of the guesses an attacker needs (log10): below this a password is
# in the common-password lists or a trivial variant of one ("password1", "aaaaaaa1").
MIN_GUESSES_LOG10 = 4
PASSWORD_MAX = 64


def check_password(value: str | None) -> Problem:
    """SPEC §5: letters and digits (symbols allowed); 8–64 characters (ASVS V2.1) and
    not a common password (zxcvbn's lists and patterns)."""
    if not value or not 8 <= len(value) <= PASSWORD_MAX:
        return _l("Password must have 8 to 64 characters")
    if not re.search(r"[A-Za-z]", value) or not re.search(r"\d", value):
        return _l("Password must contain both letters and digits")
    from zxcvbn import zxcvbn

    if zxcvbn(value)["guesses_log10"] < MIN_GUESSES_LOG10:
        return _l("This password is too common or too easy to guess; please choose another")
    return None


def check_username(value: str | None) -> Problem:
    if not value or not USERNAME_RE.match(value):
        return _l("Username may contain only letters and digits (4 to 30)")
    if value.isdigit():
        return _l("Username cannot be digits only")
    return None


def check_postal_code(value: str | None) -> Problem:
    return None if value and POSTAL_RE.match(value) else _l("must be a 6-digit postal code")


def check_email(value: str | None) -> Problem:
    return None if value and EMAIL_RE.match(value) else _l("must be a valid email address")


def check_credit_code(value: str | None) -> Problem:
    """统一社会信用代码 (GB 32100): 18 characters, the last a check character."""
    if not value or len(value) != 18 or any(c not in USCC_CHARS for c in value):
        return _l("must be an 18-character unified social credit code")
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(value[:17], USCC_WEIGHTS, strict=True))
    if USCC_CHARS[(31 - total % 31) % 31] != value[17]:
        return _l("check character is wrong")
    return None


def mask_id(value: str | None) -> str:
    """632323199001010922 → 632323*****0922 (SPEC §9)."""
    if not value:
        return ""
    return value[:6] + "*****" + value[-4:] if len(value) > 10 else value[:2] + "***"


def mask_phone(value: str | None) -> str:
    """17012349087 → 170****9087."""
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 8 else "****"


def mask_name(value: str | None) -> str:
    """陈晓明 → 陈** (a certificate's holder on the public 证书验证 page)."""
    if not value:
        return ""
    return value[:1] + "*" * max(1, len(value) - 1)


def mask_email(value: str | None) -> str:
    """learner@example.cn → l***@example.cn."""
    if not value:
        return ""
    return value[:1] + "***" + value[value.find("@"):] if "@" in value else value[:1] + "***"


# --- WTForms adapters ------------------------------------------------------------------


def field_validator(check: Check) -> Callable[[Any, Any], None]:
    def validate(form: Any, field: Any) -> None:
        if field.data:
            message = check(field.data)
            if message:
                raise ValidationError(message)

    return validate


IdNumber = field_validator(check_id_number)
Mobile = field_validator(check_mobile)
StrongPassword = field_validator(check_password)
Username = field_validator(check_username)
PostalCode = field_validator(check_postal_code)
CreditCode = field_validator(check_credit_code)
