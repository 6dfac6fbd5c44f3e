"""业绩类成果转换申请 (SPEC §8): the learner's recognised informal achievements, 提交转换 to a
target catalogue achievement they choose, and their performance applications."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from peewee import JOIN

from models import (
    AchievementStatus,
    Application,
    ApplicationKind,
    CatalogueAchievement,
    Category,
    CategoryKind,
    LearnerAchievement,
)
from services import ledger
from services.core.pagination import paginate
from views.learner.base import ACHIEVEMENT_SORTS, attach_reviews, bp, catalogue_page, me, own_achievement
from web import inputs


@bp.route("/performance")
def performance():
    """My recognised informal achievements (select → 提交转换) and my performance applications."""
    query = LearnerAchievement.for_learner(me()).where(
        Category.kind == CategoryKind.INFORMAL, LearnerAchievement.status == AchievementStatus.RECOGNISED
    )
    page = paginate(query, request.args, ACHIEVEMENT_SORTS, default_sort="-created")
    # The applications are a second paged list on the page (``apage``).
    submitted = (
        Application.select(Application, LearnerAchievement, CatalogueAchievement)
        .join(LearnerAchievement)
        .switch(Application)
        .join(CatalogueAchievement, JOIN.LEFT_OUTER, on=(Application.target == CatalogueAchievement.id))
        .where(Application.learner == me(), Application.kind == ApplicationKind.PERFORMANCE)
    )
    applications = paginate(submitted, {"page": request.args.get("apage", "1")},
                            {"submitted": Application.submitted_at}, default_sort="-submitted")
    attach_reviews(applications.items)
    return render_template("learner/performance.html", page=page, applications=applications)


@bp.route("/performance/<int:achievement_id>/apply", methods=["GET", "POST"])
def performance_apply(achievement_id):
    """提交转换: search the target catalogue achievement → 确认 → 提交成功."""
    item = own_achievement(achievement_id)
    if request.method == "POST":
        target = CatalogueAchievement.search().where(
            CatalogueAchievement.id == request.form.get("target_id", type=inputs.db_int)
        ).first()
        if target is None:
            flash(_("Please choose the target achievement."), "warning")
        else:
            try:
                ledger.submit_performance(item, target, me())
            except ledger.Refused as error:
                flash(str(error), "danger")
            else:
                # Manual 000, step 5: the paper originals are checked at the teaching point.
                flash(_("Submitted successfully. Please bring the paper originals of your materials to your "
                        "teaching point for the on-site check."), "success")
                return redirect(url_for("learner.performance"))
    form, page = catalogue_page(request.args)
    searched = any(request.args.get(k) for k in ("project", "name", "institution"))
    return render_template("learner/performance_apply.html", a=item, form=form, page=page, searched=searched)
