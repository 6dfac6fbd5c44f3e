"""统计报表 against counts computed directly from the records: every dimension, every
measure, for a month, a quarter and a year — after a revocation, as the records say."""
import datetime as dt
import random
from decimal import Decimal

import pytest

from models import (
    AchievementStatus,
    Application,
    ApplicationKind,
    ApplicationStatus,
    CatalogueAchievement,
    FrameworkLevel,
    LearnerAchievement,
    ReviewStage,
    RuleTarget,
    RuleType,
    User,
)
from services.reports import build, query
from services.reports import dimensions as d
from tests import factories
from tests.ledger.conftest import convert


def _moment(rng):
    return dt.datetime(2025, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59))


@pytest.fixture
def varied(app, reference):
    """Achievements and applications spread over 2025, institutions, teaching points,
    categories, levels, rule types, kinds and states (a fixed random seed)."""
    rng = random.Random(7)
    levels = list(FrameworkLevel.select())
    colleges = [factories.make_institution(name=f"学院{i}") for i in range(3)]
    points = [factories.make_teaching_point(name=f"教学点{i}") for i in range(2)]
    catalogue_achievements = [
        factories.make_catalogue(code, institution=rng.choice(colleges), credits=Decimal(rng.randint(1, 5)),
                                 framework_level=rng.choice(levels + [None]))
        for code in ("qualification", "course", "inst_he_diploma", "course", "qualification")]
    rules = [factories.make_rule([catalogue_achievements[i]],
                                 [catalogue_achievements[(i + 1) % 5],
                                  catalogue_achievements[(i + 2) % 5]][: 1 + i % 2],
                                 rule_type=rule_type)
             for i, rule_type in enumerate((RuleType.NON_DEGREE_TO_DEGREE, RuleType.DEGREE_TO_DEGREE,
                                            RuleType.NON_DEGREE_TO_NON_DEGREE))]
    learners = [factories.make_learner(teaching_point=rng.choice(points + [None])) for _ in range(12)]
    states = [AchievementStatus.CATALOGUE, AchievementStatus.RECOGNISED, AchievementStatus.NOT_APPLIED,
              AchievementStatus.WITHDRAWN, AchievementStatus.REVOKED, AchievementStatus.REFUSED]
    held = []
    for learner in learners:
        for catalogue_achievement in rng.sample(catalogue_achievements, 3):
            held.append(factories.make_achievement(learner, catalogue_achievement, status=rng.choice(states),
                                                   created_at=_moment(rng)))
        held.append(factories.make_achievement(learner, status=rng.choice(states), created_at=_moment(rng)))
    kinds = [ApplicationKind.RECOGNITION, ApplicationKind.CONVERSION, ApplicationKind.PERFORMANCE,
             ApplicationKind.BATCH]
    outcomes = [ApplicationStatus.PASSED, ApplicationStatus.REFUSED, ApplicationStatus.PENDING,
                ApplicationStatus.INITIAL_PASSED, ApplicationStatus.REVOKED, ApplicationStatus.WITHDRAWN]
    stages = {ApplicationKind.RECOGNITION: ReviewStage.RECOGNITION, ApplicationKind.CONVERSION: ReviewStage.FINAL,
              ApplicationKind.PERFORMANCE: ReviewStage.PERFORMANCE, ApplicationKind.BATCH: ReviewStage.BATCH}
    for achievement in rng.sample(held, 40):
        kind, status = rng.choice(kinds), rng.choice(outcomes)
        submitted = _moment(rng)
        decided = status in (ApplicationStatus.PASSED, ApplicationStatus.REFUSED, ApplicationStatus.REVOKED)
        rule = rng.choice(rules) if kind in (ApplicationKind.CONVERSION, ApplicationKind.BATCH) else None
        Application.create(
            kind=kind, learner=achievement.learner_id, achievement=achievement, rule=rule,
            target=rng.choice(catalogue_achievements) if kind == ApplicationKind.PERFORMANCE else None,
            teaching_point=rng.choice(points + [None]), status=status, submitted_at=submitted,
            decided_at=submitted + dt.timedelta(hours=rng.randint(0, 400)) if decided else None,
            decided_stage=stages[kind] if decided else (ReviewStage.INITIAL if status == "initial_passed" else None))
    build.rebuild()


def _in(moment, months):
    return moment is not None and moment.strftime("%Y-%m") in months


def _achievement_key(row, dimension):
    catalogue_achievement = CatalogueAchievement.get_by_id(row.catalogue_id) if row.catalogue_id else None
    return {d.INSTITUTION: row.institution_id, d.CATEGORY: row.category_id,
            d.TEACHING_POINT: User.get_by_id(row.learner_id).teaching_point_id,
            d.LEVEL: catalogue_achievement.framework_level_id if catalogue_achievement else None}[dimension]


def _application_key(row, dimension):
    source = LearnerAchievement.get_by_id(row.achievement_id)
    if dimension == d.INSTITUTION:
        return row.receiver_id or source.institution_id
    if dimension == d.TEACHING_POINT:
        return row.teaching_point_id
    if dimension == d.CATEGORY:
        return source.category_id
    if dimension == d.LEVEL:
        return CatalogueAchievement.get_by_id(source.catalogue_id).framework_level_id if source.catalogue_id else None
    if dimension == d.RULE_TYPE:
        return row.rule.rule_type if row.rule_id else None
    return row.decided_stage or ("initial" if row.kind == ApplicationKind.CONVERSION else row.kind)


def _credits(row):
    if row.kind == ApplicationKind.PERFORMANCE:
        return CatalogueAchievement.get_by_id(row.target_id).credits or 0
    return sum((t.catalogue.credits or 0 for t in RuleTarget.select().where(RuleTarget.rule == row.rule_id)), 0)


def direct(dimension, measure, months):
    """{key text: figure} computed row by row in Python."""
    figures = {}
    if measure in d.ACHIEVEMENT_MEASURES:
        for row in LearnerAchievement.select():
            if not _in(row.created_at, months):
                continue
            if measure == d.RECOGNISED and row.status not in d.STANDING:
                continue
            key = str(_achievement_key(row, dimension) or "")
            figures[key] = figures.get(key, 0) + 1
        return figures
    groups = {}
    for row in Application.select():
        key = str(_application_key(row, dimension) or "")
        if measure == d.APPLICATIONS:
            if _in(row.submitted_at, months):
                figures[key] = figures.get(key, 0) + 1
            continue
        if row.status not in d.DECIDED or not _in(row.decided_at, months):
            continue
        groups.setdefault(key, []).append(row)
    for key, rows in groups.items():
        passed = [r for r in rows if r.status == ApplicationStatus.PASSED]
        if measure == d.PASS_RATE:
            figures[key] = round(100 * len(passed) / len(rows), 1)
        elif measure == d.MEDIAN_HOURS:
            hours = sorted(int((r.decided_at - r.submitted_at).total_seconds() // 3600) for r in rows)
            figures[key] = hours[(len(hours) + 1) // 2 - 1]
        else:
            total = sum((_credits(r) for r in passed if r.kind != ApplicationKind.RECOGNITION), 0)
            if total:
                figures[key] = float(total)
    return figures


PERIODS = [(d.MONTH, "2025-03"), (d.QUARTER, "2025-Q2"), (d.YEAR, "2025")]


@pytest.mark.parametrize("dimension", list(d.DIMENSIONS))
def test_each_dimension_matches_the_records(varied, dimension):
    """Does every figure of a report equal the count made directly from the records?"""
    checked = 0
    for kind, value in PERIODS:
        months = d.months_of(kind, value)
        for measure in d.MEASURES:
            if not d.applies(measure, dimension):
                continue
            report = query.run(dimension, measure, months)
            shown = {row["key"]: row["value"] for row in report.rows if row["value"] not in (None, 0)}
            expected = {k: v for k, v in direct(dimension, measure, months).items() if v not in (None, 0)}
            assert shown == expected, (dimension, measure, value)
            checked += len(expected)
    assert checked > 10  # the data really spreads over this dimension


def test_a_revocation_leaves_the_figures_at_the_next_build(ledger_world):
    """Does a conversion revoked since leave 通过率 and 转换学分 once the aggregates are rebuilt?"""
    from services import ledger

    passed = Application.get_by_id(convert(ledger_world, ledger_world.stored, ledger_world.rule).id)
    build.rebuild()
    months = [passed.decided_at.strftime("%Y-%m")]
    before = query.run(d.INSTITUTION, d.CREDITS, months)
    assert before.total == 3.0 and before.rows[0]["label"] == "B学院"
    ledger.revoke_conversion(passed, ledger_world.center, "证书有误")
    build.rebuild()
    after = query.run(d.INSTITUTION, d.CREDITS, months)
    assert not after.rows and not after.total


def test_periods_and_medians():
    assert d.months_of(d.QUARTER, "2025-Q4") == ["2025-10", "2025-11", "2025-12"]
    assert d.months_of(d.QUARTER, "2025-Q5") == [] and d.months_of(d.MONTH, "2025-13") == []
    assert d.bounds(["2025-12"]) == (dt.datetime(2025, 12, 1), dt.datetime(2026, 1, 1))
    assert query.median_of({1: 1, 5: 1, 9: 1}) == 5 and query.median_of({1: 2, 9: 2}) == 1
    assert query.median_of({}) is None
