"""The SMS outbox and the audit log (SPEC §12), both read-only."""
import json

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from peewee import JOIN

from admin.base import WhereFilter
from admin.center import audit_words
from admin.center.base import CenterModelView
from admin.excel import ExcelMixin
from models import AuditLog, SmsOutbox, SmsPurpose, SmsStatus, User
from services.excel import DATETIME, ExportColumn
from services.records.validators import mask_phone

SMS_BACKENDS = {"console": _l("Console (development)"), "aliyun": _l("Alibaba Cloud SMS")}

# How an outbox row's delivery went, shown alike for SMS and e-mail (both follow
# SmsOutbox.STATES): columns, labels, the status filter and the status in words.
DELIVERY_COLUMNS = ("status", "attempts", "sent_at", "error")
DELIVERY_LABELS = {"status": _l("Delivery status"), "attempts": _l("Attempts"), "sent_at": _l("Delivered at"),
                   "error": _l("Gateway answer"), "next_attempt_at": _l("Next attempt at")}
# The details page: the list's columns and when a retry is due; never the sealed payload
# (the text with its code, for the gateway only).
DELIVERY_DETAILS = (*DELIVERY_COLUMNS, "next_attempt_at")


def delivery_status_filter(model):
    return WhereFilter(model.status, _l("Delivery status"), lambda v: model.status == v, options=SmsStatus.choices)


def delivery_status(view, context, model, name):
    return SmsStatus.label(model.status)


class SmsOutboxView(CenterModelView):
    column_list = ("created_at", "phone", "purpose", "body", "backend", *DELIVERY_COLUMNS)
    column_details_list = ("created_at", "phone", "purpose", "body", "backend", *DELIVERY_DETAILS, "reference")
    column_labels = {
        "reference": _l("Gateway message reference"),
        "phone": _l("Mobile"),
        "body": _l("Content"),
        "purpose": _l("Purpose"),
        "backend": _l("Backend"),
        "created_at": _l("Written at"),
        **DELIVERY_LABELS,
    }
    # By the whole mobile number (its index): the bodies all start alike and hold masked
    # codes, so a search of them would read the whole outbox for nothing.
    column_searchable_list = ("phone",)
    column_sortable_list = ("created_at", "purpose", "status")
    # Newest first by the time index: a filter on 写入时间 is then a range of the list's
    # order. By id, "after a date" walked every id back from the newest looking for a
    # twentieth match (1 000 000 achievements' outbox: 16 ms for one match, 7 at 100 000).
    column_default_sort = ("created_at", True)
    column_filters = (
        WhereFilter(SmsOutbox.purpose, _l("Purpose"), lambda v: SmsOutbox.purpose == v, options=SmsPurpose.choices),
        delivery_status_filter(SmsOutbox),
        "created_at",
    )
    column_formatters = {
        "phone": lambda v, c, m, n: mask_phone(m.phone),
        "purpose": lambda v, c, m, n: SmsPurpose.label(m.purpose),
        "status": delivery_status,
        "backend": lambda v, c, m, n: SMS_BACKENDS.get(m.backend, m.backend),
    }


class AuditLogView(ExcelMixin, CenterModelView):
    """Who did what, when, to which record, with the details — in words, never raw codes: the
    action's label, the object's kind, the details as labelled fields."""

    export_name = _l("Audit log")
    export_columns = (
        ExportColumn("时间", AuditLog.created_at, DATETIME),
        ExportColumn("用户", User.username),
        ExportColumn("操作", AuditLog.action, convert=audit_words.action_label),
        ExportColumn("对象", AuditLog.object_type, convert=audit_words.object_label),
        ExportColumn("对象编号", AuditLog.object_id),
        ExportColumn("详情", AuditLog.details, convert=lambda v: audit_words.details_text(_loaded(v))),
        ExportColumn("IP地址", AuditLog.ip),
    )

    column_list = ("created_at", "user", "action", "object_type", "details", "ip")
    column_details_list = column_list
    column_labels = {
        "created_at": _l("Time"),
        "user": _l("User"),
        "action": _l("Action"),
        "object_type": _l("Object"),
        "object_id": _l("Object id"),
        "details": _l("Details of the action"),
        "ip": _l("IP address"),
    }
    column_filters = (
        WhereFilter(AuditLog.user, _l("User (login account)"),
                    # One user (names are unique): PostgreSQL then reads the page from (user, id).
                    lambda v: AuditLog.user == User.select(User.id).where(User.username == v)),
        WhereFilter(AuditLog.action, _l("Action"), lambda v: AuditLog.action == v,
                    options=audit_words.ActionLabels.choices),
        "created_at",
    )
    # No search box: actions and objects are stored as codes nobody types; the filters
    # choose them by name.
    column_sortable_list = ("created_at", "action")
    # In time order (migrations/v29_audit_log_in_time_order.py): a filter on 时间 then starts
    # at its date in the time index instead of walking every later entry.
    column_default_sort = [("created_at", True), ("id", True)]
    column_formatters = {
        "user": lambda v, c, m, n: f"{m.user.real_name} ({m.user.username})" if m.user_id else "",
        "action": lambda v, c, m, n: audit_words.action_label(m.action),
        "object_type": lambda v, c, m, n: audit_words.object_label(m.object_type, m.object_id, m.details),
        "details": lambda v, c, m, n: _details_html(m.details),
    }

    def base_query(self):
        return AuditLog.select(AuditLog, User).join(User, JOIN.LEFT_OUTER, on=(AuditLog.user == User.id)).switch(AuditLog)


def _loaded(value):
    """Details as stored: the export's tuples may hold the JSON text itself."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _details_html(details):
    """Each detail on its own line: 标签：值."""
    return Markup("").join(
        Markup("<div class='small'><span class='text-muted'>{}：</span>{}</div>").format(label, text)
        if label else Markup("<div class='small'>{}</div>").format(text)
        for label, text in audit_words.detail_items(details)
    )
