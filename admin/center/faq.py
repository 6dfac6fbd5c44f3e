"""在线解答 (seed 000): the center keeps the categories and the questions and answers that
learners (and every visitor) search at /faq. Answers are Markdown, shown sanitised. An
entry is kept off the page by unticking 发布; a category holding entries is not deleted."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import JOIN
from wtforms.validators import DataRequired, Length

from admin.base import WhereFilter
from admin.center.base import CenterModelView
from models import FaqCategory, FaqEntry, db, now
from services import audit


class FaqCategoryView(CenterModelView):
    can_create = True
    can_edit = True
    can_delete = True
    form_columns = ("name", "sort_order")
    form_args = {
        "name": {"label": _l("Category name"), "validators": [DataRequired(), Length(max=50)]},
        "sort_order": {"label": _l("Order")},
    }
    column_list = ("name", "sort_order", "created_at")
    column_labels = {"name": _l("Category name"), "sort_order": _l("Order"), "created_at": _l("Created at")}
    column_default_sort = [("sort_order", False), ("id", False)]
    column_sortable_list = ("name", "sort_order")
    column_searchable_list = ("name",)

    def deletable(self, model):
        if FaqEntry.select().where(FaqEntry.category == model.id).exists():
            return _("it still holds questions")
        return None

    def after_model_change(self, form, model, is_created):
        audit.record("faq_category_saved", model, name=model.name)

    def on_model_delete(self, model):
        audit.record("faq_category_deleted", model, name=model.name)


class FaqEntryView(CenterModelView):
    can_create = True
    can_edit = True
    can_delete = True
    form_columns = ("category", "question", "answer", "published", "sort_order")
    form_args = {
        "category": {"label": _l("Category"), "validators": [DataRequired()]},
        "question": {"label": _l("Question"), "validators": [DataRequired(), Length(max=200)]},
        "answer": {"label": _l("Answer"), "validators": [DataRequired(), Length(max=5000)],
                   "description": _l("Markdown: **bold**, lists, links.")},
        "published": {"label": _l("Shown on the page")},
        "sort_order": {"label": _l("Order")},
    }
    form_widget_args = {"answer": {"rows": 8}}
    column_list = ("question", "category", "published", "sort_order", "updated_at")
    column_labels = {"question": _l("Question"), "category": _l("Category"), "published": _l("Shown on the page"),
                     "sort_order": _l("Order"), "updated_at": _l("Updated at"), "answer": _l("Answer")}
    column_default_sort = [("sort_order", False), ("id", False)]
    column_sortable_list = ("question", "sort_order", "updated_at")
    column_searchable_list = ("question",)
    column_filters = (
        WhereFilter(FaqEntry.category, _l("Category"), lambda value: FaqEntry.category == value,
                    options=lambda: [(str(c.id), c.name) for c in FaqCategory.select().order_by(FaqCategory.sort_order)]),
    )
    column_formatters = {"category": lambda v, c, m, n: m.category.name}

    def base_query(self):
        return (FaqEntry.select(FaqEntry, FaqCategory)
                .join(FaqCategory, JOIN.INNER, on=(FaqEntry.category == FaqCategory.id)).switch(FaqEntry))

    def on_model_change(self, form, model, is_created):
        model.updated_at = now()

    def after_model_change(self, form, model, is_created):
        with db.atomic():
            audit.record("faq_saved", model, title=model.question)

    def on_model_delete(self, model):
        audit.record("faq_deleted", model, title=model.question)
