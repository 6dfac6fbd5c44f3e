"""Portal articles (资讯中心, 业务指南, 规章制度), the SMS outbox and the audit log (SPEC §10,
§12). The outbox and the log are read-only."""
import json

from flask import flash
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from peewee import JOIN
from wtforms.validators import DataRequired, Length

from admin.center_common import CenterModelView
from admin.excel import ExcelMixin
from admin.base import WhereFilter
from models import Article, ArticleKind, ArticleStatus, AuditLog, SmsOutbox, SmsPurpose, User, db, now
from services import audit
from services.excel import DATETIME, ExportColumn
from services.validators import mask_phone


class ArticleView(CenterModelView):
    """Articles are written as drafts and published or withdrawn by actions."""

    can_create = True
    can_edit = True
    can_delete = True
    form_columns = ("kind", "title", "body")
    form_args = {
        "kind": {"choices": ArticleKind.choices(), "label": _l("Section")},
        "title": {"validators": [DataRequired(), Length(max=200)], "label": _l("Title")},
        "body": {"validators": [DataRequired()], "label": _l("Content")},
    }
    form_widget_args = {"body": {"rows": 12}}
    column_list = ("title", "kind", "status", "published_at", "author", "created_at")
    column_labels = {
        "title": _l("Title"),
        "kind": _l("Section"),
        "body": _l("Content"),
        "status": _l("Status"),
        "published_at": _l("Published at"),
        "author": _l("Author"),
        "created_at": _l("Created at"),
    }
    column_searchable_list = ("title",)
    column_sortable_list = ("title", "kind", "status", "published_at", "created_at")
    column_default_sort = ("created_at", True)
    column_filters = (
        WhereFilter(Article.kind, _l("Section"), lambda v: Article.kind == v, options=ArticleKind.choices),
        WhereFilter(Article.status, _l("Status"), lambda v: Article.status == v, options=ArticleStatus.choices),
    )
    column_formatters = {
        "kind": lambda v, c, m, n: ArticleKind.label(m.kind),
        "status": lambda v, c, m, n: ArticleStatus.label(m.status),
        "author": lambda v, c, m, n: m.author.real_name if m.author_id else "",
    }

    def base_query(self):
        return Article.select(Article, User).join(User, JOIN.LEFT_OUTER, on=(Article.author == User.id)).switch(Article)

    def on_model_change(self, form, model, is_created):
        if is_created:
            model.author = current_user.id
            model.status = ArticleStatus.DRAFT

    def after_model_change(self, form, model, is_created):
        audit.record("article_created" if is_created else "article_updated", model, title=model.title)

    def on_model_delete(self, model):
        audit.record("article_deleted", model, title=model.title)

    def _set(self, ids, status, message):
        chosen = self.scoped(ids)
        with db.atomic():
            Article.update(status=status, published_at=now() if status == ArticleStatus.PUBLISHED else None).where(
                Article.id.in_([a.id for a in chosen])
            ).execute()
            for article in chosen:
                audit.record("article_" + status, article, title=article.title)
        flash(message % {"count": len(chosen)}, "success")

    @action("publish", _l("Publish"), _l("Publish the selected articles on the portal?"))
    def action_publish(self, ids):
        self._set(ids, ArticleStatus.PUBLISHED, _("%(count)s articles were published."))

    @action("draft", _l("Back to draft"), _l("Take the selected articles off the portal?"))
    def action_draft(self, ids):
        self._set(ids, ArticleStatus.DRAFT, _("%(count)s articles are drafts again."))


class SmsOutboxView(CenterModelView):
    column_list = ("created_at", "phone", "purpose", "body", "backend")
    column_labels = {
        "phone": _l("Mobile"),
        "body": _l("Content"),
        "purpose": _l("Purpose"),
        "backend": _l("Backend"),
        "created_at": _l("Sent at"),
    }
    column_searchable_list = ("phone", "body")
    column_sortable_list = ("created_at", "purpose")
    column_filters = (
        WhereFilter(SmsOutbox.purpose, _l("Purpose"), lambda v: SmsOutbox.purpose == v, options=SmsPurpose.choices),
        "created_at",
    )
    column_formatters = {
        "phone": lambda v, c, m, n: mask_phone(m.phone),
        "purpose": lambda v, c, m, n: SmsPurpose.label(m.purpose),
    }


class AuditLogView(ExcelMixin, CenterModelView):
    """Who did what, when, to which record, with the details — in words (issue 17): the
    action's label, the object's kind, the details as labelled fields."""

    export_name = _l("Audit log")
    export_columns = (
        ExportColumn("时间", AuditLog.created_at, DATETIME),
        ExportColumn("用户", User.username),
        ExportColumn("操作", AuditLog.action, convert=audit.action_label),
        ExportColumn("对象", AuditLog.object_type, convert=audit.object_label),
        ExportColumn("对象编号", AuditLog.object_id),
        ExportColumn("详情", AuditLog.details, convert=lambda v: audit.details_text(_loaded(v))),
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
                    lambda v: AuditLog.user.in_(User.select(User.id).where(User.username == v))),
        WhereFilter(AuditLog.action, _l("Action"), lambda v: AuditLog.action == v,
                    options=audit.ActionLabels.choices),
        "created_at",
    )
    # No search box: actions and objects are stored as codes nobody types; the filters
    # choose them by name.
    column_sortable_list = ("created_at", "action")
    column_formatters = {
        "user": lambda v, c, m, n: f"{m.user.real_name} ({m.user.username})" if m.user_id else "",
        "action": lambda v, c, m, n: audit.action_label(m.action),
        "object_type": lambda v, c, m, n: audit.object_label(m.object_type, m.object_id),
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
        for label, text in audit.detail_items(details)
    )
