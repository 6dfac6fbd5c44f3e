"""The items of a learner's record, read from the records in a fixed number of queries.

An item is a recognised achievement (名录成果 or 已认定) or a passed conversion (审核通过),
as a plain dict — what a statement keeps as issued and a page shows:
``{"type", "id", "name", "issuer", "date", "credits", "level", "category", "state", …}``.
"""
from decimal import Decimal

from peewee import JOIN, Cast, Value, fn

from models import (
    AchievementStatus,
    Application,
    ApplicationKind,
    ApplicationStatus,
    CatalogueAchievement,
    Category,
    CategoryKind,
    ConversionRule,
    FrameworkLevel,
    Institution,
    LearnerAchievement,
    RuleTarget,
)
from services import ledger
from services.ledger.pathways import NO_LEVEL

ACHIEVEMENT, CONVERSION = "achievement", "conversion"
TYPES = (ACHIEVEMENT, CONVERSION)
STANDING = {ACHIEVEMENT: (AchievementStatus.CATALOGUE, AchievementStatus.RECOGNISED),
            CONVERSION: (ApplicationStatus.PASSED,)}
CatalogueAchievementCategory = Category.alias("catalogue_achievement_category")
CatalogueAchievementInstitution = Institution.alias("catalogue_achievement_institution")
RuleInstitution = Institution.alias("rule_institution")


def _number(value):
    return float(value) if isinstance(value, Decimal | int | float) else None


def _achievements(learner_id, ids=None, page=None):
    query = (
        LearnerAchievement.select(LearnerAchievement, Category, CatalogueAchievement, CatalogueAchievementCategory,
                                  CatalogueAchievementInstitution, FrameworkLevel, Institution)
        .join(Category, on=(LearnerAchievement.category == Category.id))
        .switch(LearnerAchievement)
        .join(Institution, JOIN.LEFT_OUTER, on=(LearnerAchievement.institution == Institution.id))
        .switch(LearnerAchievement)
        .join(CatalogueAchievement, JOIN.LEFT_OUTER, on=(LearnerAchievement.catalogue == CatalogueAchievement.id))
        .join(CatalogueAchievementCategory, JOIN.LEFT_OUTER,
              on=(CatalogueAchievement.category == CatalogueAchievementCategory.id), attr="category")
        .switch(CatalogueAchievement)
        .join(CatalogueAchievementInstitution, JOIN.LEFT_OUTER,
              on=(CatalogueAchievement.institution == CatalogueAchievementInstitution.id), attr="institution")
        .switch(CatalogueAchievement)
        .join(FrameworkLevel, JOIN.LEFT_OUTER, on=(CatalogueAchievement.framework_level == FrameworkLevel.id))
        .where(LearnerAchievement.learner == learner_id)
        .order_by(LearnerAchievement.obtained_on.desc(nulls="LAST"), LearnerAchievement.id.desc())
    )
    if ids is not None:
        return [_achievement_item(row) for row in query.where(LearnerAchievement.id.in_(list(ids) or [0]))]
    standing = LearnerAchievement.status.in_(STANDING[ACHIEVEMENT])
    if page is not None:
        # The page's ids first, from the achievements alone: sorting a heavy learner's 2 000
        # rows joined to six tables (their widest columns too) cost 12 ms on PostgreSQL.
        query = query.where(LearnerAchievement.id.in_(
            LearnerAchievement.select(LearnerAchievement.id)
            .where(LearnerAchievement.learner == learner_id, standing)
            .order_by(LearnerAchievement.obtained_on.desc(nulls="LAST"), LearnerAchievement.id.desc())
            .paginate(*page)))
    return [_achievement_item(row) for row in query.where(standing)]


def _achievement_item(row):
    catalogue_achievement = row.catalogue if row.catalogue_id else None
    in_catalogue = catalogue_achievement is not None
    level = catalogue_achievement.framework_level if in_catalogue and catalogue_achievement.framework_level_id else None
    return {
        "type": ACHIEVEMENT, "id": row.id, "name": row.name,
        "issuer": catalogue_achievement.issuing_body if in_catalogue else row.source_institution_name,
        "date": row.obtained_on.isoformat() if row.obtained_on else "",
        "credits": _number(catalogue_achievement.credits) if in_catalogue else None,
        "level": level.name if level else "", "level_no": level.level if level else None,
        "category": row.category.name, "kind": row.category.kind, "catalogue": in_catalogue, "state": row.status,
        "changed_at": _moment(row.revoked_at or row.withdrawn_at), "reason": row.revoked_reason or row.withdrawn_reason,
    }


def _moment(value):
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _conversions(learner_id, ids=None, page=None):
    query = (
        Application.select(Application, LearnerAchievement, ConversionRule, RuleInstitution)
        .join(LearnerAchievement, on=(Application.achievement == LearnerAchievement.id))
        .switch(Application)
        .join(ConversionRule, JOIN.LEFT_OUTER, on=(Application.rule == ConversionRule.id))
        .join(RuleInstitution, JOIN.LEFT_OUTER, on=(ConversionRule.institution == RuleInstitution.id),
              attr="institution")
        .where(Application.learner == learner_id, Application.kind.in_(list(ledger.GRANTING_KINDS)))
        .order_by(Application.decided_at.desc(nulls="LAST"), Application.id.desc())
    )
    if ids is None:
        query = query.where(Application.status == ApplicationStatus.PASSED)
    else:
        query = query.where(Application.id.in_(list(ids) or [0]))
    if page is not None:  # with how many there are, in the same statement (a window count)
        query = query.select_extend(fn.COUNT(Application.id).over().alias("total")).paginate(*page)
    rows = list(query)
    targets = _targets(rows)
    return [_conversion_item(row, targets) for row in rows]


def _targets(rows):
    """{application id: [(name, institution, credits)]}: one query for every row (the rules'
    targets and the performance conversions' catalogue achievements, as one UNION ALL)."""
    rule_ids = sorted({r.rule_id for r in rows if r.rule_id})
    catalogue_achievement_ids = sorted({r.target_id for r in rows
                                        if r.kind == ApplicationKind.PERFORMANCE and r.target_id})
    by_rule, by_catalogue_achievement = {}, {}
    if rule_ids or catalogue_achievement_ids:
        none = Cast(Value(None), "INTEGER")
        by_rules = (RuleTarget.select(RuleTarget.rule, none, CatalogueAchievement.name, Institution.name,
                                      CatalogueAchievement.credits, RuleTarget.id)
                    .join(CatalogueAchievement).join(Institution).where(RuleTarget.rule.in_(rule_ids or [0])))
        by_catalogue_achievements = (
            CatalogueAchievement.select(none, CatalogueAchievement.id, CatalogueAchievement.name,
                                        Institution.name, CatalogueAchievement.credits, Value(0))
            .join(Institution).where(CatalogueAchievement.id.in_(catalogue_achievement_ids or [0])))
        rows_in_order = sorted((by_rules + by_catalogue_achievements).tuples(), key=lambda row: row[5])
        for rule, catalogue_achievement, name, institution, credits, _order in rows_in_order:
            found = (name, institution, _number(credits))
            if rule is not None:
                by_rule.setdefault(rule, []).append(found)
            else:
                by_catalogue_achievement[catalogue_achievement] = [found]
    return {r.id: (by_catalogue_achievement.get(r.target_id, []) if r.kind == ApplicationKind.PERFORMANCE
                   else by_rule.get(r.rule_id, [])) for r in rows}


def _conversion_item(row, targets):
    found = targets.get(row.id, [])
    credits = [c for _n, _i, c in found if c is not None]
    rule = row.rule if row.rule_id else None
    return {
        "type": CONVERSION, "id": row.id, "name": "；".join(name for name, _i, _c in found) or row.achievement.name,
        "source": row.achievement.name,
        "issuer": rule.institution.name if rule else "；".join(sorted({i for _n, i, _c in found})),
        "date": row.decided_at.date().isoformat() if row.decided_at else "",
        "credits": sum(credits) if credits else None, "level": "", "level_no": None,
        "category": str(ApplicationKind.label(row.kind)), "rule": rule.code if rule else "",
        "code": row.certificate_code or "", "state": row.status, "total": getattr(row, "total", None),
        "changed_at": _moment(row.revoked_at), "reason": row.revoked_reason,
    }


def totals(items):
    """学分账户's figures over the standing achievements among ``items``: credits and counts
    in all, by framework level and by kind (学历 / 非学历 / 非正式学习) — the same figures
    as services.ledger.pathways.credit_account (a test holds them equal), without its queries."""
    held = [i for i in items if i["type"] == ACHIEVEMENT and is_standing(i)]
    by_level, by_kind = {}, {}
    for item in held:
        places = [(by_kind, item["kind"])]
        if item["catalogue"]:  # levels are the catalogue's: a 非名录 achievement has none
            places.append((by_level, (item["level_no"] is None, item["level_no"], item["level"])))
        for groups, key in places:
            count, credits = groups.get(key, (0, 0.0))
            groups[key] = (count + 1, credits + (item["credits"] or 0))
    levels = sorted(by_level, key=lambda key: (key[0], key[1] or 0))
    return {
        "total": sum(credits for _count, credits in by_kind.values()), "count": len(held),
        "by_level": [[key[2] or str(NO_LEVEL), *by_level[key]] for key in levels],
        "by_kind": [[str(CategoryKind.label(kind)), *by_kind[kind]] for kind in sorted(by_kind)],
    }


def record_items(learner_id):
    """Every recognised achievement and passed conversion of the learner, now."""
    return _achievements(learner_id) + _conversions(learner_id)


def achievements_page(learner_id, number, size):
    """One page of the learner's recognised achievements (the count is 学分账户's)."""
    return _achievements(learner_id, page=(number, size))


def conversions_page(learner_id, number, size):
    """One page of the learner's passed conversions, and how many there are."""
    items = _conversions(learner_id, page=(number, size))
    return items, (items[0]["total"] if items else 0)


def items_by_key(learner_id, keys):
    """The learner's items named by ``[(type, id)]``, in any state, as they are now:
    {(type, id): item}. Another learner's ids find nothing."""
    wanted = {kind: [int(i) for t, i in keys if t == kind] for kind in TYPES}
    found = _achievements(learner_id, wanted[ACHIEVEMENT]) if wanted[ACHIEVEMENT] else []
    found += _conversions(learner_id, wanted[CONVERSION]) if wanted[CONVERSION] else []
    return {(item["type"], item["id"]): item for item in found}


def is_standing(item):
    return item is not None and item["state"] in STANDING[item["type"]]
