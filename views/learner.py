"""The learner area under /me/ (SPEC §4–§8): simple pages for a first-time user."""
from flask import Blueprint, render_template, request
from flask_login import current_user

from models import AchievementStatus, LearnerAchievement
from services.pagination import paginate
from services.permissions import LEARNER, roles_required

bp = Blueprint("learner", __name__, url_prefix="/me")

ACHIEVEMENT_SORTS = {
    "name": LearnerAchievement.name,
    "status": LearnerAchievement.status,
    "obtained": LearnerAchievement.obtained_on,
    "created": LearnerAchievement.created_at,
}


def status_summary(user):
    """The five counts of 我的信息 (SPEC §4)."""
    counts = LearnerAchievement.status_counts(user)
    applied = counts.get(AchievementStatus.UNDER_REVIEW, 0)
    recognised = counts.get(AchievementStatus.RECOGNISED, 0) + counts.get(AchievementStatus.CATALOGUE, 0)
    refused = counts.get(AchievementStatus.REFUSED, 0)
    return {
        "total": sum(counts.values()),
        "not_applied": counts.get(AchievementStatus.NOT_APPLIED, 0),
        "applied": applied + recognised + refused - counts.get(AchievementStatus.CATALOGUE, 0),
        "recognised": recognised,
        "refused": refused,
    }


@bp.route("/")
@roles_required(LEARNER)
def home():
    """我的信息: basic information, the five counts and the paged list of achievements."""
    user = current_user._get_current_object()
    query = LearnerAchievement.for_learner(user)
    page = paginate(query, request.args, ACHIEVEMENT_SORTS, default_sort="-created")
    return render_template("learner/home.html", user=user, summary=status_summary(user), page=page)
