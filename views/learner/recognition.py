"""认定成果申请 (SPEC §6): the learner's achievements that need recognition by review,
提交认定, and every attempt's 认定记录."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from models import AchievementSource, Application, ApplicationKind, Category, CategoryKind, LearnerAchievement
from services import ledger
from services.core.pagination import paginate
from services.records import achievements
from views.learner.base import ACHIEVEMENT_SORTS, applications_with_reviews, bp, me, own_achievement
from web import inputs


def needs_recognition():
    """Informal or non-catalogue achievements are recognised by review (SPEC §6)."""
    return (LearnerAchievement.catalogue.is_null() | (Category.kind == CategoryKind.INFORMAL)) & (
        LearnerAchievement.source == AchievementSource.SELF
    )


@bp.route("/recognition")
def recognition():
    """认定成果申请: my achievements that need recognition, filterable, with 提交认定."""
    name = (request.args.get("name") or "").strip()
    root = request.args.get("root", type=inputs.db_int)
    sub = request.args.get("category", type=inputs.db_int)
    query = LearnerAchievement.for_learner(me()).where(needs_recognition())
    if name:
        query = query.where(LearnerAchievement.name.contains(name))
    if root:
        query = query.where(Category.parent == root)
    if sub:
        query = query.where(LearnerAchievement.category == sub)
    page = paginate(query, request.args, ACHIEVEMENT_SORTS, default_sort="-created")
    roots = list(Category.roots())
    subs = list(Category.select().where(Category.parent.in_([r.id for r in roots])).order_by(
        Category.parent, Category.sort_order))
    return render_template("learner/recognition.html", page=page, roots=roots, subs=subs,
                           root_names={r.id: r.name for r in roots},
                           can_edit=achievements.editable_ids(page.items))


@bp.route("/recognition/<int:achievement_id>/submit", methods=["POST"])
def submit_recognition(achievement_id):
    item = own_achievement(achievement_id)
    try:
        ledger.submit_recognition(item, me())
    except ledger.Refused as error:
        flash(str(error), "danger")
    else:
        flash(_("Recognition applied for. Please bring the paper originals to your teaching point."), "success")
    return redirect(url_for("learner.recognition"))


@bp.route("/recognition/<int:achievement_id>/records")
def recognition_records(achievement_id):
    """认定记录: every recognition attempt with its opinions."""
    item = own_achievement(achievement_id)
    applications = applications_with_reviews(
        Application.achievement == item, Application.kind == ApplicationKind.RECOGNITION
    )
    return render_template("learner/records.html", a=item, applications=applications, attempts=True,
                           title=_("Recognition records"), back=url_for("learner.recognition"), targets={})
