"""转换记录 (seed 004 §2.4.2): 机构接收 — applications under my institution's rules (the
learners' own and other institutions' batches); 机构发起 — the applications of batches
my institution initiated. Each row's 审核记录 shows its review history; a passed conversion
my institution received can be revoked (撤销转换, ``admin.revocation``); 导出 is
SMS-verified and audited (``ExcelMixin``)."""
from flask import abort, request, url_for
from flask_admin import expose
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from peewee import JOIN

from admin.institution.conversion_common import MENU_CONVERSION, ApplicationListView, application_filters
from admin.revocation import RevokeConversionMixin, revoke_link
from models import Application, Decision, Permission, ReviewRecord, ReviewStage, User
from services.accounts import permissions
from services.records.validators import mask_id

TABS = (("inst_records", _l("Received by the institution")), ("inst_records_out", _l("Initiated by the institution")))


def _history_link(view, context, model, name):
    url = url_for(".history_view", id=model.id)
    return Markup(f'<a href="{escape(url)}" data-history="{model.id}">{escape(_l("Review records"))}</a>')


class RecordsView(RevokeConversionMixin, ApplicationListView):
    permission = Permission.RECORDS
    tabs = TABS
    received = True
    column_list = (*ApplicationListView.column_list, "history", "revoke")
    column_labels = {**ApplicationListView.column_labels, "revoke": _l("Operation")}
    column_formatters = {**ApplicationListView.column_formatters, "history": _history_link, "revoke": revoke_link}
    column_filters = application_filters(with_status=True)

    def scope(self, query):
        # Only conversions and batches carry a rule, hence a receiver.
        if self.received:
            return permissions.scope_received(query, current_user)
        return permissions.scope_initiated(query, current_user)

    @expose("/history/")
    def history_view(self):
        """审核记录: every decision taken on the application, oldest first."""
        application = self.get_one(request.args.get("id"))
        if application is None:
            abort(404)
        records = (
            ReviewRecord.select(ReviewRecord, User)
            .join(User, JOIN.LEFT_OUTER, on=(ReviewRecord.reviewer == User.id))
            .where(ReviewRecord.application == application.id)
            .order_by(ReviewRecord.created_at, ReviewRecord.id)
        )
        return self.render("admin/institution/review_history.html", application=application, records=list(records),
                           mask_id=mask_id, ReviewStage=ReviewStage, Decision=Decision)


class ReceivedRecordsView(RecordsView):
    export_name = _l("Received by the institution")


class InitiatedRecordsView(RecordsView):
    received = False
    export_name = _l("Initiated by the institution")

    def is_visible(self):
        return False  # the 机构发起 tab of 转换记录


def register(admin):
    admin.add_view(ReceivedRecordsView(Application, name=_l("Conversion records"), category=MENU_CONVERSION,
                                       endpoint="inst_records"))
    admin.add_view(InitiatedRecordsView(Application, name=_l("Conversion records"), category=MENU_CONVERSION,
                                        endpoint="inst_records_out"))
