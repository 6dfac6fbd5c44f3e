"""The center dashboard: its numbers are the database's counts, and its charts come from
grouped queries."""
import datetime as dt
import json
import re

from models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    CatalogueAchievement,
    ConversionRule,
    Decision,
    Institution,
    ReviewRecord,
    Role,
    RuleStatus,
    User,
)
from tests import factories


def build_history():
    learners = [factories.make_learner() for _ in range(3)]
    source, target = factories.make_catalogue(), factories.make_catalogue("course")
    rule = factories.make_rule([source], [target])
    factories.make_rule([source], [target], status=RuleStatus.DRAFT)
    plan = [  # (kind, status, month, reviews)
        (ApplicationKind.CONVERSION, ApplicationStatus.PASSED, dt.datetime(2026, 9, 3), [("initial", "agree"), ("final", "agree")]),
        (ApplicationKind.CONVERSION, ApplicationStatus.REFUSED, dt.datetime(2026, 9, 9), [("initial", "disagree")]),
        (ApplicationKind.CONVERSION, ApplicationStatus.INITIAL_PASSED, dt.datetime(2026, 10, 1), [("initial", "agree")]),
        (ApplicationKind.RECOGNITION, ApplicationStatus.PENDING, dt.datetime(2026, 10, 5), []),
        (ApplicationKind.CONVERSION, ApplicationStatus.PENDING, dt.datetime(2026, 10, 6), []),
    ]
    for n, (kind, status, when, reviews) in enumerate(plan):
        learner = learners[n % 3]
        achievement = factories.make_achievement(learner) if kind == ApplicationKind.RECOGNITION else \
            factories.make_achievement(learner, factories.make_catalogue())
        app = Application.create(kind=kind, learner=learner, achievement=achievement, status=status,
                                 rule=rule if kind == ApplicationKind.CONVERSION else None, submitted_at=when)
        for stage, decision in reviews:
            ReviewRecord.create(application=app, stage=stage, decision=decision, opinion="意见")


def test_the_dashboard_numbers_equal_the_database_counts(center):
    build_history()
    page = center.get("/admin/").get_data(as_text=True)

    def shown(attribute, key):
        return int(re.search(rf'data-{attribute}="{key}">(\d+)<', page).group(1))

    assert shown("count", "learners") == User.select().where(User.role == Role.LEARNER).count() == 3
    assert shown("count", "institutions") == Institution.select().count()
    assert shown("count", "catalogue") == CatalogueAchievement.select().count()
    assert shown("count", "rules") == ConversionRule.select().where(ConversionRule.status == "published").count() == 1
    pending = Application.select().where(Application.status == ApplicationStatus.PENDING)
    assert shown("stage", "recognition") == pending.where(Application.kind == "recognition").count() == 1
    assert shown("stage", "initial") == pending.where(Application.kind == "conversion").count() == 1
    assert shown("stage", "final") == Application.select().where(
        Application.status == ApplicationStatus.INITIAL_PASSED).count() == 1

    data = json.loads(re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', page, re.S).group(1))
    assert data["months"]["labels"] == ["2026-09", "2026-10"]
    series = {s["status"]: s["data"] for s in data["months"]["series"]}
    assert series["passed"] == [1, 0] and series["refused"] == [1, 0] and series["pending"] == [0, 2]
    rates = dict(zip(data["rates"]["stages"], data["rates"]["rates"], strict=True))
    initial = ReviewRecord.select().where(ReviewRecord.stage == "initial")
    agreed = initial.where(ReviewRecord.decision == Decision.AGREE).count()
    assert rates["initial"] == round(100 * agreed / initial.count(), 1) == 66.7
    assert rates["final"] == 100.0
    assert "vendor/chartjs/chart.umd.min.js" in page
    # Nothing is loaded from another host (a CSRF token may happen to contain "cdn").
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_an_empty_dashboard_says_so(center):
    page = center.get("/admin/").get_data(as_text=True)
    assert 'data-count="learners">0<' in page
    assert "暂无审核记录" in page


def test_the_chart_library_is_served_locally(client):
    response = client.get("/static/vendor/chartjs/chart.umd.min.js")
    assert response.status_code == 200 and b"Chart.js v4" in response.data[:200]
