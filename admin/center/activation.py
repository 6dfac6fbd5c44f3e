"""账户审核 (manual 003): the center reviews e-mail activation requests of imported learners
without a phone — 审核通过 / 审核不通过 with a reason — and reads the e-mail outbox."""
from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from peewee import JOIN
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from admin.base import SecureForm, WhereFilter, search_labels
from admin.center.base import CenterModelView
from admin.center.system import (
    DELIVERY_COLUMNS,
    DELIVERY_DETAILS,
    DELIVERY_LABELS,
    delivery_status,
    delivery_status_filter,
)
from models import ActivationRequest, ActivationStatus, EmailOutbox, Institution, User
from services import activation
from services.validators import mask_id


class DecisionForm(SecureForm):
    reason = TextAreaField(_l("Reason for not passing"), validators=[Optional(), Length(max=activation.MAX_REASON)])


class ActivationRequestView(CenterModelView):
    """Newest first (filter by 状态 for the pending ones); 审核 opens a request with the imported account's data."""

    search_placeholder = search_labels

    column_list = ("learner", "id_number", "added_by", "email", "status", "submitted_at", "decided_at", "reason")
    column_labels = dict(zip(column_list, (
        _l("Name"), _l("ID number"), _l("Imported by"), _l("Email"), _l("Status"), _l("Submitted at"),
        _l("Decided at"), _l("Reason for not passing"),
    ), strict=True))
    column_sortable_list = ("status", "submitted_at", "decided_at")
    column_default_sort = ("submitted_at", True)
    column_searchable_list = ("email",)
    column_filters = (
        WhereFilter(ActivationRequest.status, _l("Status"), lambda v: ActivationRequest.status == v,
                    options=ActivationStatus.choices),
    )
    column_formatters = {
        "learner": lambda v, c, m, n: m.user.real_name,
        "id_number": lambda v, c, m, n: mask_id(m.user.id_number),
        "added_by": lambda v, c, m, n: m.user.added_by_institution.name if m.user.added_by_institution_id else "",
        "status": lambda v, c, m, n: Markup('{} <a class="btn btn-sm btn-outline-primary ml-1" href="{}">{}</a>').format(
            ActivationStatus.label(m.status), v.get_url(".review_view", id=m.id), _("Review"))
        if m.status == ActivationStatus.PENDING else ActivationStatus.label(m.status),
    }
    can_view_details = False

    def base_query(self):
        return (
            ActivationRequest.select(ActivationRequest, User, Institution)
            .join(User, on=(ActivationRequest.user == User.id))
            .join(Institution, JOIN.LEFT_OUTER, on=(User.added_by_institution == Institution.id))
            .switch(ActivationRequest)
        )

    @expose("/review/", methods=("GET", "POST"))
    def review_view(self):
        item = self.scope(self.base_query()).where(ActivationRequest.id == request.args.get("id", type=int)).first()
        if item is None:
            abort(404)
        form = DecisionForm()
        if request.method == "POST" and form.validate_on_submit():
            approve = request.form.get("decision") == "approve"
            try:
                activation.decide(item, self._user(), approve, form.reason.data)
            except activation.ActivationError as error:
                form.reason.errors = [str(error)]
            else:
                flash(_("Account review passed: the account is activated.") if approve
                      else _("Account review not passed; the learner is told the reason."), "success")
                return redirect(self.get_url(".index_view"))
        return self.render("admin/center/activation_review.html", item=item, form=form,
                           return_url=self.get_url(".index_view"))

    @staticmethod
    def _user():
        return current_user._get_current_object()


class EmailOutboxView(CenterModelView):
    """What the platform owes people by e-mail and how its delivery went (the job consumer
    sends them, services/mail.py), as 短信发件箱 shows SMS."""

    search_placeholder = search_labels

    column_list = ("created_at", "email", "subject", "body", *DELIVERY_COLUMNS)
    column_details_list = ("created_at", "email", "subject", "body", *DELIVERY_DETAILS)
    column_labels = {"created_at": _l("Time"), "email": _l("Email"), "subject": _l("Title"), "body": _l("Content"),
                     **DELIVERY_LABELS}
    column_searchable_list = ("email", "subject")
    column_sortable_list = ("created_at", "status")
    column_default_sort = ("created_at", True)
    column_filters = (delivery_status_filter(EmailOutbox), "created_at")
    column_formatters = {"status": delivery_status}


def register(admin, menu_accounts, menu_system):
    admin.add_view(ActivationRequestView(ActivationRequest, name=_l("Account review"), category=menu_accounts,
                                         endpoint="activation_requests"))
    admin.add_view(EmailOutboxView(EmailOutbox, name=_l("E-mail outbox"), category=menu_system,
                                   endpoint="email_outbox"))
