"""学分账户 (credit account) and 转换路径 (conversion pathways) of one learner.

Everything is computed in the database with aggregate queries, a fixed number per page
whatever the number of rules or achievements:

- the credit account sums the 学分银行学分 of the catalogue achievements the learner holds in a
  usable state (名录成果 or 已认定, the states a conversion accepts), by framework level and
  by kind (学历 / 非学历 / 非正式学习);
- a pathway is a published rule one of whose sources the learner holds: per rule, how many
  sources it has and how many the learner holds (complete when all), the first held
  achievement (申请转换 starts from it) and the target's credits; totals group the pathways
  by the target institution and programme (专业).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from peewee import JOIN, SQL, Case, Expression, Function, ModelAlias, ModelSelect, Value, fn

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
    RuleSource,
    RuleTarget,
)
from services.core.pagination import Page

# The states in which a learner "holds" an achievement for a conversion (ledger.CONVERTIBLE).
HELD_STATUSES = (AchievementStatus.CATALOGUE, AchievementStatus.RECOGNISED)
# What the learner's latest standing application under a rule's lineage makes of the
# pathway (ledger.BLOCKING: open, passed, or passed and revoked since).
STANDING_APPLICATION = (ApplicationStatus.PENDING, ApplicationStatus.INITIAL_PASSED, ApplicationStatus.PASSED,
                        ApplicationStatus.REVOKED)
OPEN, APPLIED, CONVERTED, REVOKED, PARTIAL = "open", "applied", "converted", "revoked", "partial"
STATES = {ApplicationStatus.PENDING: APPLIED, ApplicationStatus.INITIAL_PASSED: APPLIED,
          ApplicationStatus.PASSED: CONVERTED, ApplicationStatus.REVOKED: REVOKED}
PAGE_SIZE = 10
NO_LEVEL = _l("No framework level")


def _held(learner_id: int) -> Expression:
    return (LearnerAchievement.learner == learner_id) & LearnerAchievement.status.in_(HELD_STATUSES)


def credit_account(learner_id: int) -> dict[str, Any]:
    """{"total": credits, "count": n, "by_level": [(level or None, name, count, credits)],
    "by_kind": [(kind, label, count, credits)]} in one query: the held achievements grouped
    by level, kind and whether they are catalogue achievements (by level counts those only)."""
    rows = (
        LearnerAchievement.select(FrameworkLevel.level, FrameworkLevel.name, Category.kind,
                                  LearnerAchievement.catalogue.is_null(False).alias("listed"),
                                  fn.COUNT(LearnerAchievement.id), fn.SUM(CatalogueAchievement.credits))
        .join(Category, on=(Category.id == LearnerAchievement.category))
        .join(CatalogueAchievement, JOIN.LEFT_OUTER, on=(CatalogueAchievement.id == LearnerAchievement.catalogue))
        .join(FrameworkLevel, JOIN.LEFT_OUTER, on=(FrameworkLevel.id == CatalogueAchievement.framework_level))
        .where(_held(learner_id))
        .group_by(FrameworkLevel.level, FrameworkLevel.name, Category.kind, LearnerAchievement.catalogue.is_null(False))
        .tuples()
    )
    levels: dict[tuple[int | None, str | None], list[Any]] = {}
    kinds: dict[str, list[Any]] = {}
    for level, name, kind, listed, count, credits in cast(Iterable[tuple[Any, ...]], rows):
        if listed:
            figures = levels.setdefault((level, name), [0, 0])
            figures[0], figures[1] = figures[0] + count, figures[1] + (credits or 0)
        figures = kinds.setdefault(kind, [0, 0])
        figures[0], figures[1] = figures[0] + count, figures[1] + (credits or 0)
    by_level = sorted(levels.items(), key=lambda item: (item[0][0] is None, item[0][0] or 0))
    by_kind = sorted(kinds.items())
    return {
        "by_level": [(level, name or NO_LEVEL, count, credits) for (level, name), (count, credits) in by_level],
        "by_kind": [(kind, CategoryKind.label(kind), count, credits) for kind, (count, credits) in by_kind],
        "total": sum((credits for _kind, (_count, credits) in by_kind), 0),
        "count": sum(count for _kind, (count, _credits) in by_kind),
    }


def _per_rule(learner_id: int, rule_id: int | None = None) -> ModelSelect[LearnerAchievement]:
    """One row per published rule with a source the learner holds: rule_id, held (sources
    held), total (sources of the rule, a correlated count on its index), apply_from (the
    first held source achievement), held_credits. Driven from the learner's own rows."""
    every_source = RuleSource.alias("every_source")
    total = every_source.select(fn.COUNT(every_source.id)).where(every_source.rule == RuleSource.rule)
    query = (
        LearnerAchievement.select(
            RuleSource.rule.alias("rule_id"),
            fn.COUNT(RuleSource.id).alias("held"),
            total.alias("total"),
            fn.MIN(LearnerAchievement.id).alias("apply_from"),
            fn.SUM(RuleSource.credits).alias("held_credits"),
        )
        .join(RuleSource, on=(RuleSource.catalogue == LearnerAchievement.catalogue))
        .join(ConversionRule, on=(ConversionRule.id == RuleSource.rule))
        .where(_held(learner_id), ConversionRule.in_force_condition())
        .group_by(RuleSource.rule)
    )
    if rule_id is not None:
        query = query.where(RuleSource.rule == rule_id)
    return query.alias("paths")


def _target_credits(rule: type[ConversionRule] | ModelAlias[ConversionRule]) -> ModelSelect[RuleTarget]:
    """The credits of ``rule``'s target achievements, a correlated subquery (an index
    lookup per pathway, not a scan of every rule's targets)."""
    return (
        RuleTarget.select(fn.SUM(CatalogueAchievement.credits))
        .join(CatalogueAchievement, on=(CatalogueAchievement.id == RuleTarget.catalogue))
        .where(RuleTarget.rule == rule.id)
    )


def lineage(rule: type[ConversionRule] | ModelAlias[ConversionRule]) -> Function:
    """The id every version of ``rule`` shares (an expression on a rule alias or model)."""
    return fn.COALESCE(rule.lineage, rule.id)


def _standing(learner_id: int) -> ModelSelect[Application]:
    """The status of the learner's latest standing conversion application under each rule
    lineage (any version), as a table (lineage_id, status): one pass over the learner's
    applications, joined to the pathways — a correlated lookup per pathway would read a
    heavy learner's hundreds of applications once for each of hundreds of pathways."""
    version = ConversionRule.alias("version")
    latest = (
        Application.select(lineage(version).alias("lineage_id"), fn.MAX(Application.id).alias("latest_id"))
        .join(version, on=(version.id == Application.rule))
        .where(Application.learner == learner_id,
               Application.kind.in_([ApplicationKind.CONVERSION, ApplicationKind.BATCH]),
               Application.status.in_(STANDING_APPLICATION))
        .group_by(lineage(version))
    ).alias("latest")
    standing = Application.alias("standing_application")
    return (
        standing.select(latest.c.lineage_id.alias("lineage_id"), standing.status.alias("status"))
        .join(latest, on=(standing.id == latest.c.latest_id))
    ).alias("standing")


@dataclass
class Pathways:
    page: Page
    totals: list  # [(institution name, programme or None, pathways, open, credits of open ones, all credits)]
    open: int  # complete pathways with no standing application: 可申请


def _joined(paths: ModelSelect[LearnerAchievement], *columns: Any) -> ModelSelect[ConversionRule]:
    return (
        ConversionRule.select(*columns)
        .join(paths, on=(paths.c.rule_id == ConversionRule.id))
        .switch(ConversionRule)
        .join(Institution, on=(Institution.id == ConversionRule.institution))
    )


def pathways(learner_id: int, number: int = 1, rule_id: int | None = None, size: int = PAGE_SIZE) -> Pathways:
    """The learner's pathways, complete ones first, ``size`` a page; the totals per target
    institution and programme over all of them."""
    paths = _per_rule(learner_id, rule_id)
    standing = _standing(learner_id)
    is_complete = paths.c.held == paths.c.total
    is_open = is_complete & standing.c.status.is_null()
    each = (
        ConversionRule.select(ConversionRule.institution.alias("institution_id"), ConversionRule.target_major,
                              Case(None, [(is_open, 1)], 0).alias("open"),
                              fn.COALESCE(_target_credits(ConversionRule), 0).alias("credits"))
        .join(paths, on=(paths.c.rule_id == ConversionRule.id))
        .join_from(ConversionRule, standing, JOIN.LEFT_OUTER, on=(standing.c.lineage_id == lineage(ConversionRule)))
    ).alias("each")
    totals: list[tuple[Any, ...]] = list(cast(
        Iterable[tuple[Any, ...]],
        Institution.select(Institution.name, each.c.target_major, fn.COUNT(SQL("*")), fn.SUM(each.c.open),
                           fn.SUM(each.c.open * each.c.credits), fn.SUM(each.c.credits))
        .join(each, on=(each.c.institution_id == Institution.id))
        .group_by(Institution.name, each.c.target_major)
        .order_by(Institution.name, each.c.target_major)
        .tuples()
    ))
    total = sum(row[2] for row in totals)
    open_count = sum(row[3] for row in totals)
    number = max(1, min(number, max(1, -(-total // size))))
    rows = list(
        _joined(paths, ConversionRule, Institution.name.alias("institution_name"),
                paths.c.total.alias("source_total"), paths.c.held.alias("held"),
                paths.c.apply_from.alias("apply_from"), paths.c.held_credits.alias("held_credits"),
                standing.c.status.alias("standing"))
        .join_from(ConversionRule, standing, JOIN.LEFT_OUTER, on=(standing.c.lineage_id == lineage(ConversionRule)))
        .order_by(Case(None, [(is_open, 0), (is_complete, 1)], 2), ConversionRule.published_at.desc(),
                  ConversionRule.id.desc())
        .paginate(number, size)
        .objects()  # the subquery's columns on each rule
    )
    _attach_details(learner_id, rows)
    page = Page(items=rows, number=number, size=size, total=total, sort="")
    return Pathways(page=page, totals=totals, open=open_count)


def _attach_details(learner_id: int, rules: list[Any]) -> None:
    """Each rule's sources (with the learner's achievement or None), targets and the
    learner's live application under it: three queries for the page."""
    by_id = {rule.id: rule for rule in rules}
    for rule in rules:
        rule.source_rows, rule.target_rows, rule.application = [], [], None
        rule.complete = rule.held == rule.source_total
        rule.state = STATES.get(rule.standing) or (OPEN if rule.complete else PARTIAL)
    if not by_id:
        return
    mine = LearnerAchievement.alias("mine")
    sources = (
        RuleSource.select(Value("source"), RuleSource.rule, RuleSource.id, CatalogueAchievement.id,
                          CatalogueAchievement.name, RuleSource.credits, Value(None), fn.COALESCE(mine.id, 0))
        .join(CatalogueAchievement, on=(CatalogueAchievement.id == RuleSource.catalogue))
        .join(mine, JOIN.LEFT_OUTER, on=(
            (mine.catalogue == RuleSource.catalogue) & (mine.learner == learner_id) & mine.status.in_(HELD_STATUSES)))
        .where(RuleSource.rule.in_(list(by_id)))
    )
    targets = (
        RuleTarget.select(Value("target"), RuleTarget.rule, RuleTarget.id, CatalogueAchievement.id,
                          CatalogueAchievement.name, CatalogueAchievement.credits, RuleTarget.exempt_modules, Value(0))
        .join(CatalogueAchievement, on=(CatalogueAchievement.id == RuleTarget.catalogue))
        .where(RuleTarget.rule.in_(list(by_id)))
    )
    # Sources and targets in one statement (UNION ALL), each row in its order of entry.
    links = (sources + targets).order_by(SQL("1"), SQL("3")).tuples()
    for side, rule_id, _link, catalogue_achievement_id, name, credits, exempt, held_id in links:
        catalogue_achievement = SimpleNamespace(id=catalogue_achievement_id, name=name, credits=credits)
        if side == "source":
            by_id[rule_id].source_rows.append(
                SimpleNamespace(catalogue=catalogue_achievement, credits=credits, held_id=held_id))
        else:
            by_id[rule_id].target_rows.append(SimpleNamespace(catalogue=catalogue_achievement, exempt_modules=exempt))
    for rule in rules:
        rule.target_credits = sum((row.catalogue.credits or 0 for row in rule.target_rows), 0)
    version = ConversionRule.alias("version")
    applications = (
        Application.select(Application.id, Application.rule, Application.status, Application.achievement,
                           lineage(version).alias("lineage_id"))
        .join(version, on=(version.id == Application.rule))
        .where(Application.learner == learner_id,
               lineage(version).in_(list({rule.lineage_id for rule in rules})),
               Application.kind.in_([ApplicationKind.CONVERSION, ApplicationKind.BATCH]),
               Application.status.in_(STANDING_APPLICATION))
        .order_by(Application.id)
    )
    by_lineage = {rule.lineage_id: rule for rule in rules}
    application: Any  # a row with the selected lineage_id beside its columns
    for application in applications:
        by_lineage[application.lineage_id].application = application
