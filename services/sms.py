"""SMS sending through a pluggable backend, and SMS verification codes (SPEC §12).

The ``console`` backend records each message in the outbox table and the log; a real
gateway is another class with the same ``send`` method, chosen by ``SMS_BACKEND``.
Codes: 6 digits, valid 10 minutes, stored hashed, at most 5 attempts, 60 s resend cool-down,
at most 10 per number in 24 hours.
"""
import datetime as dt
import hashlib
import hmac
import logging
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l

from models import SmsOutbox, VerificationCode, now, SmsPurpose, db

log = logging.getLogger(__name__)

CODE_TTL = dt.timedelta(minutes=10)
RESEND_COOLDOWN = dt.timedelta(seconds=60)
MAX_ATTEMPTS = 5
# Per phone number, every purpose: limits SMS bombing of one number. The trade-off:
# somebody who keeps asking for a stranger's number can use up that number's codes for
# a day; the per-address limit on /sms/send (services.throttle) makes that take
# several addresses, and the center can still reset the account by hand.
MAX_CODES_PER_DAY = 10


class ConsoleBackend:
    name = "console"

    def send(self, phone, body, purpose):
        SmsOutbox.create(phone=phone, body=body, purpose=purpose, backend=self.name)
        log.info("SMS to %s: %s", phone, body)


BACKENDS = {"console": ConsoleBackend}


def backend():
    name = current_app.config["SMS_BACKEND"]
    try:
        return BACKENDS[name]()
    except KeyError:
        raise RuntimeError(f"unknown SMS_BACKEND {name!r}; known: {sorted(BACKENDS)}") from None


def send(phone, body, purpose=SmsPurpose.NOTICE):
    if phone:
        backend().send(phone, body, purpose)


def is_development():
    """Codes are shown on the page (so a person can try the flows without a phone) only
    with the console backend AND ``SMS_SHOW_CODES`` on, as ``make run`` sets it: shown
    anywhere else, a code would let anyone reset any account by its phone number."""
    config = current_app.config
    return config["SMS_BACKEND"] == "console" and bool(config["SMS_SHOW_CODES"])


class CodeError(Exception):
    """A verification code could not be issued or was not accepted."""


def _hash(phone, purpose, value):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{phone}:{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def _latest(phone, purpose):
    return (
        VerificationCode.select()
        .where(VerificationCode.phone == phone, VerificationCode.purpose == purpose)
        .order_by(VerificationCode.created_at.desc(), VerificationCode.id.desc())
        .first()
    )


def issue_code(phone, purpose):
    """Create and send a code; returns it (the caller shows it only in development)."""
    latest = _latest(phone, purpose)
    if latest and latest.created_at > now() - RESEND_COOLDOWN:
        wait = int((latest.created_at + RESEND_COOLDOWN - now()).total_seconds()) + 1
        raise CodeError(_l("Please wait %(seconds)s seconds before requesting another code", seconds=wait))
    sent_today = VerificationCode.select().where(
        VerificationCode.phone == phone, VerificationCode.created_at > now() - dt.timedelta(days=1)
    )
    if sent_today.count() >= MAX_CODES_PER_DAY:
        raise CodeError(_l("This number has received the most codes allowed in 24 hours; please try again tomorrow"))
    value = f"{secrets.randbelow(10**6):06d}"
    with db.atomic():
        VerificationCode.create(
            phone=phone, purpose=purpose, code_hash=_hash(phone, purpose, value), expires_at=now() + CODE_TTL
        )
        send(phone, _l("[Credit Bank] Your verification code is %(code)s, valid for 10 minutes.", code=value), purpose)
    return value


def verify_code(phone, purpose, value, consume=True):
    """Consume the latest code if ``value`` matches; raise CodeError otherwise. With
    ``consume=False`` a right code is only checked (a form with other errors keeps it
    for the corrected submission); wrong ones count as attempts either way."""
    latest = _latest(phone, purpose)
    if latest is None or latest.used_at is not None:
        raise CodeError(_l("Please request a verification code first"))
    if latest.expires_at < now():
        raise CodeError(_l("The verification code has expired; please request a new one"))
    if latest.attempts >= MAX_ATTEMPTS:
        raise CodeError(_l("Too many wrong attempts; please request a new code"))
    if not hmac.compare_digest(latest.code_hash, _hash(phone, purpose, (value or "").strip())):
        VerificationCode.update(attempts=VerificationCode.attempts + 1).where(
            VerificationCode.id == latest.id
        ).execute()
        raise CodeError(_l("The verification code is wrong"))
    if not consume:
        return
    # Conditional update: a code is consumed once even under concurrent submissions.
    used = (
        VerificationCode.update(used_at=now())
        .where(VerificationCode.id == latest.id, VerificationCode.used_at.is_null())
        .execute()
    )
    if not used:
        raise CodeError(_l("Please request a verification code first"))
