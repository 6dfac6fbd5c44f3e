"""What an .xlsx costs to read, measured before it is read (zip bombs are refused unread). The
reader (calamine) holds a sheet as a dense grid of its widest row × its last row, so
a small file of many columns, or two cells far apart, costs gigabytes. The worksheets'
XML is streamed once, in C-speed byte operations, for the extent of each sheet:
the largest row number and column reference, and the most cells in one row."""
import re
import zipfile

# An import template has at most about 15 columns; people add a few of their own.
MAX_COLUMNS = 40
# Cells of the dense grid (rows × columns) one import may read: with calamine's ~30 bytes
# a cell plus the parsed rows this keeps one worker under its memory budget.
MAX_CELLS = 3_000_000
CHUNK = 4 * 1024 * 1024
ROW_NUMBER = re.compile(rb'<row\b[^>]*?\br="(\d{1,12})"')
CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})(\d{1,12})"')


class TooLarge(ValueError):
    """``reason`` is "columns" or "cells"."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def column_number(letters):
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def check_extent(path, max_rows):
    """Raise TooLarge when a worksheet of the .xlsx at ``path`` spans more than
    MAX_COLUMNS columns or more than MAX_CELLS cells (rows × columns); else return the
    last row holding a value in any worksheet (about how many rows an import will read)."""
    tallest = 0
    with zipfile.ZipFile(path) as archive:
        for entry in archive.infolist():
            if entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml"):
                with archive.open(entry) as sheet:
                    tallest = max(tallest, _check_sheet(sheet, max_rows))
    return tallest


def _check_sheet(sheet, max_rows):
    """Check one worksheet; return the number of its last row holding a value (templates
    format thousands of empty rows ahead, which an import will skip)."""
    width = height = rows = filled = 0
    tail = b""
    while True:
        chunk = sheet.read(CHUNK)
        data = tail + chunk
        if chunk:
            # Keep an unfinished row for the next chunk, so no row is split.
            cut = data.rfind(b"</row>")
            data, tail = (data[: cut + 6], data[cut + 6 :]) if cut >= 0 else (b"", data)
            if len(tail) > 64 * CHUNK:
                raise TooLarge("columns")  # one row of hundreds of megabytes
        for row in data.split(b"</row>"):
            cells = row.count(b"<c ") + row.count(b"<c>") + row.count(b"<c/>")
            width = max(width, cells)
            if b"<v>" in row or b"<is>" in row:  # a row with a value, not only a formatted one
                number = ROW_NUMBER.search(row)
                filled = max(filled, int(number.group(1)) if number else filled + 1)
        rows += data.count(b"</row>")
        for match in ROW_NUMBER.finditer(data):
            height = max(height, int(match.group(1)))
        for match in CELL_REF.finditer(data):
            width = max(width, column_number(match.group(1)))
        height = max(height, rows)
        if width > MAX_COLUMNS:
            raise TooLarge("columns")
        if width * height > MAX_CELLS or height > max_rows + 10_000:
            raise TooLarge("cells")
        if not chunk:
            return filled
