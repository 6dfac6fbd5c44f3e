"""A learner takes back their own application while it waits for its first decision
(认定 / 转换 / 业绩类, SPEC §14): 撤回申请 with a confirmation, through ``services.ledger``."""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from services import ledger
from views.auth import safe_next
from views.learner.base import bp, me, own_application


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
def withdraw_application(application_id):
    application = own_application(application_id)
    try:
        ledger.withdraw_application(application, me())
    except ledger.Refused as refused:
        flash(str(refused), "warning")
    else:
        flash(_("The application was withdrawn. You may apply again."), "success")
    back = request.form.get("back")
    return redirect(back if safe_next(back) else url_for("learner.achievement", achievement_id=application.achievement_id))
