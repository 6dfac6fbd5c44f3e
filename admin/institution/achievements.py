"""机构成果管理 (seed 004 §2.2.1): the institution's own catalogue achievements. 存储新成果 picks a
type, then renders that type's form from its schema (types are data); saved catalogue
achievements are read-only (the model refuses changes) and may be deleted only while 未认定."""
from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from peewee import JOIN, fn
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from admin.base import SecureForm, WhereFilter
from admin.excel import ExcelMixin
from admin.institution.base import MENU_MANAGE, InstitutionModelView
from models import (
    AchievementStatus,
    CatalogueAchievement,
    Category,
    CategoryScope,
    ConversionRule,
    LearnerAchievement,
    Permission,
    RecognitionStatus,
    RuleSource,
    RuleTarget,
)
from services.accounts import permissions
from services.excel import DATETIME, INSTITUTION_ACHIEVEMENTS, ExportColumn
from services.records import catalogue
from services.records.errors import Refused
from services.records.field_schema import FIELD_PREFIX, Marked, schema_field, schema_values, show_refusals

# 成果类型 is the parent of the catalogue achievement's subcategory (成果子类型).
TypeParent = Category.alias("type_parent")


def institution_types():
    """成果子类型: the institution-scope subcategories, in tree order."""
    Parent = Category.alias()
    return (
        Category.select(Category, Parent)
        .join(Parent, on=(Category.parent == Parent.id))
        .where(Category.scope == CategoryScope.INSTITUTION, Category.active)
        .order_by(Parent.sort_order, Category.sort_order, Category.id)
    )


def _institution_tree():
    """The institution-scope categories, read once per request: two list filters offer them."""
    if "institution_tree" not in g:
        g.institution_tree = list(
            Category.select().where(Category.scope == CategoryScope.INSTITUTION).order_by(Category.sort_order, Category.id)
        )
    return g.institution_tree


def type_options():
    """成果子类型: as ``institution_types()``, from the request's copy of the tree."""
    tree = _institution_tree()
    roots = {c.id: c for c in tree if c.parent_id is None}
    types = [c for c in tree if c.parent_id in roots and c.active]
    types.sort(key=lambda c: (roots[c.parent_id].sort_order, c.sort_order, c.id))
    return [(str(c.id), c.name) for c in types]


def kind_options():
    """成果类型: the institution-scope broad categories (学历成果, 非学历成果) by kind."""
    return [(root.kind, root.name) for root in _institution_tree() if root.parent_id is None]


def kind_filter(category_field):
    """成果类型 filter: rows whose ``category_field`` is a category of the chosen kind."""
    return WhereFilter(
        category_field,
        _l("Achievement type"),
        lambda kind: category_field.in_(Category.select(Category.id).where(Category.kind == kind)),
        options=kind_options,
    )


# --- the type's form, built from its schema ---------------------------------------------


def achievement_form_class(category):
    """成果名称, the type's catalogue fields, 有效期起始时间 and 成果简介."""

    class AchievementForm(SecureForm):
        name = StringField(_l("Achievement name"), validators=[Marked(), Optional(), Length(max=200)])
        project_name = StringField(_l("Project name"), validators=[Optional(), Length(max=200)])

    for spec in category.catalogue_fields():
        setattr(AchievementForm, FIELD_PREFIX + spec["name"], schema_field(spec))
    AchievementForm.valid_from = DateField(_l("Valid from"), validators=[Optional()])
    AchievementForm.intro = TextAreaField(_l("Achievement summary"), validators=[Optional(), Length(max=2000)])
    return AchievementForm


def _holder_count():
    return (
        LearnerAchievement.select(fn.COUNT(LearnerAchievement.id))
        .where(
            LearnerAchievement.catalogue == CatalogueAchievement.id,
            LearnerAchievement.stored_by == CatalogueAchievement.institution,
            LearnerAchievement.status != AchievementStatus.WITHDRAWN,
        )
    )


def _rule_count():
    sources = RuleSource.select(RuleSource.rule).where(RuleSource.catalogue == CatalogueAchievement.id)
    targets = RuleTarget.select(RuleTarget.rule).where(RuleTarget.catalogue == CatalogueAchievement.id)
    return ConversionRule.select(fn.COUNT(ConversionRule.id)).where(
        ConversionRule.id.in_(sources) | ConversionRule.id.in_(targets)
    )


class InstitutionAchievementView(ExcelMixin, InstitutionModelView):
    permission = Permission.ACHIEVEMENTS
    import_kinds = (INSTITUTION_ACHIEVEMENTS,)
    export_name = _l("Institution achievements")
    export_columns = (
        ExportColumn("成果名称", CatalogueAchievement.name),
        ExportColumn("项目名称", CatalogueAchievement.project_name),
        ExportColumn("成果类型", TypeParent.name),
        ExportColumn("成果子类型", Category.name),
        ExportColumn("认定状态", CatalogueAchievement.recognition_status, enum=RecognitionStatus),
        ExportColumn("获证学员数量", _holder_count()),
        ExportColumn("关联转换规则", _rule_count()),
        ExportColumn("有效期起始时间", CatalogueAchievement.valid_from),
        ExportColumn("成果简介", CatalogueAchievement.intro),
        ExportColumn("入库时间", CatalogueAchievement.created_at, DATETIME),
    )
    scope_field = CatalogueAchievement.institution
    list_args = ("kind", "type")
    can_delete = True
    list_template = "admin/institution/achievements_list.html"
    details_template = "admin/institution/achievement_details.html"
    column_list = ("name", "kind", "category", "recognition_status", "holders", "rules")
    column_labels = {
        "name": _l("Achievement name"),
        "kind": _l("Achievement type"),
        "category": _l("Achievement subtype"),
        "recognition_status": _l("Recognition status"),
        "holders": _l("Certified learners"),
        "rules": _l("Related conversion rules"),
        "created_at": _l("Stored at"),
    }
    column_sortable_list = ("name", "recognition_status", "created_at")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("name",)
    column_filters = (
        kind_filter(CatalogueAchievement.category),
        WhereFilter(
            CatalogueAchievement.category,
            _l("Achievement subtype"),
            lambda value: CatalogueAchievement.category == value,
            options=type_options,
        ),
        WhereFilter(
            CatalogueAchievement.recognition_status,
            _l("Recognition status"),
            lambda value: CatalogueAchievement.recognition_status == value,
            options=RecognitionStatus.choices,
        ),
    )

    def _format_kind(view, context, model, name):
        return model.category.parent.name if model.category.parent_id else ""

    def _format_status(view, context, model, name):
        return RecognitionStatus.label(model.recognition_status)

    def _format_holders(view, context, model, name):
        if "may_see_learners" not in g:
            # The link leads to 学员成果, a menu a sub-user may not have.
            g.may_see_learners = permissions.has_permission(current_user, Permission.LEARNER_ACHIEVEMENTS)
        if not g.may_see_learners:
            return model.holder_count
        url = url_for("inst_learner_achievements.index_view", catalogue=model.id)
        return Markup('<a href="{}">{}</a>').format(url, model.holder_count)

    def _format_rules(view, context, model, name):
        url = url_for(".details_view", id=model.id) + "#rules"
        return Markup('<a href="{}">{}</a>').format(url, model.rule_count)

    column_formatters = {
        "kind": _format_kind,
        "recognition_status": _format_status,
        "holders": _format_holders,
        "rules": _format_rules,
    }

    def base_query(self):
        return (
            CatalogueAchievement.select(
                CatalogueAchievement,
                Category,
                TypeParent,
                _holder_count().alias("holder_count"),
                _rule_count().alias("rule_count"),
            )
            .join(Category)
            .join(TypeParent, JOIN.LEFT_OUTER, on=(Category.parent == TypeParent.id))
            .switch(CatalogueAchievement)
        )

    def narrow(self, query, args):
        if args.get("kind"):
            kinds = Category.select(Category.id).where(Category.kind == args["kind"])
            query = query.where(CatalogueAchievement.category.in_(kinds))
        if args.get("type"):
            query = query.where(CatalogueAchievement.category == args["type"])
        return query

    def deletable(self, model):
        return catalogue.deletable(model)

    def delete_record(self, model):
        catalogue.delete(current_user._get_current_object(), model)

    # --- details ----------------------------------------------------------------------

    def related_rules(self, model):
        sources = RuleSource.select(RuleSource.rule).where(RuleSource.catalogue == model.id)
        targets = RuleTarget.select(RuleTarget.rule).where(RuleTarget.catalogue == model.id)
        return list(
            ConversionRule.select()
            .where(ConversionRule.id.in_(sources) | ConversionRule.id.in_(targets))
            .order_by(ConversionRule.code)
        )

    # --- 存储新成果 -----------------------------------------------------------------------

    @expose("/store/")
    def choose_type_view(self):
        """选择成果类型: every type, with the reason a type cannot be stored by hand."""
        institution_id = current_user.institution_id
        groups = {}
        for category in institution_types():
            groups.setdefault(category.parent, []).append((category, catalogue.storable_refusal(category, institution_id)))
        return self.render("admin/institution/achievement_types.html", groups=groups)

    @expose("/store/<int:category_id>/", methods=("GET", "POST"))
    def store_view(self, category_id):
        category = Category.get_or_none(Category.id == category_id, Category.scope == CategoryScope.INSTITUTION)
        if category is None or category.parent_id is None:
            abort(404)
        refusal = catalogue.storable_refusal(category, current_user.institution_id)
        if refusal:
            flash(str(refusal), "error")
            return redirect(url_for(".choose_type_view"))
        form = achievement_form_class(category)()
        if request.method == "GET":
            issuer = getattr(form, "f_issuer", None)
            if issuer is not None and not issuer.data:
                issuer.data = current_user.institution.name
        if form.validate_on_submit():
            item = {
                "institution_id": current_user.institution_id, "project_name": form.project_name.data,
                "name": form.name.data, "fields": schema_values(form, category.catalogue_fields()),
                "valid_from": form.valid_from.data, "intro": form.intro.data,
            }
            try:
                catalogue_achievement = catalogue.create(current_user._get_current_object(), category, item)
            except Refused as refused:
                show_refusals(form, refused, "name")
            else:
                flash(_("The achievement was stored. Saved achievements cannot be modified."), "success")
                return redirect(url_for(".details_view", id=catalogue_achievement.id))
        return self.render(
            "admin/institution/achievement_form.html",
            form=form,
            category=category,
            schema_fields=["f_" + spec["name"] for spec in category.catalogue_fields()],
        )


def register(admin):
    admin.add_view(
        InstitutionAchievementView(
            CatalogueAchievement,
            name=_l("Institution achievements"),
            category=MENU_MANAGE,
            endpoint="inst_achievements",
        )
    )
