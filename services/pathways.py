"""学分账户 (credit account) and 转换路径 (conversion pathways) of one learner.

Everything is computed in the database with aggregate queries, a fixed number per page
whatever the number of rules or achievements:

- the credit account sums the 学分银行学分 of the catalogue entries the learner holds in a
  usable state (名录成果 or 已认定, the states a conversion accepts), by framework level and
  by kind (学历 / 非学历 / 非正式学习);
- a pathway is a published rule one of whose sources the learner holds: per rule, how many
  sources it has and how many the learner holds (complete when all), the first held
  achievement (申请转换 starts from it) and the target's credits; totals group the pathways
  by the target institution and programme (专业).
"""
from dataclasses import dataclass

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
    RuleSource,
    RuleStatus,
    RuleTarget,
)
from services.pagination import Page

# The states in which a learner "holds" an achievement for a conversion (workflow.CONVERTIBLE).
HELD_STATUSES = (AchievementStatus.CATALOGUE, AchievementStatus.RECOGNISED)
# An application of these states still counts: open, or passed.
LIVE_APPLICATION = (ApplicationStatus.PENDING, ApplicationStatus.INITIAL_PASSED, ApplicationStatus.PASSED)
PAGE_SIZE = 10


def _held(learner_id):
    return (LearnerAchievement.learner == learner_id) & LearnerAchievement.status.in_(HELD_STATUSES)


def credit_account(learner_id):
    """{"total": credits, "count": n, "by_level": [(level or None, name, count, credits)],
    "by_kind": [(kind, count, credits)]} in two queries."""
    by_level = list(
        LearnerAchievement.select(FrameworkLevel.level, FrameworkLevel.name,
                                  fn.COUNT(LearnerAchievement.id), fn.SUM(CatalogueAchievement.credits))
        .join(CatalogueAchievement, on=(CatalogueAchievement.id == LearnerAchievement.catalogue))
        .join(FrameworkLevel, JOIN.LEFT_OUTER, on=(FrameworkLevel.id == CatalogueAchievement.framework_level))
        .where(_held(learner_id))
        .group_by(FrameworkLevel.level, FrameworkLevel.name)
        .order_by(FrameworkLevel.level.is_null(), FrameworkLevel.level)
        .tuples()
    )
    by_kind = list(
        LearnerAchievement.select(Category.kind, fn.COUNT(LearnerAchievement.id), fn.SUM(CatalogueAchievement.credits))
        .join(Category, on=(Category.id == LearnerAchievement.category))
        .join(CatalogueAchievement, JOIN.LEFT_OUTER, on=(CatalogueAchievement.id == LearnerAchievement.catalogue))
        .where(_held(learner_id))
        .group_by(Category.kind)
        .order_by(Category.kind)
        .tuples()
    )
    by_kind = [(kind, count, credits or 0) for kind, count, credits in by_kind]
    return {
        "by_level": [(level, name, count, credits or 0) for level, name, count, credits in by_level],
        "by_kind": by_kind,
        "total": sum((credits for _kind, _count, credits in by_kind), 0),
        "count": sum(count for _kind, count, _credits in by_kind),
    }


def _per_rule(learner_id, rule_id=None):
    """One row per published rule with a source the learner holds: rule_id, total, held,
    apply_from (the first held source achievement), held_credits."""
    mine = LearnerAchievement.alias("mine")
    held_catalogue = LearnerAchievement.select(LearnerAchievement.catalogue).where(
        _held(learner_id), LearnerAchievement.catalogue.is_null(False))
    touched = (RuleSource.select(RuleSource.rule).join(ConversionRule)
               .where(RuleSource.catalogue.in_(held_catalogue), ConversionRule.status == RuleStatus.PUBLISHED))
    if rule_id is not None:
        touched = touched.where(RuleSource.rule == rule_id)
    return (
        RuleSource.select(
            RuleSource.rule.alias("rule_id"),
            fn.COUNT(RuleSource.id).alias("total"),
            fn.COUNT(mine.id).alias("held"),
            fn.MIN(mine.id).alias("apply_from"),
            fn.SUM(Case(None, [(mine.id.is_null(False), RuleSource.credits)], 0)).alias("held_credits"),
        )
        .join(mine, JOIN.LEFT_OUTER, on=(
            (mine.catalogue == RuleSource.catalogue) & (mine.learner == learner_id) & mine.status.in_(HELD_STATUSES)))
        .where(RuleSource.rule.in_(touched))
        .group_by(RuleSource.rule)
    ).alias("paths")


def _target_credits():
    return (
        RuleTarget.select(RuleTarget.rule.alias("rule_id"), fn.SUM(CatalogueAchievement.credits).alias("credits"))
        .join(CatalogueAchievement, on=(CatalogueAchievement.id == RuleTarget.catalogue))
        .group_by(RuleTarget.rule)
    ).alias("targets")


@dataclass
class Pathways:
    page: Page
    totals: list  # [(institution name, programme or None, pathways, complete, credits of complete, all credits)]
    complete: int


def _joined(paths, targets, *columns):
    return (
        ConversionRule.select(*columns)
        .join(paths, on=(paths.c.rule_id == ConversionRule.id))
        .switch(ConversionRule)
        .join(Institution, on=(Institution.id == ConversionRule.institution))
        .switch(ConversionRule)
        .join(targets, JOIN.LEFT_OUTER, on=(targets.c.rule_id == ConversionRule.id))
    )


def pathways(learner_id, number=1, rule_id=None, size=PAGE_SIZE):
    """The learner's pathways, complete ones first, ``size`` a page; the totals per target
    institution and programme over all of them."""
    paths, targets = _per_rule(learner_id, rule_id), _target_credits()
    is_complete = paths.c.held == paths.c.total
    target_credits = fn.COALESCE(targets.c.credits, 0)
    totals = list(
        _joined(paths, targets, Institution.name, ConversionRule.target_major, fn.COUNT(ConversionRule.id),
                fn.SUM(Case(None, [(is_complete, 1)], 0)),
                fn.SUM(Case(None, [(is_complete, target_credits)], 0)), fn.SUM(target_credits))
        .group_by(Institution.name, ConversionRule.target_major)
        .order_by(Institution.name, ConversionRule.target_major)
        .tuples()
    )
    total = sum(row[2] for row in totals)
    complete = sum(row[3] for row in totals)
    number = max(1, min(number, max(1, -(-total // size))))
    rows = list(
        _joined(paths, targets, ConversionRule, Institution.name.alias("institution_name"),
                paths.c.total.alias("source_total"),
                paths.c.held.alias("held"), paths.c.apply_from.alias("apply_from"),
                paths.c.held_credits.alias("held_credits"), target_credits.alias("target_credits"))
        .order_by(Case(None, [(is_complete, 0)], 1), ConversionRule.published_at.desc(), ConversionRule.id.desc())
        .paginate(number, size)
        .objects()  # the subqueries' columns on each rule
    )
    _attach_details(learner_id, rows)
    page = Page(items=rows, number=number, size=size, total=total, sort="")
    return Pathways(page=page, totals=totals, complete=complete)


def _attach_details(learner_id, rules):
    """Each rule's sources (with the learner's achievement or None), targets and the
    learner's live application under it: three queries for the page."""
    by_id = {rule.id: rule for rule in rules}
    for rule in rules:
        rule.source_rows, rule.target_rows, rule.application = [], [], None
        rule.complete = rule.held == rule.source_total
    if not by_id:
        return
    mine = LearnerAchievement.alias("mine")
    sources = (
        RuleSource.select(RuleSource, CatalogueAchievement, fn.COALESCE(mine.id, 0).alias("held_id"))
        .join(CatalogueAchievement, on=(CatalogueAchievement.id == RuleSource.catalogue))
        .join(mine, JOIN.LEFT_OUTER, on=(
            (mine.catalogue == RuleSource.catalogue) & (mine.learner == learner_id) & mine.status.in_(HELD_STATUSES)))
        .where(RuleSource.rule.in_(list(by_id)))
        .order_by(RuleSource.id)
    )
    for row in sources:
        by_id[row.rule_id].source_rows.append(row)
    targets = (
        RuleTarget.select(RuleTarget, CatalogueAchievement)
        .join(CatalogueAchievement, on=(CatalogueAchievement.id == RuleTarget.catalogue))
        .where(RuleTarget.rule.in_(list(by_id)))
        .order_by(RuleTarget.id)
    )
    for row in targets:
        by_id[row.rule_id].target_rows.append(row)
    applications = (
        Application.select(Application.id, Application.rule, Application.status, Application.achievement)
        .where(Application.learner == learner_id, Application.rule.in_(list(by_id)),
               Application.kind.in_([ApplicationKind.CONVERSION, ApplicationKind.BATCH]),
               Application.status.in_(LIVE_APPLICATION))
        .order_by(Application.id)
    )
    for application in applications:
        by_id[application.rule_id].application = application
