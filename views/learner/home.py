"""我的信息 (SPEC §4): the learner's basic information, the counts of their achievements
by state and the paged list of them."""
from flask import render_template, request

from models import AchievementStatus, Category, LearnerAchievement
from services.core.pagination import PreparedList
from views.learner.base import ACHIEVEMENT_SORTS, bp, me

# The columns the list shows, not the achievement's fields and description, as plain rows
# (named tuples): this is the page a learner opens most (the scale benchmark's /me/
# throughput), and three model instances a row cost a third of its reading.
LISTED = (LearnerAchievement.id, LearnerAchievement.name, LearnerAchievement.status, LearnerAchievement.source,
          LearnerAchievement.obtained_on, Category.name.alias("category_name"),
          LearnerAchievement.source_institution_name_column())

_ACHIEVEMENTS = PreparedList(
    lambda: LearnerAchievement.listed().select(*LISTED).namedtuples(),
    "learner", sorts=ACHIEVEMENT_SORTS, default_sort="-created",
    # Every achievement has a category (a required key) and the institution is an outer
    # join: the page's ids are chosen from the learner's achievements alone.
    ids=lambda learner: LearnerAchievement.select().where(LearnerAchievement.learner == learner))


def status_summary(user):
    """The counts of 我的信息 (SPEC §4): each achievement in exactly one bucket by its
    current state, so 成果总数 is their sum. 名录成果 count as 已认定 (manual 002's
    screens), 已申请 is 认定中; 已撤回 gets its own bucket (shown when there are any)."""
    counts = LearnerAchievement.status_counts(user)
    return {
        "total": sum(counts.values()),
        "not_applied": counts.get(AchievementStatus.NOT_APPLIED, 0),
        "applied": counts.get(AchievementStatus.UNDER_REVIEW, 0),
        "recognised": counts.get(AchievementStatus.RECOGNISED, 0) + counts.get(AchievementStatus.CATALOGUE, 0),
        "refused": counts.get(AchievementStatus.REFUSED, 0),
        "withdrawn": counts.get(AchievementStatus.WITHDRAWN, 0),
    }


@bp.route("/")
def home():
    """我的信息: basic information, the five counts and the paged list of achievements."""
    user = me()
    summary = status_summary(user)
    page = _ACHIEVEMENTS.page(request.args, total=summary["total"], learner=user.id)
    # Read with the session row (web/sessions.py): no query of its own.
    teaching_point = user.teaching_point.name if user.teaching_point_id else ""
    return render_template("learner/home.html", user=user, summary=summary, page=page, teaching_point=teaching_point)
