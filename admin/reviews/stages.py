"""The four review lists (SPEC §6, §8): 认定审核 and 转换初审 for teaching-point
administrators, 转换终审 and 业绩类转换审核 for committee members — each a ``ReviewView``
naming its kind, stage and the ``services.ledger`` call that decides."""
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from peewee import JOIN

from admin.reviews.base import ReviewView
from models import Application, ApplicationKind, ApplicationStatus, CatalogueAchievement, ReviewStage
from services import ledger
from services.accounts import permissions


class RecognitionReviewView(ReviewView):
    """认定审核."""

    endpoint_name = "recognition_review"
    kind = ApplicationKind.RECOGNITION
    stage = ReviewStage.RECOGNITION
    roles = frozenset({permissions.REVIEWER, permissions.CENTER})
    agree_label = passed_label = _l("Recognition passed")
    disagree_label = refused_label = _l("Recognition not passed")
    agreed_message = _l("Recognition successful")
    refused_message = _l("Recognition not passed: the learner has been notified and may correct and re-apply.")
    column_list = ("learner.real_name", "achievement.name", "achievement.category", "status", "submitted_at",
                   "decided_at")

    def decide(self, application, user, agree, opinion, files):
        ledger.decide_recognition(application, user, agree, opinion)


class InitialReviewView(ReviewView):
    """转换初审."""

    endpoint_name = "initial_review"
    kind = ApplicationKind.CONVERSION
    stage = ReviewStage.INITIAL
    decided_time = Application.initial_reviewed_at
    roles = frozenset({permissions.REVIEWER, permissions.CENTER})
    passed_label = _l("Initial review passed")
    refused_label = _l("Initial review not passed")
    agreed_message = _l("Review successful: the initial review passed and the application moves on to the final "
                        "review.")
    refused_message = _l("Review submitted: the initial review did not pass. The learner has been notified.")

    @classmethod
    def done(cls):
        # Every row decided at the initial review has its time; saying so lets PostgreSQL
        # start its walk of the time index past the rows without one.
        return super().done() & Application.initial_reviewed_at.is_null(False)

    def decide(self, application, user, agree, opinion, files):
        ledger.initial_review(application, user, agree, opinion, files)


class FinalReviewView(ReviewView):
    """转换终审: applications past the initial review."""

    endpoint_name = "final_review"
    kind = ApplicationKind.CONVERSION
    stage = ReviewStage.FINAL
    pending_status = ApplicationStatus.INITIAL_PASSED
    passed_label = _l("Final review passed")
    refused_label = _l("Final review not passed")
    agreed_message = _l("Review successful: the final review passed and the target achievements were added to the "
                        "learner's account.")
    refused_message = _l("Review submitted: the final review did not pass. The learner has been notified.")
    # SPEC §8: committee members; the institution that published the rule decides the
    # same stage in its own 转换申请审核 › 个人申请 (admin/institution/reviews.py).
    roles = frozenset({permissions.COMMITTEE, permissions.CENTER})

    def is_accessible(self):
        # An institution reviews only once its registration is approved (and while active).
        return super().is_accessible() and permissions.review_open(current_user)

    def decide(self, application, user, agree, opinion, files):
        ledger.final_review(application, user, agree, opinion)


class PerformanceReviewView(ReviewView):
    """业绩类转换审核: one stage, the target chosen by the learner."""

    endpoint_name = "performance_review"
    kind = ApplicationKind.PERFORMANCE
    stage = ReviewStage.PERFORMANCE
    roles = frozenset({permissions.COMMITTEE, permissions.CENTER})
    column_list = ("learner.real_name", "achievement.name", "target", "status", "submitted_at", "decided_at")

    def display_columns(self):
        return (*super().display_columns(), CatalogueAchievement.id, CatalogueAchievement.name)

    def base_query(self):
        # The target is selected with the row: the list shows it (one query, not one per row).
        return super().base_query().select_extend(CatalogueAchievement).join(
            CatalogueAchievement, JOIN.LEFT_OUTER, on=(Application.target == CatalogueAchievement.id)
        ).switch(Application)

    def decide(self, application, user, agree, opinion, files):
        ledger.performance_review(application, user, agree, opinion)
