"""Management center (SPEC §2, §3, §5, §7, §10): the dashboard and the registration of
every center view. The areas live in ``admin/center/``; all of them are for center
staff only (the base view's default role)."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import fn

from admin.center import activation, duplicates
from admin.base import home_for
from admin.center.accounts import LearnerView, StaffView
from admin.center.catalogue import CatalogueView, CategoryView, FrameworkLevelView
from admin.center.base import MENU_ACCOUNTS, MENU_CATALOGUE, MENU_INSTITUTIONS, MENU_PORTAL, MENU_SYSTEM
from admin.center.institutions import InstitutionView, MethodView, RuleView
from admin.center.articles import ArticleView
from admin.center.system import AuditLogView, SmsOutboxView
from models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Article,
    AuditLog,
    CatalogueAchievement,
    Category,
    ConversionMethod,
    ConversionRule,
    Decision,
    FrameworkLevel,
    Institution,
    ReviewRecord,
    ReviewStage,
    Role,
    SmsOutbox,
    User,
)
from services import figures as figures_cache
from services import permissions

# Applications waiting at each review stage: (stage, kind, status).
PENDING_STAGES = (
    (ReviewStage.RECOGNITION, ApplicationKind.RECOGNITION, ApplicationStatus.PENDING),
    (ReviewStage.INITIAL, ApplicationKind.CONVERSION, ApplicationStatus.PENDING),
    (ReviewStage.FINAL, ApplicationKind.CONVERSION, ApplicationStatus.INITIAL_PASSED),
    (ReviewStage.PERFORMANCE, ApplicationKind.PERFORMANCE, ApplicationStatus.PENDING),
    (ReviewStage.BATCH, ApplicationKind.BATCH, ApplicationStatus.PENDING),
)
OUTCOMES = (ApplicationStatus.PASSED, ApplicationStatus.REFUSED, ApplicationStatus.PENDING,
            ApplicationStatus.INITIAL_PASSED, ApplicationStatus.CANCELLED)
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
        chart_titles={"months": _("Applications per month by outcome"), "rates": _("Pass rate per review stage (%)")},
    )


def register(admin):
    views = (
        (CategoryView, Category, _l("Achievement categories"), MENU_CATALOGUE, "categories"),
        (FrameworkLevelView, FrameworkLevel, _l("Qualification framework levels"), MENU_CATALOGUE, "framework_levels"),
        (CatalogueView, CatalogueAchievement, _l("Catalogue achievements"), MENU_CATALOGUE, "catalogue"),
        (InstitutionView, Institution, _l("Institutions"), MENU_INSTITUTIONS, "institutions"),
        (MethodView, ConversionMethod, _l("Conversion methods"), MENU_INSTITUTIONS, "center_methods"),
        (RuleView, ConversionRule, _l("Conversion rules"), MENU_INSTITUTIONS, "center_rules"),
        (StaffView, User, _l("Staff accounts"), MENU_ACCOUNTS, "users"),
        (LearnerView, User, _l("Learner accounts"), MENU_ACCOUNTS, "learners"),
        (ArticleView, Article, _l("Portal articles"), MENU_PORTAL, "articles"),
        (SmsOutboxView, SmsOutbox, _l("SMS outbox"), MENU_SYSTEM, "sms_outbox"),
        (AuditLogView, AuditLog, _l("Audit log"), MENU_SYSTEM, "audit_log"),
    )
    for view_class, model, name, menu, endpoint in views:
        admin.add_view(view_class(model, name=name, category=menu, endpoint=endpoint))
    activation.register(admin, MENU_ACCOUNTS, MENU_SYSTEM)
    duplicates.register(admin, MENU_CATALOGUE)
