"""What a report can be asked: its dimensions, measures and periods, and how each
dimension reads its key from the records (the aggregates and the drill-down share these
expressions, so a drill-down lists exactly what a figure counted)."""
import datetime as dt

from flask_babel import lazy_gettext as _l
from peewee import JOIN, Case, fn

from models import (
    AchievementStatus,
    Application,
    ApplicationKind,
    ApplicationStatus,
    CatalogueAchievement,
    Category,
    ConversionRule,
    FrameworkLevel,
    Institution,
    LearnerAchievement,
    ReviewStage,
    RuleType,
    User,
)

INSTITUTION, TEACHING_POINT, CATEGORY, LEVEL, RULE_TYPE, STAGE = (
    "institution", "teaching_point", "category", "level", "rule_type", "stage")
DIMENSIONS = {
    INSTITUTION: _l("Organisation"),
    TEACHING_POINT: _l("Teaching point"),
    CATEGORY: _l("Achievement classification"),
    LEVEL: _l("Framework level"),
    RULE_TYPE: _l("Conversion rule type"),
    STAGE: _l("Review stage"),
}
STORED, RECOGNISED, APPLICATIONS, PASS_RATE, MEDIAN_HOURS, CREDITS = (
    "stored", "recognised", "applications", "pass_rate", "median_hours", "credits")
MEASURES = {
    STORED: _l("Achievements stored"),
    RECOGNISED: _l("Achievements recognised"),
    APPLICATIONS: _l("Applications"),
    PASS_RATE: _l("Pass rate (%)"),
    MEDIAN_HOURS: _l("Median review time (hours)"),
    CREDITS: _l("Credits converted"),
}
# Measures of learner achievements have no rule type or review stage.
ACHIEVEMENT_MEASURES = (STORED, RECOGNISED)
ACHIEVEMENT_DIMENSIONS = (INSTITUTION, TEACHING_POINT, CATEGORY, LEVEL)
STANDING = (AchievementStatus.CATALOGUE, AchievementStatus.RECOGNISED)
DECIDED = (ApplicationStatus.PASSED, ApplicationStatus.REFUSED)
MONTH, QUARTER, YEAR = "month", "quarter", "year"
PERIODS = {MONTH: _l("Month"), QUARTER: _l("Quarter"), YEAR: _l("Year")}
NONE_LABEL = _l("Not specified")

Learner = User.alias("report_learner")
Source = LearnerAchievement.alias("report_source")
SourceCatalogueAchievement = CatalogueAchievement.alias("report_source_catalogue_achievement")


def applies(measure, dimension):
    return measure not in ACHIEVEMENT_MEASURES or dimension in ACHIEVEMENT_DIMENSIONS


def month_of(field):
    """``YYYY-MM`` of a timestamp, on SQLite and PostgreSQL alike."""
    return fn.SUBSTR(field.cast("TEXT"), 1, 7)


# --- keys in the records -------------------------------------------------------------------


def achievement_key(query, dimension):
    """(query with the joins the key needs, key expression) over learner achievements."""
    if dimension == INSTITUTION:
        return query, LearnerAchievement.institution
    if dimension == TEACHING_POINT:
        return query.join(Learner, on=(LearnerAchievement.learner == Learner.id)), Learner.teaching_point
    if dimension == CATEGORY:
        return query, LearnerAchievement.category
    if dimension == LEVEL:
        joined = query.join(CatalogueAchievement, JOIN.LEFT_OUTER,
                            on=(LearnerAchievement.catalogue == CatalogueAchievement.id))
        return joined, CatalogueAchievement.framework_level
    raise ValueError(dimension)


def application_key(query, dimension):
    """(query with the joins the key needs, key expression) over applications. The
    institution is the receiving one (the rule's), else the source achievement's; the
    stage is the last that decided, else the one it waited at."""
    if dimension == TEACHING_POINT:
        return query, Application.teaching_point
    if dimension == RULE_TYPE:
        return query.join(ConversionRule, JOIN.LEFT_OUTER, on=(Application.rule == ConversionRule.id)), \
            ConversionRule.rule_type
    if dimension == STAGE:
        waiting = Case(Application.kind, [(ApplicationKind.CONVERSION, ReviewStage.INITIAL)], Application.kind)
        return query, fn.COALESCE(Application.decided_stage, waiting)
    joined = query.join(Source, on=(Application.achievement == Source.id))
    if dimension == INSTITUTION:
        return joined, fn.COALESCE(Application.receiver, Source.institution)
    if dimension == CATEGORY:
        return joined, Source.category
    if dimension == LEVEL:
        joined = joined.join(SourceCatalogueAchievement, JOIN.LEFT_OUTER,
                             on=(Source.catalogue == SourceCatalogueAchievement.id))
        return joined, SourceCatalogueAchievement.framework_level
    raise ValueError(dimension)


def key_value(dimension, key):
    """A stored key (text) as the value its expression compares with; None for none."""
    if key in ("", None):
        return None
    if dimension in (RULE_TYPE, STAGE):
        return key
    return int(key) if str(key).isdigit() else -1


def labels(dimension, keys):
    """{key: label} for the keys of one dimension (one query at most)."""
    ids = [int(k) for k in keys if k and str(k).isdigit()]
    if dimension in (INSTITUTION, TEACHING_POINT):
        found = {str(i): n for i, n in Institution.select(Institution.id, Institution.name)
                 .where(Institution.id.in_(ids or [0])).tuples()}
    elif dimension == CATEGORY:
        parent = Category.alias("parent")
        rows = (Category.select(Category.id, Category.name, parent.name)
                .join(parent, JOIN.LEFT_OUTER, on=(Category.parent == parent.id))
                .where(Category.id.in_(ids or [0])).tuples())
        found = {str(i): f"{p} / {n}" if p else n for i, n, p in rows}
    elif dimension == LEVEL:
        found = {str(i): n for i, n in FrameworkLevel.select(FrameworkLevel.id, FrameworkLevel.name)
                 .where(FrameworkLevel.id.in_(ids or [0])).tuples()}
    elif dimension == RULE_TYPE:
        found = {k: str(RuleType.label(k)) for k in keys if k}
    else:
        found = {k: str(ReviewStage.label(k)) for k in keys if k}
    return {k: found.get(k, str(NONE_LABEL) if not k else f"#{k}") for k in keys}


# --- periods -------------------------------------------------------------------------------


def months_of(kind, value):
    """The ``YYYY-MM`` months of a period (``2026-03``, ``2026-Q1``, ``2026``); [] if malformed."""
    try:
        if kind == MONTH:
            dt.date.fromisoformat(value + "-01")
            return [value]
        if kind == QUARTER:
            year, quarter = value.split("-Q")
            first = 3 * (int(quarter) - 1) + 1
            if not 1 <= int(quarter) <= 4 or len(year) != 4:
                return []
            return [f"{int(year):04d}-{m:02d}" for m in range(first, first + 3)]
        if kind == YEAR and len(value) == 4:
            return [f"{int(value):04d}-{m:02d}" for m in range(1, 13)]
    except (ValueError, AttributeError):
        return []
    return []


def period_of(kind, month):
    """The period of kind ``kind`` holding ``month`` (``YYYY-MM``)."""
    if kind == MONTH:
        return month
    if kind == QUARTER:
        return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"
    return month[:4]


def bounds(months):
    """[start, end) datetimes of consecutive months."""
    start = dt.datetime.fromisoformat(months[0] + "-01")
    last = dt.date.fromisoformat(months[-1] + "-01")
    end = dt.datetime(last.year + (last.month == 12), last.month % 12 + 1, 1)
    return start, end
