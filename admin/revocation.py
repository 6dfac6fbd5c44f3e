"""撤销转换, shared by the center's 转换记录 and an institution's 转换记录 › 机构接收: a passed
conversion revoked with a reason, after a confirmation page that lists everything the
ledger will take back with it (services/ledger/revocation.py)."""
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from admin.base import SecureForm
from models import ApplicationStatus
from services import ledger
from services.records.errors import MAX_REASON, Refused
from services.records.field_schema import Marked
from services.records.validators import mask_id, mask_name


class RevokeForm(SecureForm):
    reason = TextAreaField(_l("Reason for revocation"), validators=[Marked(), Optional(), Length(max=MAX_REASON)])


def revocable(application):
    return (application.status == ApplicationStatus.PASSED and application.kind in ledger.GRANTING_KINDS
            and ledger.may_revoke(current_user, application))


def revoke_link(view, context, model, name):
    """The row's 撤销转换 link, where the user may revoke it."""
    if not revocable(model):
        return ""
    url = url_for(".revoke_view", id=model.id)
    return Markup(f'<a href="{escape(url)}" class="text-danger" data-revoke="{model.id}">{escape(_l("Revoke conversion"))}</a>')


class RevokeConversionMixin:
    """A list of applications whose passed conversions its users may revoke (the view's own
    scope decides which rows they reach)."""

    @expose("/revoke/", methods=("GET", "POST"))
    def revoke_view(self):
        application = self.get_one(request.args.get("id"))
        if application is None or not ledger.may_revoke(current_user, application):
            abort(404)
        back = url_for(".index_view")
        if not revocable(application):
            flash(_("Only a conversion that passed review can be revoked"), "error")
            return redirect(back)
        form = RevokeForm()
        if form.validate_on_submit():
            try:
                plan = ledger.revoke_conversion(application, current_user._get_current_object(), form.reason.data)
            except Refused as refused:
                form.reason.errors = [str(refused)]
            else:
                flash(_("The conversion was revoked: %(conversions)s conversions and %(achievements)s achievements "
                        "revoked, %(open)s open applications closed.", conversions=len(plan.revoked),
                        achievements=len(plan.targets), open=len(plan.closed)), "success")
                return redirect(back)
        return self.render("admin/revoke_conversion.html", application=application,
                           plan=ledger.plan_for_conversion(application), form=form, back=back,
                           mask_id=mask_id, mask_name=mask_name)
