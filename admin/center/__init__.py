"""Management center (SPEC §2, §3, §5, §7, §10): one module per menu, the shared menus and
base view in ``admin.center.base``, the dashboard in ``admin.center.home``; every view is
for center staff only (the base view's default role)."""
from flask_babel import lazy_gettext as _l

from admin.center import (
    activation,
    conversions,
    duplicates,
    home,  # noqa: F401 (registers the center's home page)
    jobs,
    reports,
)
from admin.center.accounts import LearnerView, StaffView
from admin.center.articles import ArticleView
from admin.center.base import MENU_ACCOUNTS, MENU_CATALOGUE, MENU_INSTITUTIONS, MENU_PORTAL, MENU_SYSTEM
from admin.center.catalogue import CatalogueView, CategoryView, FrameworkLevelView
from admin.center.faq import FaqCategoryView, FaqEntryView
from admin.center.institutions import InstitutionView, MethodView, RuleView
from admin.center.system import AuditLogView, SmsOutboxView
from models import (
    Article,
    AuditLog,
    CatalogueAchievement,
    Category,
    ConversionMethod,
    ConversionRule,
    FaqCategory,
    FaqEntry,
    FrameworkLevel,
    Institution,
    SmsOutbox,
    User,
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
        (FaqEntryView, FaqEntry, _l("Online answers"), MENU_PORTAL, "faq_entries"),
        (FaqCategoryView, FaqCategory, _l("Online answer categories"), MENU_PORTAL, "faq_categories"),
        (SmsOutboxView, SmsOutbox, _l("SMS outbox"), MENU_SYSTEM, "sms_outbox"),
        (AuditLogView, AuditLog, _l("Audit log"), MENU_SYSTEM, "audit_log"),
    )
    for view_class, model, name, menu, endpoint in views:
        admin.add_view(view_class(model, name=name, category=menu, endpoint=endpoint))
    activation.register(admin, MENU_ACCOUNTS, MENU_SYSTEM)
    duplicates.register(admin, MENU_CATALOGUE)
    conversions.register(admin, MENU_INSTITUTIONS)
    reports.register(admin, MENU_SYSTEM)
    jobs.register(admin, MENU_SYSTEM)
