"""Review views (SPEC §6, §8): teaching-point administrators and committee members."""
from flask_babel import lazy_gettext as _l

from admin.base import SecureModelView, home_for
from models import Application, ApplicationKind, ApplicationStatus, LearnerAchievement, User
from services import permissions

MENU_REVIEWS = _l("Reviews")


@home_for(permissions.REVIEWER, permissions.COMMITTEE)
def reviewer_home(view):
    pending = permissions.scope_applications(
        Application.select().where(Application.status.in_([ApplicationStatus.PENDING, ApplicationStatus.INITIAL_PASSED])),
        view_user(),
    )
    return view.render("admin/home_reviewer.html", pending=pending.count())


def view_user():
    from flask_login import current_user

    return current_user._get_current_object()


class ApplicationReviewView(SecureModelView):
    """A list of applications of one kind that the reviewer may decide."""

    kind = None
    can_create = False
    can_edit = False
    column_list = ("learner", "achievement", "status", "submitted_at", "decided_at")
    column_labels = {
        "learner": _l("Learner"),
        "achievement": _l("Achievement name"),
        "status": _l("Status"),
        "submitted_at": _l("Submitted at"),
        "decided_at": _l("Reviewed at"),
    }
    column_sortable_list = ("status", "submitted_at", "decided_at")
    column_default_sort = ("submitted_at", True)
    column_searchable_list = (User.real_name,)
    column_filters = ("status", "submitted_at")

    def base_query(self):
        return (
            Application.select(Application, User, LearnerAchievement)
            .join(User, on=(Application.learner == User.id))
            .switch(Application)
            .join(LearnerAchievement)
            .switch(Application)
            .where(Application.kind == self.kind)
        )

    def scope(self, query):
        return permissions.scope_applications(query.where(Application.kind == self.kind), view_user())


class RecognitionReviewView(ApplicationReviewView):
    kind = ApplicationKind.RECOGNITION
    roles = frozenset({permissions.REVIEWER, permissions.CENTER})


class FinalReviewView(ApplicationReviewView):
    kind = ApplicationKind.CONVERSION
    roles = frozenset({permissions.COMMITTEE, permissions.CENTER})


def register(admin):
    admin.add_view(RecognitionReviewView(Application, name=_l("Recognition review"), category=MENU_REVIEWS, endpoint="recognition_review"))
    admin.add_view(FinalReviewView(Application, name=_l("Conversion final review"), category=MENU_REVIEWS, endpoint="final_review"))
