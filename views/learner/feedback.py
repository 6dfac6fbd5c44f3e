"""问题反馈 (seed 004 §2.2): the learner reports a problem about an achievement an
institution stored; the institution's accounts are told. The list of their reports."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from models import Feedback, Institution, LearnerAchievement
from services import storage
from services.pagination import paginate
from services.records import feedback
from services.records.errors import Refused
from views.learner.base import bp, me, own_achievement
from views.learner.forms import FeedbackForm


@bp.route("/achievements/<int:achievement_id>/feedback", methods=["POST"])
def add_feedback(achievement_id):
    """问题反馈 on an achievement an institution stored; the institution's accounts are told."""
    item = own_achievement(achievement_id)
    if not item.stored_by_id:
        abort(404)
    form = FeedbackForm()
    if not form.validate_on_submit():
        flash(form.content.errors[0] if form.content.errors else _("Please describe the problem."), "warning")
        return redirect(url_for("learner.achievement", achievement_id=item.id))
    try:
        feedback.submit(me(), item, form.content.data,
                        [f for f in form.attachment.data or [] if getattr(f, "filename", "")])
    except (Refused, storage.UploadError) as error:
        flash(str(error), "danger")
    else:
        flash(_("Your feedback has been sent."), "success")
    return redirect(url_for("learner.achievement", achievement_id=item.id))


@bp.route("/feedback")
def feedback_list():
    query = (
        Feedback.select(Feedback, LearnerAchievement, Institution)
        .join(LearnerAchievement)
        .switch(Feedback)
        .join(Institution)
        .where(Feedback.learner == me())
    )
    page = paginate(query, request.args, {"created": Feedback.created_at, "status": Feedback.status},
                    default_sort="-created")
    return render_template("learner/feedback.html", page=page)
