"""Cell normalisation: the text a cell shows (full-width, spaces, numbers typed into
text columns) and the value each column type makes of it, one cell at a time
(``parse_cell``) and a column at a time with a fast path for valid cells (``parse_column``)."""
import datetime as dt
import functools
import operator
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from services.excel.columns import DATE, EMAIL, ENUM, ID_NUMBER, MOBILE, NUMBER, TEXT
from services.records import checks, validators

EXCEL_EPOCH = dt.date(1899, 12, 30)

_ID_DIGIT_OFFSET = ord("0") * sum(validators.ID_WEIGHTS)
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def clean_text(cell):
    """The text a cell shows, normalised: full-width → half-width (NFKC), non-breaking
    and surrounding spaces removed, whole-number floats without ``.0``."""
    if isinstance(cell, str):
        if cell.isascii():
            return cell.strip()
        return unicodedata.normalize("NFKC", cell).strip()
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 1e15:
            return str(int(cell))
        return repr(cell)
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(sep=" ")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell)


def clean_header(cell):
    return clean_text(cell).replace("*", "").replace(" ", "")


def parse_cell(column, cell, today):
    """(value, text, problem) of one cell for ``column``; problem is None when valid."""
    text = clean_text(cell)
    if not text:
        return None, "", (str(checks.REQUIRED) if column.required else None)
    kind = column.type
    if kind == TEXT:
        if len(text) > column.max_length:
            return None, text, _("is longer than %(count)s characters", count=column.max_length)
        return text, text, None
    if kind == ID_NUMBER:
        if isinstance(cell, float) and abs(cell) >= 1e15 or _SCIENTIFIC.match(text):
            return None, text, _("lost digits because it was typed as a number; format the column as text and type it again")
        text = text.upper()
        if valid_id_number(text, f"{today:%Y%m%d}"):
            return text, text, None
        return None, text, str(validators.check_id_number(text))
    if kind == MOBILE:
        problem = validators.check_mobile(text)
        return (None, text, str(problem)) if problem else (text, text, None)
    if kind == EMAIL:
        text = text.lower()
        if len(text) > column.max_length or validators.check_email(text):
            return None, text, str(_l("must be a valid email address"))
        return text, text, None
    if kind == DATE:
        value = parse_date(cell, text)
        if value is None:
            return None, text, _("is not a valid date (YYYY-MM-DD)")
        if not column.future and (problem := checks.date_problem(value, today=today)):
            return None, text, str(problem)
        return value, value.isoformat(), None
    if kind == ENUM:
        if text not in column.options:
            return None, text, _("must be one of: %(options)s", options="、".join(column.options))
        return column.stored(text), text, None
    if kind == NUMBER:
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None, text, _("must be a number")
        if not value.is_finite() or value < 0:
            return None, text, _("must be a number")
        return value, text, None
    raise ValueError(f"unknown column type {kind!r}")


def valid_id_number(text, latest):
    """The common case of ``validators.check_id_number`` (birth date from 1900 up to
    ``latest``, a YYYYMMDD string) in a fraction of its time; a False answer is explained
    by that function."""
    head = text[:17]
    if len(text) != 18 or not (head.isascii() and head.isdigit()):
        return False
    # Byte values of ASCII digits are the digits plus 48: one C-level sum, no int() calls.
    total = sum(map(operator.mul, head.encode(), validators.ID_WEIGHTS)) - _ID_DIGIT_OFFSET
    if validators.ID_CHECK_CHARS[total % 11] != text[17]:
        return False
    birth = text[6:14]
    return "19000101" <= birth <= latest and _is_date(birth)


@functools.lru_cache(maxsize=1 << 16)
def _is_date(yyyymmdd):
    """Whether a YYYYMMDD string is a calendar date; cached, as birth dates repeat."""
    return validators.id_birth_date("000000" + yyyymmdd) is not None


def parse_date(cell, text):
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, float):
        # An Excel serial day number in a cell not formatted as a date.
        return EXCEL_EPOCH + dt.timedelta(days=int(cell)) if 1 <= cell < 2958466 and cell.is_integer() else None
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                return None
    return None


def parse_column(column, cells, today):
    """Values, display texts and {index: problem} of one column, column by column: the
    common types settle their usual (valid) cells with one quick check and leave the
    rest to the general ``parse_cell``."""
    normalize = unicodedata.normalize
    # clean_text's string case inlined: it runs for every cell of the sheet.
    texts = [normalize("NFKC", c).strip() if c.__class__ is str else clean_text(c) for c in cells]
    kind = column.type
    if kind == ID_NUMBER:
        texts = [t.upper() for t in texts]
        latest = f"{today:%Y%m%d}"
        valid = [valid_id_number(t, latest) for t in texts]
    elif kind == MOBILE:
        valid = list(map(validators.MOBILE_RE.match, texts))
    elif kind == EMAIL:
        texts = [t.lower() for t in texts]
        limit, email = column.max_length, validators.EMAIL_RE.match
        valid = [len(t) <= limit and email(t) for t in texts]
    elif kind == TEXT:
        # Repeated values (民族, 联系地址, 教学点…) share one string per slice instead of
        # one per cell: tens of MB at 200 000 rows.
        shared = {}
        texts = [shared.setdefault(t, t) for t in texts]
        limit = column.max_length
        valid = [0 < n <= limit for n in map(len, texts)]
    else:
        valid = [False] * len(cells)
    values, problems = list(texts), {}
    if kind == TEXT:
        # Non-text cells (numbers, dates) are fine as the text they show.
        slow = [i for i, ok in enumerate(valid) if not ok]
    else:
        # Numbers in ID and mobile columns need the general checks (lost digits).
        slow = [i for i, (ok, c) in enumerate(zip(valid, cells, strict=True)) if not ok or c.__class__ is not str]
    for index in slow:
        values[index], texts[index], problem = parse_cell(column, cells[index], today)
        if problem:
            problems[index] = problem
    return values, texts, problems
