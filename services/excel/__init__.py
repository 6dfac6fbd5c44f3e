"""Spreadsheet import and export for every list (SPEC §9, §11): the Excel engine.

One module per concern:

- ``kinds``: the import kinds, each declared once and registered by its screen name
  (``grep 学员成果导入`` finds its class); ``KINDS`` by stored code, ``named(…)`` by title.
- ``columns``: the vocabulary (column types, ``Column``, ``ExportColumn``, ``Row``,
  ``ImportFileError``).
- ``reading``: file checks before parsing (``sheet_limits``: the extent of an .xlsx),
  calamine's rows, the header, ``Row``s a slice at a time.
- ``cleaning``: cell normalisation and the value each column type makes of a cell.
- bulk inserts and chunked lookups come from ``services.core.bulk``.
- ``pipeline``: ``run_import``, one transaction per file.
- ``writing``: the hand-written streaming ``.xlsx`` writer; ``template``: the import
  templates (openpyxl); ``export``: 导出 of a list's query.
- ``as_jobs``: large imports and every export as jobs with a progress page.

Admin list views get the screens (导入, 导入记录, 导出) from ``admin.excel.ExcelMixin`` and
only set attributes::

    from admin.excel import ExcelMixin
    from services import excel

    class LearnerAccountView(ExcelMixin, SecureModelView):
        import_kinds = (excel.LEARNER_ACCOUNTS,)      # kinds of services.excel.kinds
        export_columns = (                             # what 导出 writes, in this order
            excel.ExportColumn("学员姓名", User.real_name),
            excel.ExportColumn("身份证号", User.id_number),
            excel.ExportColumn("账户状态", User.status, enum=AccountStatus),
            excel.ExportColumn("入库时间", User.created_at, excel.DATE),
        )

Kinds that import under a target (``needs_target``) let the user pick it first: the
subcategory for catalogue and institution achievements, the institution achievement for
its learners. A view may pass the target in the URL (``?target=<id>``).
"""
from services.core.bulk import chunks, existing_values, insert_chunked, select_in
from services.excel.cleaning import clean_header, clean_text, parse_cell, parse_column, parse_date, valid_id_number
from services.excel.columns import (
    DATE,
    DATETIME,
    EMAIL,
    ENUM,
    ID_NUMBER,
    MOBILE,
    NUMBER,
    TEXT,
    Column,
    ExportColumn,
    ImportFileError,
    Row,
    refuse,
    refuse_for,
)
from services.excel.export import export_values, write_export
from services.excel.kinds import (
    CATALOGUE,
    INSTITUTION_ACHIEVEMENTS,
    KINDS,
    LEARNER_ACCOUNTS,
    LEARNER_ACHIEVEMENTS,
    ImportContext,
    ImportKind,
    named,
    register,
)
from services.excel.pipeline import institution_of, paused_gc, refuse_duplicates, run_import
from services.excel.reading import (
    PARSE_SLICE,
    check_file,
    estimated_rows,
    first_reasons,
    locate_header,
    parse_rows,
    read_rows,
)
from services.excel.template import write_template
from services.excel.writing import XlsxWriter, neutralise, write_rows

__all__ = [
    "CATALOGUE", "DATE", "DATETIME", "EMAIL", "ENUM", "ID_NUMBER", "INSTITUTION_ACHIEVEMENTS", "KINDS",
    "LEARNER_ACCOUNTS", "LEARNER_ACHIEVEMENTS", "MOBILE", "NUMBER", "PARSE_SLICE", "TEXT", "Column", "ExportColumn",
    "ImportContext", "ImportFileError", "ImportKind", "Row", "XlsxWriter", "check_file", "chunks", "clean_header",
    "first_reasons",
    "clean_text", "estimated_rows", "existing_values", "export_values", "insert_chunked", "institution_of",
    "locate_header", "named", "neutralise", "parse_cell", "parse_column", "parse_date", "parse_rows", "paused_gc",
    "read_rows", "refuse", "refuse_duplicates", "refuse_for", "register", "run_import", "select_in", "valid_id_number",
    "write_export", "write_rows", "write_template",
]
