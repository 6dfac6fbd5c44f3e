"""The management center's admin home (SPEC §10): the dashboard's counts and charts."""
from flask import url_for
from flask_babel import gettext as _
from peewee import fn

from admin.base import home_for
from models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    CatalogueAchievement,
    ConversionRule,
    Decision,
    Institution,
    InstitutionStatus,
    ReviewRecord,
    ReviewStage,
    Role,
    User,
)
from services.accounts import permissions
from services.core import figures as figures_cache

# Applications waiting at each review stage: (stage, kind, status).
PENDING_STAGES = (
    (ReviewStage.RECOGNITION, ApplicationKind.RECOGNITION, ApplicationStatus.PENDING),
    (ReviewStage.INITIAL, ApplicationKind.CONVERSION, ApplicationStatus.PENDING),
    (ReviewStage.FINAL, ApplicationKind.CONVERSION, ApplicationStatus.INITIAL_PASSED),
    (ReviewStage.PERFORMANCE, ApplicationKind.PERFORMANCE, ApplicationStatus.PENDING),
    (ReviewStage.BATCH, ApplicationKind.BATCH, ApplicationStatus.PENDING),
)
OUTCOMES = (ApplicationStatus.PASSED, ApplicationStatus.REFUSED, ApplicationStatus.PENDING,
            ApplicationStatus.INITIAL_PASSED, ApplicationStatus.REVOKED, ApplicationStatus.WITHDRAWN)
MONTHS = 12


def dashboard_counts():
    waiting = {
        (kind, status): count
        for kind, status, count in Application.select(Application.kind, Application.status, fn.COUNT(Application.id))
        .where(Application.status.in_([ApplicationStatus.PENDING, ApplicationStatus.INITIAL_PASSED]))
        .group_by(Application.kind, Application.status)
        .tuples()
    }
    return {
        "learners": User.select().where(permissions.accounts_of(Role.LEARNER)).count(),
        "institutions": Institution.select().count(),
        "catalogue": CatalogueAchievement.select().count(),
        "rules": ConversionRule.published().count(),
        "stages": [(stage, waiting.get((kind, status), 0)) for stage, kind, status in PENDING_STAGES],
        "registrations": Institution.select().where(Institution.status == InstitutionStatus.PENDING).count(),
    }


def applications_per_month():
    """Applications submitted per month (the last twelve that have any), by outcome."""
    month = fn.SUBSTR(Application.submitted_at.cast("TEXT"), 1, 7)
    rows = (
        Application.select(month.alias("month"), Application.status, fn.COUNT(Application.id))
        .group_by(month, Application.status)
        .tuples()
    )
    counts = {}
    for value, status, count in rows:
        counts.setdefault(value, {})[status] = count
    months = sorted(counts)[-MONTHS:]
    return {
        "labels": months,
        "series": [
            {"label": str(ApplicationStatus.label(status)), "status": str(status),
             "data": [counts[m].get(status, 0) for m in months]}
            for status in OUTCOMES
        ],
    }


def pass_rate_per_stage():
    """Share of 同意 among the decisions of each review stage, in percent."""
    rows = (
        ReviewRecord.select(ReviewRecord.stage, ReviewRecord.decision, fn.COUNT(ReviewRecord.id))
        .group_by(ReviewRecord.stage, ReviewRecord.decision)
        .tuples()
    )
    totals, agreed = {}, {}
    for stage, decision, count in rows:
        totals[stage] = totals.get(stage, 0) + count
        if decision == Decision.AGREE:
            agreed[stage] = agreed.get(stage, 0) + count
    stages = [s for s in ReviewStage.codes() if totals.get(s)]
    return {
        "labels": [str(ReviewStage.label(s)) for s in stages],
        "stages": stages,
        "totals": [totals[s] for s in stages],
        "rates": [round(100 * agreed.get(s, 0) / totals[s], 1) for s in stages],
    }


@home_for(permissions.CENTER)
def center_home(view):
    figures = figures_cache.cached("center_dashboard", lambda: {
        "counts": dashboard_counts(),
        "per_month": applications_per_month(),
        "pass_rates": pass_rate_per_stage(),
    })
    return view.render(
        "admin/center/home.html",
        **figures,
        # 机构管理 filtered on 待审核 (its status filter is the third: tests/center/test_dashboard.py follows it)
        registrations_url=url_for("institutions.index_view", flt0_2=InstitutionStatus.PENDING),
        chart_titles={"months": _("Applications per month by outcome"), "rates": _("Pass rate per review stage (%)")},
    )
