"""The institution space (院校空间, SPEC §9): scoped to the user's own institution."""
from flask_babel import lazy_gettext as _l

from admin.base import SecureModelView, home_for
from models import CatalogueAchievement, Category, LearnerAchievement, Permission
from services import permissions


@home_for(permissions.INSTITUTION, permissions.SUBUSER)
def institution_home(view):
    """机构账户中心: overview counts of the institution's data."""
    from flask_login import current_user

    institution_id = current_user.institution_id
    counts = {
        "achievements": CatalogueAchievement.select().where(CatalogueAchievement.institution == institution_id).count(),
        "learner_achievements": LearnerAchievement.select().where(LearnerAchievement.stored_by == institution_id).count(),
    }
    return view.render("admin/home_institution.html", counts=counts)


class InstitutionAchievementView(SecureModelView):
    """机构成果管理: the institution's own catalogue entries (read-only once saved)."""

    roles = permissions.INSTITUTION_USERS
    permission = Permission.ACHIEVEMENTS
    can_create = False
    can_edit = False
    column_list = ("name", "category", "recognition_status", "created_at")
    column_labels = {
        "name": _l("Achievement name"),
        "category": _l("Achievement type"),
        "recognition_status": _l("Recognition status"),
        "created_at": _l("Stored at"),
    }
    column_searchable_list = ("name",)
    column_filters = ("recognition_status",)

    def base_query(self):
        return CatalogueAchievement.select(CatalogueAchievement, Category).join(Category).switch(CatalogueAchievement)

    def scope(self, query):
        from flask_login import current_user

        return permissions.scope_by_institution(query, CatalogueAchievement.institution, current_user)


def register(admin):
    admin.add_view(
        InstitutionAchievementView(
            CatalogueAchievement, name=_l("Institution achievements"), endpoint="inst_achievements", menu_class_name=""
        )
    )
