"""The SMS outbox and the audit log (SPEC §12), both read-only."""
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from peewee import JOIN

from admin.center_common import CenterModelView
from admin.excel import ExcelMixin
from admin.base import WhereFilter
from models import AuditLog, SmsOutbox, SmsPurpose, SmsStatus, User
from services.excel import DATETIME, ExportColumn
from services.validators import mask_phone


class SmsOutboxView(CenterModelView):
    column_list = ("created_at", "phone", "purpose", "body", "backend", "status", "attempts", "sent_at", "error")
    column_labels = {
        "phone": _l("Mobile"),
        "body": _l("Content"),
        "purpose": _l("Purpose"),
        "backend": _l("Backend"),
        "created_at": _l("Written at"),
        "status": _l("Delivery status"),
        "attempts": _l("Attempts"),
        "sent_at": _l("Delivered at"),
        "error": _l("Gateway answer"),
    }
    column_searchable_list = ("phone", "body")
    column_sortable_list = ("created_at", "purpose", "status")
    column_filters = (
        WhereFilter(SmsOutbox.purpose, _l("Purpose"), lambda v: SmsOutbox.purpose == v, options=SmsPurpose.choices),
        WhereFilter(SmsOutbox.status, _l("Delivery status"), lambda v: SmsOutbox.status == v, options=SmsStatus.choices),
        "created_at",
    )
    column_formatters = {
        "phone": lambda v, c, m, n: mask_phone(m.phone),
        "purpose": lambda v, c, m, n: SmsPurpose.label(m.purpose),
        "status": lambda v, c, m, n: SmsStatus.label(m.status),
    }


class AuditLogView(ExcelMixin, CenterModelView):
    """Who did what, when, to which record, with the details."""

    export_name = _l("Audit log")
    export_columns = (
        ExportColumn("时间", AuditLog.created_at, DATETIME),
        ExportColumn("用户", User.username),
        ExportColumn("操作", AuditLog.action),
        ExportColumn("对象", AuditLog.object_type),
        ExportColumn("对象编号", AuditLog.object_id),
        ExportColumn("详情", AuditLog.details),
        ExportColumn("IP地址", AuditLog.ip),
    )

    column_list = ("created_at", "user", "action", "object_type", "object_id", "details", "ip")
    column_labels = {
        "created_at": _l("Time"),
        "user": _l("User"),
        "action": _l("Action"),
        "object_type": _l("Object"),
        "object_id": _l("Object id"),
        "details": _l("Details"),
        "ip": _l("IP address"),
    }
    column_filters = (
        WhereFilter(AuditLog.user, _l("User (login account)"),
                    lambda v: AuditLog.user.in_(User.select(User.id).where(User.username == v))),
        WhereFilter(AuditLog.action, _l("Action"), lambda v: AuditLog.action == v),
        "created_at",
    )
    column_searchable_list = ("action", "object_type")
    column_sortable_list = ("created_at", "action")
    column_formatters = {
        "user": lambda v, c, m, n: f"{m.user.real_name} ({m.user.username})" if m.user_id else "",
        "details": lambda v, c, m, n: Markup("<code class='small'>{}</code>").format(m.details or ""),
    }

    def base_query(self):
        return AuditLog.select(AuditLog, User).join(User, JOIN.LEFT_OUTER, on=(AuditLog.user == User.id)).switch(AuditLog)
