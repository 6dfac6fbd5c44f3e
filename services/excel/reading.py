"""Reading an uploaded workbook: the checks before any parsing (spreadsheet or not, size,
zip bombs, the sheet's extent: ``sheet_limits``), calamine's rows, the header row and the
parsed ``Row``s, a slice of rows at a time."""
import datetime as dt
import io
import itertools
import os
import zipfile

import python_calamine
from flask import current_app
from flask_babel import gettext as _

from services.core.bulk import chunks
from services.excel import sheet_limits
from services.excel.cleaning import clean_header, parse_column
from services.excel.columns import ImportFileError, Row, refuse
from services.files import storage

MAX_ZIP_ENTRIES = 1000
HEADER_SEARCH_ROWS = 10

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (BIFF inside an OLE2 container)


def check_file(path):
    """Refuse, before any parsing, what is not a spreadsheet or is too large; returns
    "xlsx" or "xls". A zip's entry count and uncompressed size are capped (zip bombs)."""
    max_mb = current_app.config["IMPORT_MAX_MB"]
    size = os.path.getsize(path)
    if size == 0:
        raise ImportFileError(_("The file is empty."))
    if size > max_mb * storage.MB:
        raise ImportFileError(_("The file is larger than %(mb)s MB.", mb=max_mb))
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(OLE_MAGIC):
        return "xls"
    if not head.startswith(ZIP_MAGIC):
        raise ImportFileError(_("The file is not an Excel spreadsheet (.xls or .xlsx)."))
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile:
        raise ImportFileError(_("The file is not an Excel spreadsheet (.xls or .xlsx).")) from None
    if len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > max_mb * storage.MB * 25:
        raise ImportFileError(_("The file is too large once unpacked."))
    if not any(e.filename.startswith("xl/worksheets/") for e in entries):
        raise ImportFileError(_("The file is not an Excel spreadsheet (.xls or .xlsx)."))
    try:  # the extent a reader would have to hold, before it reads anything
        sheet_limits.check_extent(path, current_app.config["IMPORT_MAX_ROWS"])
    except sheet_limits.TooLarge as error:
        if error.reason == "columns":
            raise ImportFileError(_("The sheet has more than %(count)s columns; keep only the template's columns.",
                                    count=sheet_limits.MAX_COLUMNS)) from None
        raise ImportFileError(_("The sheet has more than %(count)s cells; split it into smaller files.",
                                count=f"{sheet_limits.MAX_CELLS:,}")) from None
    except zipfile.BadZipFile:
        raise ImportFileError(_("The file is not an Excel spreadsheet (.xls or .xlsx).")) from None
    return "xlsx"


def estimated_rows(path):
    """About how many rows the workbook at ``path`` holds, without reading its cells (the
    worksheet XML's extent; an .xls by its size: old files are small). Checks the file first."""
    if check_file(path) == "xls":
        return os.path.getsize(path) // 40  # a learner row of an .xls takes about 40 bytes
    return sheet_limits.check_extent(path, current_app.config["IMPORT_MAX_ROWS"])


def read_rows(path):
    """The first sheet's rows (lists of cell values), as an iterator, after the size
    checks. Leading empty rows are kept, so row numbers match the spreadsheet's."""
    check_file(path)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(path)
        sheet = workbook.get_sheet_by_index(0)
    except Exception:  # calamine raises its own error types for every kind of damage
        raise ImportFileError(_("The file could not be read as a spreadsheet; save it again in Excel or WPS.")) from None
    max_rows = current_app.config["IMPORT_MAX_ROWS"]
    if sheet.total_height > max_rows + HEADER_SEARCH_ROWS:
        raise ImportFileError(_("The file has more than %(count)s rows; split it into smaller files.", count=max_rows))
    return sheet.iter_rows()


def locate_header(rows, columns):
    """(index of the header row, {column position: Column}); the header is the first of
    the top rows that names every required column."""
    wanted = {clean_header(c.header): c for c in columns}
    required = {clean_header(c.header) for c in columns if c.required}
    best = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = [clean_header(cell) for cell in row]
        if required <= set(names):
            return index, _header_columns(names, wanted)
        if best is None and any(names):
            best = set(names)
    missing = [c.header for c in columns if c.required and clean_header(c.header) not in (best or set())]
    raise ImportFileError(_("The file lacks the required columns: %(columns)s", columns="、".join(missing)))


def _header_columns(names, wanted):
    """{position: Column} for the header row ``names``; a column named twice is refused,
    since which copy holds the data cannot be guessed."""
    found = {}
    for pos, name in enumerate(names):
        if name in wanted:
            if wanted[name] in found.values():
                raise ImportFileError(_("The column %(column)s appears more than once", column=wanted[name].header))
            found[pos] = wanted[name]
    return found


# Rows are parsed in slices so that only one slice of raw cells (about 1 KB a row as
# Python objects) is alive next to the parsed rows, not the whole sheet's.
PARSE_SLICE = 20_000


def parse_rows(rows, columns):
    """Rows (any iterable of cell lists) → ``Row`` objects with values, display texts and
    per-cell errors; blank rows (or rows with text only in columns the kind ignores)
    are skipped."""
    rows = iter(rows)
    top = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    header_index, positions = locate_header(top, columns)
    today = dt.date.today()
    parsed, number = [], header_index + 2
    holder = type("RowValues", (), {"__slots__": ("__dict__",)})
    for data in itertools.chain([top[header_index + 1 :]], chunks(rows, PARSE_SLICE)):
        parsed += _parse_slice(data, number, positions, columns, today, holder)
        number += len(data)
    if not parsed:
        raise ImportFileError(_("The file contains no data rows."))
    return parsed


def _row_values(holder, keys, values):
    """A row's {key: value} as the ``__dict__`` of a ``holder`` instance: CPython's
    instance dicts of one class share one key table, so each costs 120 bytes instead of
    272 at six columns (27 MB at 200 000 rows). It is a plain dict all the same."""
    row_values = holder().__dict__
    row_values.update(zip(keys, values, strict=True))
    return row_values


def _parse_slice(data, first_number, positions, columns, today, holder):
    """The ``Row``s of consecutive data rows, the first being spreadsheet row ``first_number``."""
    parsed = {}
    for position, column in positions.items():
        cells = [r[position] if position < len(r) else "" for r in data]
        parsed[column.key] = (column, *parse_column(column, cells, today))
    # Rows are assembled from the columns with zip, so the per-row work stays in C.
    blank, none = [""] * len(data), [None] * len(data)
    keys = [c.key for c in columns]
    value_columns = [parsed[k][1] if k in parsed else none for k in keys]
    text_columns = [parsed[k][2] if k in parsed else blank for k in keys]
    by_index = {
        index: Row(index + first_number, _row_values(holder, keys, values), texts, ())
        for index, (values, texts) in enumerate(
            zip(zip(*value_columns, strict=True), zip(*text_columns, strict=True), strict=True)
        )
        if any(texts)
    }
    for column, _values, _texts, problems in parsed.values():
        for index, problem in problems.items():
            if index in by_index:
                refuse(by_index[index], column, problem)
    return by_index.values()


def first_reasons(attachment, limit=20):
    """The first reasons (last column) of a stored 未导入 workbook, for the result page."""
    with storage.open_stored(attachment) as handle:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(handle.read()))
    sheet = workbook.get_sheet_by_index(0)
    return [row[-1] for row in itertools.islice(sheet.iter_rows(), 1, limit + 1)]
