"""问题反馈管理 (seed 004 §2.2.3) and 我的消息 (§2.5) of the institution space."""
import datetime as dt

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from admin.base import SecureForm, WhereFilter
from admin.institution.base import MENU_MANAGE, InstitutionModelView
from models import Feedback, FeedbackStatus, LearnerAchievement, Message, Permission, User, now
from services.records import feedback as feedback_records
from services.records.errors import Refused
from services.validators import mask_id


class DateFilter(WhereFilter):
    """反馈开始时间 / 反馈结束时间: a date typed or picked as YYYY-MM-DD."""

    def __init__(self, column, name, condition):
        super().__init__(column, name, condition, data_type="datepicker")

    def validate(self, value):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return False
        return True

    def clean(self, value):
        return dt.date.fromisoformat(value)


class HandleForm(SecureForm):
    result = RadioField(
        _l("Handling result"),
        choices=[(FeedbackStatus.RESOLVED, FeedbackStatus.RESOLVED.label), (FeedbackStatus.REJECTED, FeedbackStatus.REJECTED.label)],
        validators=[DataRequired()],
    )
    reply = TextAreaField(_l("Reply"), validators=[DataRequired(), Length(max=1000)])


class FeedbackView(InstitutionModelView):
    permission = Permission.FEEDBACK
    scope_field = Feedback.institution
    details_template = "admin/institution/feedback_details.html"
    column_list = ("learner", "id_number", "achievement", "content", "created_at", "status")
    column_labels = {
        "learner": _l("Learner name"),
        "id_number": _l("ID number"),
        "achievement": _l("Achievement name"),
        "content": _l("Feedback content"),
        "created_at": _l("Feedback time"),
        "status": _l("Resolution status"),
    }
    column_sortable_list = ("created_at", "status")
    column_default_sort = ("created_at", True)
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-reply", ".handle_view", title=_l("Go to handle")),
    ]
    column_filters = (
        DateFilter(Feedback.created_at, _l("Feedback from"), lambda day: Feedback.created_at >= day),
        DateFilter(Feedback.created_at, _l("Feedback until"), lambda day: Feedback.created_at < day + dt.timedelta(days=1)),
        WhereFilter(Feedback.status, _l("Resolution status"), lambda value: Feedback.status == value,
                    options=FeedbackStatus.choices),
    )
    column_formatters = {
        "learner": lambda v, c, m, n: m.learner.real_name,
        "id_number": lambda v, c, m, n: mask_id(m.learner.id_number),
        "achievement": lambda v, c, m, n: m.achievement.name,
        "status": lambda v, c, m, n: FeedbackStatus.label(m.status),
    }

    def row_action_allowed(self, action, model):
        """去处理 only on feedback still 未解决 (a handled one is only viewed)."""
        if getattr(action, "endpoint", None) == ".handle_view":
            return model.status == FeedbackStatus.OPEN
        return super().row_action_allowed(action, model)

    def base_query(self):
        return (
            Feedback.select(Feedback, User, LearnerAchievement)
            .join(User, on=(Feedback.learner == User.id))
            .switch(Feedback)
            .join(LearnerAchievement, on=(Feedback.achievement == LearnerAchievement.id))
            .switch(Feedback)
        )

    @expose("/handle/", methods=("GET", "POST"))
    def handle_view(self):
        """去处理: reply and mark 已解决 or 驳回; the learner reads the reply in the inbox."""
        feedback = self.get_one(request.args.get("id"))
        if feedback is None:
            abort(404)
        form = HandleForm()
        if feedback.status == FeedbackStatus.OPEN and form.validate_on_submit():
            # The radio is the decision (its choices are the two outcomes), not the status field.
            try:
                feedback_records.handle(feedback, current_user._get_current_object(), form.result.data,
                                        form.reply.data)
            except Refused as error:
                flash(str(error), "error")
                return redirect(url_for(".index_view"))
            flash(_("The feedback was handled."), "success")
            return redirect(url_for(".index_view"))
        return self.render("admin/institution/feedback_handle.html", feedback=feedback, form=form)


class MessageView(InstitutionModelView):
    """我的消息: the user's own inbox; 处理 opens the page the message concerns."""

    permission = Permission.MESSAGES
    can_view_details = False
    list_template = "admin/institution/messages_list.html"
    column_list = ("read_at", "title", "body", "created_at")
    column_labels = {
        "read_at": _l("Read"),
        "title": _l("Title"),
        "body": _l("Content"),
        "created_at": _l("Received at"),
    }
    column_sortable_list = ("created_at", "read_at")
    column_default_sort = ("created_at", True)
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-share", ".open_view", title=_l("Handle"))]
    column_formatters = {
        "read_at": lambda v, c, m, n: _("Read") if m.read_at else _("Unread"),
    }
    column_filters = (
        WhereFilter(Message.read_at, _l("Read"), lambda value: Message.read_at.is_null(value == "unread"),
                    options=lambda: [("unread", _("Unread")), ("read", _("Read"))]),
    )

    def scope(self, query):
        return query.where(Message.user == current_user.id)

    @expose("/open/")
    def open_view(self):
        message = self.get_one(request.args.get("id"))
        if message is None:
            abort(404)
        Message.update(read_at=now()).where(Message.id == message.id, Message.read_at.is_null()).execute()
        link = message.link or ""
        # Only same-site paths: a message never sends the user elsewhere.
        if not link.startswith("/") or link.startswith("//"):
            link = url_for(".index_view")
        return redirect(link)


def register(admin):
    admin.add_view(FeedbackView(Feedback, name=_l("Feedback"), category=MENU_MANAGE, endpoint="inst_feedback"))
    admin.add_view(MessageView(Message, name=_l("My messages"), endpoint="inst_messages"))
