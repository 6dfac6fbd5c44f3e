"""Portal articles (资讯中心, 业务指南, 规章制度; SPEC §10): the center writes them in
Markdown (rendered sanitised on the portal), attaches files, and publishes or withdraws
them by actions. Attachments are ``Attachment`` rows owned by ("article", id)."""
from flask import url_for
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from peewee import JOIN
from wtforms import MultipleFileField, SelectMultipleField, widgets
from wtforms.validators import DataRequired, Length, ValidationError

from admin.base import WhereFilter
from admin.center.base import CenterModelView
from models import Article, ArticleKind, ArticleStatus, Attachment, User, db, now
from services.core import audit, transitions
from services.files import storage
from services.portal.articles import render_markdown

ATTACHMENT_MB = 10


def uploads(field):
    """The files actually chosen in a file field (browsers send one empty part)."""
    return [f for f in field.data or () if getattr(f, "filename", "")]


def check_attachments(form, field):
    for upload in uploads(field):
        try:
            storage.check_upload(upload, storage.EVIDENCE_TYPES, ATTACHMENT_MB)
        except storage.UploadError as error:
            raise ValidationError(str(error)) from None


class CheckboxListField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        # The choices are the article's current attachments, known only per request.
        pass


class ArticleView(CenterModelView):
    """Articles are written as drafts and published or withdrawn by actions."""

    can_create = True
    can_edit = True
    can_delete = True
    form_columns = ("kind", "title", "body")
    form_extra_fields = {
        "attachments": MultipleFileField(
            _l("Attachments"),
            validators=[check_attachments],
            description=_l("PDF or image files, %(mb)s MB each at most; visitors can download them.", mb=ATTACHMENT_MB),
        ),
        "remove_attachments": CheckboxListField(_l("Remove attachments"), coerce=int, choices=[]),
    }
    form_args = {
        "kind": {"choices": ArticleKind.choices(), "label": _l("Section")},
        "title": {"validators": [DataRequired(), Length(max=200)], "label": _l("Title")},
        "body": {
            "validators": [DataRequired()],
            "label": _l("Content"),
            "description": _l("Written in Markdown: # heading, **bold**, - list item, [link text](address), tables."),
        },
    }
    form_widget_args = {"body": {"rows": 14}}
    column_list = ("title", "kind", "status", "published_at", "author", "created_at")
    column_details_list = ("title", "kind", "status", "published_at", "author", "created_at", "body", "files")
    column_labels = {
        "title": _l("Title"),
        "kind": _l("Section"),
        "body": _l("Content"),
        "status": _l("Status"),
        "published_at": _l("Published at"),
        "author": _l("Author"),
        "created_at": _l("Created at"),
        "files": _l("Attachments"),
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
    column_formatters_detail = {
        **column_formatters,
        # The details page previews the article as the portal shows it.
        "body": lambda v, c, m, n: Markup('<div class="cb-article-body">{}</div>').format(render_markdown(m.body)),
        "files": lambda v, c, m, n: Markup("<br>").join(
            Markup('<a href="{}">{}</a>').format(url_for("files.show", attachment_id=a.id), a.original_name) for a in Attachment.of("article", m.id)
        ),
    }

    def base_query(self):
        return Article.select(Article, User).join(User, JOIN.LEFT_OUTER, on=(Article.author == User.id)).switch(Article)

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        form.remove_attachments.choices = [(a.id, a.original_name) for a in Attachment.of("article", obj.id)]
        if not form.remove_attachments.choices:
            del form.remove_attachments
        return form

    def create_form(self, obj=None):
        form = super().create_form(obj)
        del form.remove_attachments
        return form

    def on_model_change(self, form, model, is_created):
        if is_created:
            model.author = current_user.id
            transitions.initial(model, ArticleStatus.DRAFT)

    def after_model_change(self, form, model, is_created):
        with db.atomic():
            for upload in uploads(form.attachments):
                storage.save_upload(upload, "article", model.id, purpose="article", user=current_user.id,
                                    max_mb=ATTACHMENT_MB)
            removed = getattr(form, "remove_attachments", None)
            if removed is not None and removed.data:
                # Only this article's own attachments; the files go at the next sweep-uploads.
                Attachment.delete().where(
                    Attachment.owner_type == "article", Attachment.owner_id == model.id, Attachment.id.in_(removed.data)
                ).execute()
            audit.record("article_created" if is_created else "article_updated", model, title=model.title)

    def on_model_delete(self, model):
        Attachment.delete().where(Attachment.owner_type == "article", Attachment.owner_id == model.id).execute()
        audit.record("article_deleted", model, title=model.title)

    def _set(self, ids, status, message):
        self.move_status(ids, status, None, message, "article",
                         changes={"published_at": now() if status == ArticleStatus.PUBLISHED else None},
                         details=lambda article: {"title": article.title})

    @action("publish", _l("Publish"), _l("Publish the selected articles on the portal?"))
    def action_publish(self, ids):
        self._set(ids, ArticleStatus.PUBLISHED, _("%(count)s articles were published."))

    @action("draft", _l("Back to draft"), _l("Take the selected articles off the portal?"))
    def action_draft(self, ids):
        self._set(ids, ArticleStatus.DRAFT, _("%(count)s articles are drafts again."))
