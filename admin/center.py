"""Management-center views (SPEC §2, §3, §5, §10): catalogues, institutions, accounts,
the SMS outbox, the audit log and the dashboard."""
from flask_babel import lazy_gettext as _l
from peewee import JOIN

from admin.base import SecureModelView, home_for
from models import (
    Application,
    ApplicationStatus,
    AuditLog,
    CatalogueAchievement,
    Category,
    ConversionRule,
    Institution,
    Role,
    SmsOutbox,
    User,
)
from services import permissions

MENU_CATALOGUE = _l("Catalogue")
MENU_ACCOUNTS = _l("Accounts")
MENU_SYSTEM = _l("System")


@home_for(permissions.CENTER)
def center_home(view):
    counts = {
        "learners": User.select().where(User.role == Role.LEARNER).count(),
        "institutions": Institution.select().count(),
        "catalogue": CatalogueAchievement.select().count(),
        "rules": ConversionRule.published().count(),
        "pending": Application.select().where(Application.status == ApplicationStatus.PENDING).count(),
    }
    return view.render("admin/home_center.html", counts=counts)


class ReadOnlyView(SecureModelView):
    can_create = False
    can_edit = False


class InstitutionView(ReadOnlyView):
    column_list = ("name", "kind", "department", "school_code", "status", "created_at")
    column_labels = {
        "name": _l("Institution name"),
        "kind": _l("Kind"),
        "department": _l("Provincial education department"),
        "school_code": _l("School code"),
        "status": _l("Status"),
        "created_at": _l("Created at"),
    }
    column_searchable_list = ("name", "school_code")
    column_filters = ("kind", "status")
    column_sortable_list = ("name", "kind", "status", "created_at")

    def base_query(self):
        Department = Institution.alias()
        return Institution.select(Institution, Department).join(
            Department, join_type=JOIN.LEFT_OUTER, on=(Institution.department == Department.id)
        ).switch(Institution)


class CategoryView(ReadOnlyView):
    column_list = ("name", "parent", "scope", "kind", "code", "sort_order")
    column_labels = {
        "name": _l("Name"),
        "parent": _l("Broad category"),
        "scope": _l("Scope"),
        "kind": _l("Kind"),
        "code": _l("Code"),
        "sort_order": _l("Order"),
    }
    column_default_sort = ("sort_order", False)

    def base_query(self):
        Parent = Category.alias()
        return Category.select(Category, Parent).join(
            Parent, join_type=JOIN.LEFT_OUTER, on=(Category.parent == Parent.id)
        ).switch(Category)


class CatalogueView(ReadOnlyView):
    column_list = ("project_name", "name", "institution", "category", "credits", "recognition_status", "created_at")
    column_labels = {
        "project_name": _l("Project name"),
        "name": _l("Achievement name"),
        "institution": _l("Qualification institution"),
        "category": _l("Subcategory"),
        "credits": _l("Credit-bank credits"),
        "recognition_status": _l("Recognition status"),
        "created_at": _l("Stored at"),
    }
    column_searchable_list = ("project_name", "name")
    column_filters = ("recognition_status", "disabled")
    column_sortable_list = ("project_name", "name", "created_at", "recognition_status")

    def base_query(self):
        return CatalogueAchievement.select(CatalogueAchievement, Institution, Category).join(Institution).switch(
            CatalogueAchievement
        ).join(Category)


class UserView(ReadOnlyView):
    column_list = ("username", "real_name", "role", "institution", "status", "created_at")
    column_labels = {
        "username": _l("Username"),
        "real_name": _l("Real name"),
        "role": _l("Role"),
        "institution": _l("Institution"),
        "status": _l("Account status"),
        "created_at": _l("Created at"),
    }
    column_details_exclude_list = ("password_hash",)
    column_searchable_list = ("username", "real_name")
    column_filters = ("role", "status")

    def base_query(self):
        return User.select(User, Institution).join(
            Institution, join_type=JOIN.LEFT_OUTER, on=(User.institution == Institution.id)
        ).switch(User)


class SmsOutboxView(ReadOnlyView):
    column_list = ("phone", "body", "purpose", "backend", "created_at")
    column_labels = {
        "phone": _l("Mobile"),
        "body": _l("Content"),
        "purpose": _l("Purpose"),
        "backend": _l("Backend"),
        "created_at": _l("Sent at"),
    }
    column_searchable_list = ("phone", "body")


class AuditLogView(ReadOnlyView):
    column_list = ("created_at", "user", "action", "object_type", "object_id", "details", "ip")
    column_labels = {
        "created_at": _l("Time"),
        "user": _l("User"),
        "action": _l("Action"),
        "object_type": _l("Object"),
        "object_id": _l("Object id"),
        "details": _l("Details"),
        "ip": _l("IP address"),
    }
    column_filters = ("action", "created_at")
    column_searchable_list = ("action",)

    def base_query(self):
        return AuditLog.select(AuditLog, User).join(User, join_type=JOIN.LEFT_OUTER).switch(AuditLog)


def register(admin):
    admin.add_view(CategoryView(Category, name=_l("Achievement categories"), category=MENU_CATALOGUE, endpoint="categories"))
    admin.add_view(CatalogueView(CatalogueAchievement, name=_l("Catalogue achievements"), category=MENU_CATALOGUE, endpoint="catalogue"))
    admin.add_view(InstitutionView(Institution, name=_l("Institutions"), category=MENU_CATALOGUE, endpoint="institutions"))
    admin.add_view(UserView(User, name=_l("User accounts"), category=MENU_ACCOUNTS, endpoint="users"))
    admin.add_view(SmsOutboxView(SmsOutbox, name=_l("SMS outbox"), category=MENU_SYSTEM, endpoint="sms_outbox"))
    admin.add_view(AuditLogView(AuditLog, name=_l("Audit log"), category=MENU_SYSTEM, endpoint="audit_log"))
