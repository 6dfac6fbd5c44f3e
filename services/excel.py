"""Spreadsheet import and export for every list (SPEC §9, §11).

Import kinds are declared once in this module (``KINDS``); the template, the parser, the
per-row validation, the failure workbook and the import record all follow from the
declaration. Admin list views get the screens (导入, 导入记录, 导出) from
``admin.excel.ExcelMixin`` and only set attributes::

    from admin.excel import ExcelMixin
    from services import excel

    class LearnerAccountView(ExcelMixin, SecureModelView):
        import_kinds = ("learner_accounts",)         # codes of services.excel.KINDS
        export_columns = (                           # what 导出 writes, in this order
            excel.ExportColumn("学员姓名", User.real_name),
            excel.ExportColumn("身份证号", User.id_number),
            excel.ExportColumn("账户状态", User.status, enum=AccountStatus),
            excel.ExportColumn("入库时间", User.created_at, excel.DATE),
        )

Kinds that import under a target (``needs_target``) let the user pick it first: the
subcategory for catalogue and institution achievements, the institution achievement for
its learners. A view may pass the target in the URL (``?target=<id>``).

A new kind subclasses ``ImportKind``: ``columns(target)`` (``Column`` list), ``keys``
(columns whose values must be unique inside the file), ``check_existing(ctx, rows)``
(duplicates against the database, in batched queries) and ``insert(ctx, rows)``
(``insert_many`` in chunks, never row-by-row saves). ``run_import`` runs it all in one
transaction; ``write_export`` streams a query to ``.xlsx``.

Column headers are the Chinese names of the file format itself (like the manuals'
templates), not UI text: a file made from the template imports in either UI language.
"""
import contextlib
import datetime as dt
import functools
import gc
import itertools
import operator
import os
import re
import tempfile
import threading
import unicodedata
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import openpyxl
import python_calamine
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from peewee import PostgresqlDatabase

from models import (
    AccountStatus,
    AchievementSource,
    CatalogueAchievement,
    Category,
    CategoryScope,
    FrameworkLevel,
    ImportBatch,
    Institution,
    LearnerAchievement,
    Level,
    Role,
    User,
    db,
    now,
)
from services import audit, database, duplicates, permissions, sheet_limits, storage, validators, workflow

# Column types
TEXT, ID_NUMBER, MOBILE, EMAIL, DATE, ENUM, NUMBER = "text", "id_number", "mobile", "email", "date", "enum", "number"
DATETIME = "datetime"  # export only

SQLITE_MAX_VARIABLES = 32766
LOOKUP_CHUNK = 5000  # values per IN (...) lookup
MAX_ZIP_ENTRIES = 1000
HEADER_SEARCH_ROWS = 10
REASON_HEADER = "失败原因"
EXCEL_EPOCH = dt.date(1899, 12, 30)
LEVEL_LABELS = ("小学", "初中", "高中(中职/中技)", "专科(高职)", "本科", "硕士", "博士")
LEVEL_CODES = dict(zip(LEVEL_LABELS, Level.codes(), strict=True))

_ID_DIGIT_OFFSET = ord("0") * sum(validators.ID_WEIGHTS)
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


class ImportFileError(ValueError):
    """The whole file is refused (not a spreadsheet, empty, too large, headers missing)."""


# --- declarations --------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an import kind. ``key`` names the value in ``Row.values``;
    ``options`` are the labels an enumeration accepts and ``codes`` what is stored
    for each (defaults to the label)."""

    key: str
    header: str
    type: str = TEXT
    required: bool = False
    options: tuple = ()
    codes: tuple = ()
    max_length: int = 200
    future: bool = False  # dates may lie in the future
    note: str = ""  # shown on the template's instruction sheet

    def stored(self, label):
        return self.codes[self.options.index(label)] if self.codes else label


@dataclass(frozen=True)
class ExportColumn:
    """One exported column: a header and a peewee field or expression of the view's
    query. ``enum`` (a ``models.Choices``) turns stored codes into labels."""

    header: str
    field: object
    type: str = TEXT
    enum: object = None  # a models.Choices subclass
    convert: object = None  # or a function from the stored value to the cell's text


class Row:
    """One data row: its spreadsheet row number, parsed values by column key, display
    texts in column order, errors."""

    __slots__ = ("number", "values", "texts", "errors")

    def __init__(self, number, values, texts, errors):
        self.number, self.values, self.texts, self.errors = number, values, texts, errors


@dataclass
class ImportContext:
    user: User
    institution_id: int | None
    target: object = None
    batch_id: int | None = None
    when: dt.datetime = field(default_factory=now)


class ImportKind:
    """Base of every import kind; subclasses declare columns and the database side."""

    code = ""
    label = ""
    needs_target = False
    target_label = ""
    keys = ()  # column keys whose values must be unique inside one file

    def columns(self, target):
        raise NotImplementedError

    def targets(self, user):
        """(id, label) choices of targets the user may import under."""
        return []

    def get_target(self, user, target_id):
        """The target with this id if the user may import under it, else None."""
        return None

    def template_name(self, target):
        return f"{self.label}导入模板.xlsx"

    def check_existing(self, ctx, rows):
        """Add an error to each row that clashes with the database."""

    def insert(self, ctx, rows):
        raise NotImplementedError


def refuse(row, column, problem):
    if not row.errors:
        row.errors = []  # rows start with a shared empty tuple: most are never refused
    row.errors.append(_("Row %(row)s %(column)s %(problem)s", row=row.number, column=column.header, problem=problem))


def chunks(values, size):
    """Lists of at most ``size`` items, taken lazily from any iterable."""
    iterator = iter(values)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def insert_chunked(model, rows, **same):
    """Bulk insert of dicts with the same keys and database-ready values (any iterable,
    consumed lazily so memory stays flat), in multi-row VALUES pages on both databases;
    ``same`` holds the values every row shares, converted once instead of per row.
    Building the rows with ``insert_many`` costs more than the insert itself; pages stay
    far below SQLite's 32 766 variables per statement."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    keys = list(first)
    fields_ = model._meta.fields
    # Model defaults for the columns not given, as peewee's insert_many would fill them.
    shared = {
        f.name: f.default() if callable(f.default) else f.default
        for f in model._meta.sorted_fields
        if f.name not in first and f.name not in same and f.default is not None
    }
    shared.update(same)
    fields = [fields_[k] for k in [*keys, *shared]]
    table = model._meta.table_name
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    tail = tuple(_bound(fields_[k], v) for k, v in shared.items())
    pick = operator.itemgetter(*keys) if len(keys) > 1 else (lambda r: (r[keys[0]],))
    values = (pick(r) + tail for r in itertools.chain([first], rows))
    cursor = db.cursor()
    if isinstance(db.obj, PostgresqlDatabase):
        from psycopg2.extras import execute_values

        page = max(1, SQLITE_MAX_VARIABLES // len(fields) // 4)
        execute_values(cursor, f'INSERT INTO "{table}" ({columns}) VALUES %s', values, page_size=page)
    else:
        # Multi-row VALUES pages: about twice as fast as executemany's row-by-row binding.
        row_marks = "(" + ", ".join([db.param] * len(fields)) + ")"
        page = max(1, SQLITE_MAX_VARIABLES // len(fields))
        full_page = f'INSERT INTO "{table}" ({columns}) VALUES ' + ", ".join([row_marks] * page)
        for chunk in chunks(values, page):
            sql = full_page if len(chunk) == page else (
                f'INSERT INTO "{table}" ({columns}) VALUES ' + ", ".join([row_marks] * len(chunk))
            )
            cursor.execute(sql, list(itertools.chain.from_iterable(chunk)))


def _bound(field_, value):
    """``value`` as the driver receives it for ``field_``; SQLite stores dates and times
    as the text its default adapter would make of them."""
    value = field_.db_value(value)
    if isinstance(value, dt.date) and not isinstance(db.obj, PostgresqlDatabase):
        return str(value)
    return value


def select_in(fields, in_field, values, **equal):
    """Rows of ``fields`` whose ``in_field`` is one of ``values`` (and whose other
    columns equal ``equal``), looked up in chunks with plain SQL: peewee would build one
    expression node per value."""
    meta = in_field.model._meta
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    extra = "".join(f' AND "{meta.fields[k].column_name}" = {db.param}' for k in equal)
    for part in chunks({v for v in values if v is not None}, LOOKUP_CHUNK):
        marks = ",".join([db.param] * len(part))
        sql = f'SELECT {columns} FROM "{meta.table_name}" WHERE "{in_field.column_name}" IN ({marks}){extra}'
        yield from db.execute_sql(sql, [*part, *equal.values()]).fetchall()


def existing_values(field, values):
    """The subset of ``values`` already stored in ``field``."""
    return {v for (v,) in select_in([field], field, values)}


# --- the kinds -----------------------------------------------------------------------


class LearnerAccountsKind(ImportKind):
    """学员账户 导入: creates 未激活 learner accounts (SPEC §9 学员账户管理)."""

    code = "learner_accounts"
    label = "学员账户"
    keys = ("id_number", "phone", "email")
    COLUMNS = (
        Column("real_name", "学员姓名", required=True, max_length=50),
        Column("id_number", "身份证号", ID_NUMBER, required=True, note="18位居民身份证号，末位X大写或小写均可"),
        Column("phone", "手机号码", MOBILE, note="11位手机号码，用于激活账户"),
        Column("email", "电子邮箱", EMAIL, max_length=100),
        Column("ethnicity", "民族", max_length=50),
        Column("address", "联系地址", max_length=200),
    )

    def columns(self, target):
        return self.COLUMNS

    def check_existing(self, ctx, rows):
        learner_columns = {c.key: c for c in self.COLUMNS}
        for key, problem in (
            ("id_number", _("is already registered")),
            ("phone", _("is already bound to another account")),
            ("email", _("is already bound to another account")),
        ):
            field_ = getattr(User, key)
            taken = existing_values(field_, (r.values[key] for r in rows))
            for row in rows:
                if row.values[key] in taken:
                    refuse(row, learner_columns[key], problem)

    def insert(self, ctx, rows):
        insert_chunked(
            User,
            (
                {
                    "real_name": r.values["real_name"],
                    "id_number": r.values["id_number"],
                    "phone": r.values["phone"],
                    "email": r.values["email"],
                    "ethnicity": r.values["ethnicity"],
                    "address": r.values["address"],
                    "gender": validators.id_gender(r.values["id_number"]),
                    "birth_date": validators.id_birth_date(r.values["id_number"]),
                }
                for r in rows
            ),
            role=Role.LEARNER,
            status=AccountStatus.INACTIVE,
            added_by_institution=ctx.institution_id,
            created_at=ctx.when,
        )


def _schema_column(spec):
    """A Column from a subcategory's ``field_schema`` entry."""
    kind = {"enum": ENUM, "number": NUMBER, "date": DATE}.get(spec.get("type"), TEXT)
    return Column(
        "fields." + spec["name"],
        spec["label"],
        kind,
        required=bool(spec.get("required")),
        options=tuple(spec.get("options") or ()),
    )


class CatalogueEntriesKind(ImportKind):
    """Catalogue entries of one subcategory: columns come from its ``field_schema``."""

    needs_target = True
    target_label = _l("Achievement type")
    keys = (("project_name", "name"),)
    WITH_INSTITUTION = False

    def columns(self, target):
        columns = [Column("project_name", "项目名称", required=True), Column("name", "成果名称", required=True)]
        if self.WITH_INSTITUTION:
            columns.append(Column("institution", "资历机构", required=True, note="机构名称或学校代码，须已在平台登记"))
        columns += [_schema_column(spec) for spec in target.catalogue_fields()]
        names = [level.name for level in FrameworkLevel.select().order_by(FrameworkLevel.level)]
        columns += [
            Column("credits", "学分银行学分", NUMBER),
            Column("framework_level", "资历框架等级", ENUM, options=tuple(names)),
            Column("valid_from", "生效日期", DATE, future=True),
            Column("intro", "成果简介", max_length=2000),
        ]
        return columns

    def template_name(self, target):
        return f"{target.name}导入模板.xlsx"

    def _categories(self, user):
        return Category.select().where(Category.parent.is_null(False), Category.active)

    def targets(self, user):
        return [(c.id, c.name) for c in self._categories(user).order_by(Category.scope, Category.sort_order, Category.id)]

    def get_target(self, user, target_id):
        return self._categories(user).where(Category.id == target_id).first()

    def _institutions(self, ctx, rows):
        """Institution id per row (the user's own institution unless the file names one)."""
        return {id(r): ctx.institution_id for r in rows}

    def check_existing(self, ctx, rows):
        owners = self._institutions(ctx, rows)
        existing = set(
            select_in(
                [CatalogueAchievement.institution, CatalogueAchievement.project_name, CatalogueAchievement.name],
                CatalogueAchievement.name,
                [r.values["name"] for r in rows],
                category=ctx.target.id,
                disabled=False,
            )
        )
        name_column = next(c for c in self.columns(ctx.target) if c.key == "name")
        for row in rows:
            if row.errors:
                continue
            if (owners[id(row)], row.values["project_name"], row.values["name"]) in existing:
                refuse(row, name_column, _("is already in the catalogue"))
            row.values["institution_id"] = owners[id(row)]

    def insert(self, ctx, rows):
        levels = {level.name: level.id for level in FrameworkLevel.select()}
        records = []
        for r in rows:
            values = r.values
            fields = {k[7:]: _json_value(v) for k, v in values.items() if k.startswith("fields.") and v is not None}
            records.append(
                {
                    "project_name": values["project_name"],
                    "name": values["name"],
                    "institution": values["institution_id"],
                    "fields": CatalogueAchievement.fields.db_value(fields),
                    "level": LEVEL_CODES.get(fields.get("level")),
                    "credits": None if values["credits"] is None else str(values["credits"]),
                    "framework_level": levels.get(values["framework_level"]),
                    "valid_from": values["valid_from"],
                    "intro": values["intro"],
                }
            )
        insert_chunked(
            CatalogueAchievement, records, category=ctx.target.id, created_by=ctx.user.id, created_at=ctx.when
        )


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class CatalogueKind(CatalogueEntriesKind):
    """名录成果 导入 by the center: any subcategory, the institution named per row."""

    code = "catalogue"
    label = "名录成果"
    keys = (("institution", "project_name", "name"),)
    WITH_INSTITUTION = True

    def _institutions(self, ctx, rows):
        by_name = {}
        for institution_id, name, school_code in Institution.select(
            Institution.id, Institution.name, Institution.school_code
        ).tuples():
            by_name[name] = institution_id
            if school_code:
                by_name.setdefault(school_code, institution_id)
        column = next(c for c in self.columns(ctx.target) if c.key == "institution")
        owners = {}
        for row in rows:
            owners[id(row)] = by_name.get(row.values["institution"])
            if owners[id(row)] is None:
                refuse(row, column, _("is not an institution registered on the platform"))
        return owners


class InstitutionAchievementsKind(CatalogueEntriesKind):
    """机构成果 导入: an institution's own entries of one institution-side type."""

    code = "institution_achievements"
    label = "机构成果"

    def _categories(self, user):
        query = Category.select().where(
            Category.parent.is_null(False), Category.active, Category.scope == CategoryScope.INSTITUTION
        )
        return permissions.storable_types(query, user)


class LearnerAchievementsKind(ImportKind):
    """导入学员 for one institution achievement: an ID without an account becomes a
    未激活 learner added by the institution."""

    code = "learner_achievements"
    label = "学员成果"
    needs_target = True
    target_label = _l("Institution achievement")
    keys = ("id_number",)
    COLUMNS = (
        Column("real_name", "学员姓名", required=True, max_length=50),
        Column("id_number", "身份证号", ID_NUMBER, required=True),
        Column("personal_code", "个人成果编号", required=True, max_length=100),
        Column("obtained_on", "颁证日期", DATE, required=True),
    )

    def columns(self, target):
        return self.COLUMNS

    def _entries(self, user):
        from services import permissions

        query = CatalogueAchievement.select().where(~CatalogueAchievement.disabled)
        return permissions.scope_by_institution(query, CatalogueAchievement.institution, user)

    def targets(self, user):
        return [(a.id, f"{a.project_name} {a.name}") for a in self._entries(user).order_by(CatalogueAchievement.name)]

    def get_target(self, user, target_id):
        return self._entries(user).where(CatalogueAchievement.id == target_id).first()

    def template_name(self, target):
        return f"{target.name}学员导入模板.xlsx"

    def check_existing(self, ctx, rows):
        name_column, id_column = self.COLUMNS[0], self.COLUMNS[1]
        accounts = {
            id_number: (user_id, real_name, role)
            for user_id, id_number, real_name, role in select_in(
                [User.id, User.id_number, User.real_name, User.role], User.id_number, [r.values["id_number"] for r in rows]
            )
        }
        holders = {
            learner
            for (learner,) in select_in(
                [LearnerAchievement.learner],
                LearnerAchievement.learner,
                [a[0] for a in accounts.values()],
                catalogue=ctx.target.id,
            )
        }
        for row in rows:
            account = accounts.get(row.values["id_number"])
            if account is None:
                continue
            user_id, real_name, role = account
            if not permissions.is_learner(role) or real_name != row.values["real_name"]:
                # One answer for both: the import must not tell which names (or staff) are
                # registered under ID numbers.
                refuse(row, name_column, _("the name and the ID number do not match a learner account"))
            elif user_id in holders:
                refuse(row, id_column, _("already holds this achievement"))
            row.values["learner_id"] = user_id

    def insert(self, ctx, rows):
        new = [r for r in rows if "learner_id" not in r.values]
        insert_chunked(
            User,
            (
                {
                    "real_name": r.values["real_name"],
                    "id_number": r.values["id_number"],
                    "gender": validators.id_gender(r.values["id_number"]),
                    "birth_date": validators.id_birth_date(r.values["id_number"]),
                }
                for r in new
            ),
            role=Role.LEARNER,
            status=AccountStatus.INACTIVE,
            added_by_institution=ctx.institution_id,
            created_at=ctx.when,
        )
        ids = dict(select_in([User.id_number, User.id], User.id_number, [r.values["id_number"] for r in new]))
        for r in new:
            r.values["learner_id"] = ids[r.values["id_number"]]
        entry = ctx.target
        category = entry.category
        status = workflow.initial_status(category, entry)
        insert_chunked(
            LearnerAchievement,
            (
                {
                    "learner": r.values["learner_id"],
                    "obtained_on": r.values["obtained_on"],
                    "personal_code": r.values["personal_code"],
                    "certificate_key": duplicates.certificate_key(r.values["personal_code"]),
                }
                for r in rows
            ),
            catalogue=entry.id,
            category=entry.holder_category_id,
            name=entry.name,
            institution=entry.institution_id,
            fields={},
            status=status,
            source=AchievementSource.IMPORT,
            stored_by=ctx.institution_id,
            import_batch=ctx.batch_id,
            created_at=ctx.when,
            updated_at=ctx.when,
        )
        # Flag duplicate certificates of the new rows (services/duplicates.py).
        duplicates.refresh(entry.id, (duplicates.certificate_key(r.values["personal_code"]) for r in rows))


KINDS = {
    kind.code: kind
    for kind in (LearnerAccountsKind(), CatalogueKind(), InstitutionAchievementsKind(), LearnerAchievementsKind())
}


# --- reading and normalising cells ---------------------------------------------------


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
        return None, "", (_("is required") if column.required else None)
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
        if value > today and not column.future:
            return None, text, _("cannot be later than today")
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


# --- file checks ---------------------------------------------------------------------

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


def refuse_duplicates(rows, kind, columns):
    by_key = {c.key: c for c in columns}
    for key in kind.keys:
        parts = key if isinstance(key, tuple) else (key,)
        pick = operator.itemgetter(*parts) if len(parts) > 1 else (lambda values, p=parts[0]: (values[p],))
        seen = {}
        for row in rows:
            if row.errors:
                continue
            value = pick(row.values)
            if None in value:
                continue
            first = seen.setdefault(value, row.number)
            if first != row.number:
                refuse(row, by_key[parts[-1]], _("duplicates row %(row)s of this file", row=first))


# --- the pipeline --------------------------------------------------------------------


def institution_of(user):
    return permissions.institution_of(user)


def run_import(kind, path, filename, user, target=None, progress=None):
    """Parse, validate and store one uploaded file; returns the ImportBatch. Raises
    ImportFileError (nothing changed) when the file as a whole is refused. ``progress``,
    when given, is told each stage as ``progress(stage, done, total)``."""
    with paused_gc():
        batch = _run_import(kind, path, filename, user, target, progress or _no_progress)
    database.analyse()  # thousands of new rows: the planner's statistics are stale
    return batch


def _no_progress(stage, done, total):
    pass


_gc_pauses = 0
_gc_was_enabled = True
_gc_lock = threading.Lock()


@contextlib.contextmanager
def paused_gc():
    """The cyclic garbage collector paused: an import allocates hundreds of thousands of
    rows, cells and dicts (none in reference cycles), and the collections they would
    trigger, each walking every live object, cost as much as the parsing itself. The
    switch is process-wide, so concurrent imports in threads count their pauses and the
    last one out turns it back on (if it was on when the first came in)."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def _run_import(kind, path, filename, user, target, progress):
    columns = list(kind.columns(target))
    progress("reading", 0, None)
    rows = parse_rows(read_rows(path), columns)
    progress("validating", len(rows), len(rows))
    refuse_duplicates(rows, kind, columns)
    ctx = ImportContext(user=user, institution_id=institution_of(user), target=target)
    candidates = [r for r in rows if not r.errors]
    kind.check_existing(ctx, candidates)
    accepted = [r for r in candidates if not r.errors]
    rejected = [r for r in rows if r.errors]
    progress("writing", 0, len(accepted))

    stem = os.path.splitext(os.path.basename(filename))[0][:100] or kind.label
    with tempfile.TemporaryDirectory() as tmp:
        accepted_path = os.path.join(tmp, "accepted.xlsx")
        rejected_path = os.path.join(tmp, "rejected.xlsx")
        headers = [c.header for c in columns]

        def write_results():
            # Cells are neutralised as in exports: what was typed as "=HYPERLINK(…)" comes
            # back as text, never as a formula the spreadsheet would run.
            write_rows(accepted_path, headers, ([*map(neutralise, r.texts)] for r in accepted), text_only=True)
            write_rows(
                rejected_path,
                headers + [REASON_HEADER],
                ([*map(neutralise, r.texts), "；".join(r.errors)] for r in rejected),
                text_only=True,
            )

        # The result workbooks are written while the rows go into the database: SQLite and
        # zlib release the GIL, so the two overlap on the second core.
        with ThreadPoolExecutor(max_workers=1) as writer, db.atomic():
            written = writer.submit(write_results)
            batch = ImportBatch.create(
                kind=kind.code,
                operator=user,
                institution=ctx.institution_id,
                target_id=getattr(target, "id", None),
                filename=os.path.basename(filename)[:255],
                accepted=len(accepted),
                rejected=len(rejected),
                created_at=ctx.when,
            )
            ctx.batch_id = batch.id
            kind.insert(ctx, accepted)
            written.result()  # a failed write raises here and rolls the import back
            batch.accepted_file = storage.save_file(
                accepted_path, f"{stem}-成功导入.xlsx", "import", batch.id, purpose="accepted", user=user
            )
            batch.rejected_file = storage.save_file(
                rejected_path, f"{stem}-未导入.xlsx", "import", batch.id, purpose="rejected", user=user
            )
            batch.save()
            audit.record("import", batch, user=user, kind=kind.code, accepted=len(accepted), rejected=len(rejected))
    return batch


# --- templates -----------------------------------------------------------------------


def write_template(path, kind, target):
    """The downloadable template: marked header, dropdowns, text-formatted IDs/phones,
    YYYY-MM-DD dates and an instruction sheet."""
    columns = list(kind.columns(target))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = kind.label
    red, bold = Font(bold=True, color="C00000"), Font(bold=True)
    for position, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=position, value=column.header + ("*" if column.required else ""))
        cell.font = red if column.required else bold
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        cells = f"{letter}2:{letter}5001"
        if column.type in (ID_NUMBER, MOBILE, TEXT, EMAIL):
            for row in range(2, 5002):
                sheet.cell(row=row, column=position).number_format = "@"
        elif column.type == DATE:
            for row in range(2, 5002):
                sheet.cell(row=row, column=position).number_format = "yyyy-mm-dd"
        if column.type == ENUM and column.options:
            listing = ",".join(column.options)
            if len(listing) <= 250:  # Excel's limit for an inline list
                validation = DataValidation(type="list", formula1=f'"{listing}"', allow_blank=not column.required)
                validation.add(cells)
                sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "格式说明"])
    for cell in notes[1]:
        cell.font = bold
    for column in columns:
        notes.append([column.header, "必填" if column.required else "选填", _column_note(column)])
    notes.append([])
    notes.append(["说明", "", "带*的列必须填写；从第2行起每行一条数据；身份证号、手机号码请以文本格式填写；导入时不符合要求的行不会导入，并在“未导入”表格中注明失败原因。"])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["C"].width = 80
    workbook.save(path)


def _column_note(column):
    base = {
        ID_NUMBER: "18位居民身份证号",
        MOBILE: "11位手机号码",
        EMAIL: "电子邮箱地址",
        DATE: "日期，格式 YYYY-MM-DD，如 2022-03-01",
        NUMBER: "数字",
        ENUM: "可选值：" + "、".join(column.options),
        TEXT: f"文本，不超过{column.max_length}字",
    }[column.type]
    return f"{base}；{column.note}" if column.note else base


# --- writing .xlsx fast and in constant memory ----------------------------------------

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


# --- export --------------------------------------------------------------------------


def _converter(column):
    """A function from a stored value to the exported cell value."""
    if column.convert is not None:
        return lambda v: neutralise(column.convert(v))
    if column.enum is not None:
        labels = {code: str(label) for code, label in column.enum.choices()}
        return lambda v: neutralise(labels.get(v, v)) if isinstance(v, str) else v
    if column.type == DATE:
        return lambda v: v.strftime("%Y-%m-%d") if v else None
    if column.type == DATETIME:
        return lambda v: v.strftime("%Y-%m-%d %H:%M:%S") if v else None
    if column.type == NUMBER:
        return lambda v: v
    return lambda v: None if v is None else neutralise(v if isinstance(v, str) else str(v))


def export_values(query, columns):
    """Rows of exportable cell values of ``query`` (fields replaced by the columns'),
    fetched as tuples one by one."""
    convert = [_converter(c) for c in columns]
    pairs = list(enumerate(convert))
    for record in database.stream(query.select(*(c.field for c in columns)).tuples()):
        yield [fn(record[i]) for i, fn in pairs]


def write_export(path, query, columns, sheet_name="Sheet1", progress=None, every=5000):
    """Stream ``query`` into an ``.xlsx`` at ``path``; returns the row count. ``progress``,
    when given, is told the rows written so far every ``every`` rows."""
    values = export_values(query, columns)
    if progress is not None:
        values = _counted(values, progress, every)
    return write_rows(path, [c.header for c in columns], values, sheet_name=sheet_name)


def _counted(rows, progress, every):
    for count, row in enumerate(rows, start=1):
        if count % every == 0:
            progress(count)
        yield row
