"""The hand-written ``.xlsx`` writer (OOXML parts, inline strings, one sheet): import
result workbooks and exports stream through it in constant memory, several times faster
than openpyxl's write-only mode. Kept deliberately small and tuned; ``neutralise`` keeps
typed formulas from running."""
import re
import zipfile

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_XML_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}
_XML_ESCAPES.update({c: None for c in range(32) if c not in (9, 10, 13)})  # not allowed in XML 1.0
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(text):
    """A leading ``'`` keeps a spreadsheet from running the cell as a formula."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _xml(text):
    return text.translate(_XML_ESCAPES) if _NEEDS_ESCAPE.search(text) else text


_STATIC_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>'
    ),
    # Style 1: bold (header row); style 2: text format "@" (IDs, phones).
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}


class XlsxWriter:
    """A minimal streaming ``.xlsx`` writer (one sheet, inline strings): rows go
    straight into the deflated sheet part, so memory stays flat and it runs several
    times faster than openpyxl's write-only mode. Strings are always text cells."""

    FLUSH_ROWS = 2000

    def __init__(self, path, headers, sheet_name="Sheet1", widths=None):
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        for name, content in _STATIC_PARTS.items():
            self._zip.writestr(name, content)
        self._zip.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{_xml(sheet_name[:31])}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        widths = widths or [max(10, min(40, len(h) * 2 + 4)) for h in headers]
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
        self._sheet.write(
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" state="frozen"/>'
                f"</sheetView></sheetViews><cols>{cols}</cols><sheetData>"
            ).encode()
        )
        self._buffer = []
        self.rows = 0
        self._row_number = 1
        self._emit(
            '<row r="1">'
            + "".join(f'<c t="inlineStr" s="1"><is><t>{_xml(h)}</t></is></c>' for h in headers)
            + "</row>"
        )

    def _emit(self, xml):
        self._buffer.append(xml)
        if len(self._buffer) >= self.FLUSH_ROWS:
            self._flush()

    def _flush(self):
        self._sheet.write("".join(self._buffer).encode())
        self._buffer.clear()

    def write_row(self, values):
        """Values: str (text, written as is), int/float/Decimal (numbers), None (empty)."""
        self._row_number += 1
        self.rows += 1
        parts = [f'<row r="{self._row_number}">']
        for value in values:
            if value is None or value == "":
                parts.append("<c/>")
            elif isinstance(value, str):
                parts.append(f'<c t="inlineStr" s="2"><is><t xml:space="preserve">{_xml(value)}</t></is></c>')
            else:
                parts.append(f"<c><v>{value}</v></c>")
        parts.append("</row>")
        self._emit("".join(parts))

    def write_text_row(self, texts):
        """A row known to hold only strings (import result workbooks): the fast path."""
        self._row_number += 1
        self.rows += 1
        self._emit(
            f'<row r="{self._row_number}"><c t="inlineStr" s="2"><is><t xml:space="preserve">'
            + '</t></is></c><c t="inlineStr" s="2"><is><t xml:space="preserve">'.join(map(_xml, texts))
            + "</t></is></c></row>"
        )

    def close(self):
        self._flush()
        self._sheet.write(b"</sheetData></worksheet>")
        self._sheet.close()
        self._zip.close()


def write_rows(path, headers, rows, text_only=False, sheet_name="Sheet1"):
    writer = XlsxWriter(path, headers, sheet_name=sheet_name)
    try:
        write = writer.write_text_row if text_only else writer.write_row
        for values in rows:
            write(values)
    finally:
        writer.close()
    return writer.rows
