"""The import kinds, each declared once here and registered by its screen name (the
window's title in the manuals): the template, the parser, the per-row checks, the failure
workbook and the import record all follow from the declaration.

A kind subclasses ``ImportKind``: ``columns(target)`` (``Column`` list), ``keys`` (columns
whose values must be unique inside the file), ``check_existing(ctx, rows)`` (clashes with
the database, in batched queries) and ``insert(ctx, rows)`` (bulk inserts, never row-by-row
saves). ``register`` makes it reachable: views name the kind object (``import_kinds =
(LEARNER_ACCOUNTS,)``), a stored batch or job finds it again by ``code`` (``KINDS``), people
by its screen name (``named("学员成果导入")``).

Column headers are the Chinese names of the file format itself (like the manuals'
templates), not UI text: a file made from the template imports in either UI language.
"""
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar, cast

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models import (
    AchievementSource,
    CatalogueAchievement,
    Category,
    CategoryScope,
    FrameworkLevel,
    Institution,
    User,
    now,
)
from services.accounts import permissions
from services.excel.columns import (
    DATE,
    EMAIL,
    ENUM,
    ID_NUMBER,
    MOBILE,
    NUMBER,
    TEXT,
    Column,
    Row,
    refuse,
    refuse_for,
)
from services.records import achievements, catalogue, learners

# Column keys whose values must be unique inside one file: a key, or a tuple of keys
# unique together.
Keys = tuple[str | tuple[str, ...], ...]
# What a kind imports under: nothing, a subcategory (catalogue achievements of that type) or an
# institution achievement (its holders).
Target = TypeVar("Target", None, Category, CatalogueAchievement)


@dataclass
class ImportContext(Generic[Target]):
    user: User
    institution_id: int | None
    target: Target = None  # type: ignore[assignment]  # kinds without a target leave it out
    batch_id: int | None = None
    when: dt.datetime = field(default_factory=now)


class ImportKind(Generic[Target]):
    """Base of every import kind; subclasses declare columns and the database side."""

    code = ""  # what an ImportBatch or a Job stores to find the kind again
    screen_name = ""  # the import window's title, as the manuals name it
    label = ""  # the short name in lists, template file names and sheet titles
    needs_target = False
    target_label = ""
    keys: Keys = ()  # column keys whose values must be unique inside one file

    def columns(self, target: Target) -> Sequence[Column]:
        raise NotImplementedError

    def targets(self, user: User) -> list[tuple[int, str]]:
        """(id, label) choices of targets the user may import under."""
        return []

    def get_target(self, user: User, target_id: int) -> Target | None:
        """The target with this id if the user may import under it, else None."""
        return None

    def template_name(self, target: Target) -> str:
        return f"{self.label}导入模板.xlsx"

    def check_existing(self, ctx: ImportContext[Target], rows: list[Row]) -> None:
        """Add an error to each row that clashes with the database."""

    def insert(self, ctx: ImportContext[Target], rows: list[Row]) -> None:
        raise NotImplementedError


AnyKind = TypeVar("AnyKind", bound=ImportKind)
KINDS: dict[str, ImportKind] = {}  # code → kind
_BY_SCREEN_NAME: dict[str, ImportKind] = {}


def register(kind: AnyKind) -> AnyKind:
    """Make ``kind`` reachable by its code and its screen name (each unique); returns it."""
    entries = ((KINDS, kind.code), (_BY_SCREEN_NAME, kind.screen_name))
    for registry, key in entries:
        if not key or key in registry:
            raise ValueError(f"import kind {type(kind).__name__}: missing or repeated name {key!r}")
    for registry, key in entries:
        registry[key] = kind
    return kind


def named(screen_name: str) -> ImportKind:
    """The kind whose import window has this title (学员成果导入, 学员账户导入…)."""
    return _BY_SCREEN_NAME[screen_name]


# --- the kinds -----------------------------------------------------------------------


class LearnerAccountsKind(ImportKind[None]):
    """学员账户导入 (学员账户管理 → 导入, center and institutions): creates 未激活 learner
    accounts (SPEC §9)."""

    code = "learner_accounts"
    screen_name = "学员账户导入"
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

    def columns(self, target: None) -> Sequence[Column]:
        return self.COLUMNS

    def check_existing(self, ctx: ImportContext[None], rows: list[Row]) -> None:
        for row, refusals in zip(rows, learners.check_new([r.values for r in rows]), strict=True):
            refuse_for(row, refusals)

    def insert(self, ctx: ImportContext[None], rows: list[Row]) -> None:
        fields = ("real_name", "id_number", "phone", "email", "ethnicity", "address")
        learners.insert_new([{key: r.values[key] for key in fields} for r in rows], ctx.institution_id, ctx.when)


LEARNER_ACCOUNTS = register(LearnerAccountsKind())


def _schema_column(spec: dict[str, Any]) -> Column:
    """A Column from a subcategory's ``field_schema`` entry."""
    kind = {"enum": ENUM, "number": NUMBER, "date": DATE}.get(spec.get("type", ""), TEXT)
    return Column(
        "fields." + spec["name"],
        spec["label"],
        kind,
        required=bool(spec.get("required")),
        options=tuple(spec.get("options") or ()),
    )


class CatalogueAchievementsKind(ImportKind[Category]):
    """Catalogue achievements of one subcategory: columns come from its ``field_schema``; the
    catalogue achievements are checked and written by ``services.records.catalogue``."""

    needs_target = True
    target_label = _l("Achievement type")
    keys = ()  # two rows of one catalogue achievement: the catalogue service refuses the second
    WITH_INSTITUTION = False

    def columns(self, target: Category) -> list[Column]:
        columns = [Column("project_name", "项目名称", note="不填时同成果名称"), Column("name", "成果名称", required=True)]
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

    def template_name(self, target: Category) -> str:
        return f"{target.name}导入模板.xlsx"

    def _categories(self, user: User) -> Any:  # a peewee query of Category
        return Category.select().where(Category.parent.is_null(False), Category.active)

    def targets(self, user: User) -> list[tuple[int, str]]:
        return [(c.id, c.name) for c in self._categories(user).order_by(Category.scope, Category.sort_order, Category.id)]

    def get_target(self, user: User, target_id: int) -> Category | None:
        return self._categories(user).where(Category.id == target_id).first()

    def _institutions(self, ctx: ImportContext[Category], rows: list[Row]) -> dict[int, int | None]:
        """Institution id per row (the user's own institution unless the file names one)."""
        return {id(r): ctx.institution_id for r in rows}

    def check_existing(self, ctx: ImportContext[Category], rows: list[Row]) -> None:
        owners = self._institutions(ctx, rows)
        rows = [r for r in rows if not r.errors]
        levels = {level.name: level.id for level in FrameworkLevel.select()}
        items = []
        for r in rows:
            values = r.values
            items.append({
                "institution_id": owners[id(r)], "project_name": values["project_name"], "name": values["name"],
                "fields": {k[7:]: _json_value(v) for k, v in values.items() if k.startswith("fields.") and v is not None},
                "credits": values["credits"], "framework_level": levels.get(values["framework_level"]),
                "valid_from": values["valid_from"], "intro": values["intro"],
            })
            values["catalogue_achievement"] = items[-1]
        found = catalogue.check_new(ctx.target, items, by_hand=False, acting_institution=ctx.institution_id)
        for row, refusals in zip(rows, found, strict=True):
            refuse_for(row, refusals)

    def insert(self, ctx: ImportContext[Category], rows: list[Row]) -> None:
        catalogue.insert_many(ctx.target, [r.values["catalogue_achievement"] for r in rows], ctx.user, ctx.when)


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class CatalogueKind(CatalogueAchievementsKind):
    """名录成果导入 (名录成果 → 导入, the center): catalogue achievements of any subcategory, the
    institution named per row."""

    code = "catalogue"
    screen_name = "名录成果导入"
    label = "名录成果"
    WITH_INSTITUTION = True

    def _institutions(self, ctx: ImportContext[Category], rows: list[Row]) -> dict[int, int | None]:
        by_name: dict[str, int] = {}
        names = Institution.select(Institution.id, Institution.name, Institution.school_code).tuples()
        for institution_id, name, school_code in cast(Iterable[tuple[int, str, str | None]], names):
            by_name[name] = institution_id
            if school_code:
                by_name.setdefault(school_code, institution_id)
        column = next(c for c in self.columns(ctx.target) if c.key == "institution")
        owners: dict[int, int | None] = {}
        for row in rows:
            owners[id(row)] = by_name.get(row.values["institution"])
            if owners[id(row)] is None:
                refuse(row, column, _("is not an institution registered on the platform"))
        return owners


CATALOGUE = register(CatalogueKind())


class InstitutionAchievementsKind(CatalogueAchievementsKind):
    """机构成果导入 (机构成果 → 导入, the window 批量导入机构成果): an institution's own
    catalogue achievements of one institution-side type."""

    code = "institution_achievements"
    screen_name = "机构成果导入"
    label = "机构成果"

    def _categories(self, user: User) -> Any:
        query = Category.select().where(
            Category.parent.is_null(False), Category.active, Category.scope == CategoryScope.INSTITUTION
        )
        return permissions.storable_types(query, user)


INSTITUTION_ACHIEVEMENTS = register(InstitutionAchievementsKind())


class LearnerAchievementsKind(ImportKind[CatalogueAchievement]):
    """学员成果导入 (学员成果管理 → 导入学员, the window 学员信息导入): learners who hold one
    institution achievement; an ID without an account becomes a 未激活 learner added by the
    institution."""

    code = "learner_achievements"
    screen_name = "学员成果导入"
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

    def columns(self, target: CatalogueAchievement) -> Sequence[Column]:
        return self.COLUMNS

    def _catalogue_achievements(self, user: User) -> Any:  # a peewee query of CatalogueAchievement
        query = CatalogueAchievement.select().where(~CatalogueAchievement.disabled)
        return permissions.scope_by_institution(query, CatalogueAchievement.institution, user)

    def targets(self, user: User) -> list[tuple[int, str]]:
        query = self._catalogue_achievements(user).order_by(CatalogueAchievement.name)
        return [(a.id, f"{a.project_name} {a.name}") for a in query]

    def get_target(self, user: User, target_id: int) -> CatalogueAchievement | None:
        return self._catalogue_achievements(user).where(CatalogueAchievement.id == target_id).first()

    def template_name(self, target: CatalogueAchievement) -> str:
        return f"{target.name}学员导入模板.xlsx"

    def check_existing(self, ctx: ImportContext[CatalogueAchievement], rows: list[Row]) -> None:
        for row, refusals in zip(rows, achievements.check_holdings(ctx.target, [r.values for r in rows]), strict=True):
            refuse_for(row, refusals)

    def insert(self, ctx: ImportContext[CatalogueAchievement], rows: list[Row]) -> None:
        achievements.store_holdings(ctx.target, [r.values for r in rows], institution_id=ctx.institution_id,
                                    user=ctx.user, source=AchievementSource.IMPORT, batch_id=ctx.batch_id,
                                    when=ctx.when)


LEARNER_ACHIEVEMENTS = register(LearnerAchievementsKind())
