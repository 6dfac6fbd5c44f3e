"""Categories with their schemas, framework levels and the catalogue (SPEC §2, §3).

A subcategory's ``field_schema`` is edited as rows (name, label, type, source, required,
options) and checked before saving: a change that would strand stored values — removing
or renaming a field that learner or catalogue achievements use, changing its type or
source, dropping an enumeration option in use — is refused with the reason.

Catalogue achievements are created from their subcategory's catalogue fields and are never
edited afterwards (the model refuses it too): 认定状态 and 停用 change through actions, and a
catalogue achievement is deleted only while 未认定.
"""
import re

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from peewee import JOIN, Value
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from admin.base import SecureForm, WhereFilter
from admin.center.base import CenterModelView
from admin.conversion_rules import owner_institutions
from admin.excel import ExcelMixin
from models import (
    CatalogueAchievement,
    Category,
    CategoryKind,
    CategoryScope,
    FrameworkLevel,
    Institution,
    LearnerAchievement,
    Level,
    RecognitionStatus,
    db,
)
from services.core import audit
from services.excel import CATALOGUE, DATETIME, ExportColumn
from services.records import catalogue
from services.records.errors import Refused
from services.records.field_schema import FIELD_PREFIX, Marked, schema_field, schema_values, show_refusals
from web import inputs

FIELD_TYPES = (("text", _l("Text")), ("number", _l("Number")), ("date", _l("Date")), ("enum", _l("Enumeration")))
FIELD_SOURCES = (("catalogue", _l("Filled from the catalogue")), ("manual", _l("Filled in by hand")))
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
BLANK_ROWS = 3


# --- schema checks -----------------------------------------------------------------------


def _uses(model, category_id, pattern):
    """How many rows of ``model`` in the category store JSON text containing ``pattern``."""
    # The value bypasses the JSON field's converter: it is a LIKE pattern, not a document.
    # ``_`` in names matches any character, which can only over-count (refuse more).
    like = Value(f"%{pattern}%", converter=False)
    return model.select().where(model.category == category_id, model.fields ** like).count()


def _stored(category_id, name, value=None):
    """Rows (learner achievements + catalogue achievements) that store field ``name``
    (with ``value`` when given). Values are JSON text: ``"name": "value"``."""
    pattern = f'"{name}": ' if value is None else f'"{name}": "{value}"'
    return _uses(LearnerAchievement, category_id, pattern) + _uses(CatalogueAchievement, category_id, pattern)


def schema_errors(schema):
    """Problems of the schema on its own (names, labels, types, options)."""
    errors, seen = [], set()
    for field in schema:
        name = field["name"]
        if not FIELD_NAME.match(name):
            errors.append(_("Field name %(name)s: use lower-case letters, digits and _ , starting with a letter.", name=name))
        if name in seen:
            errors.append(_("Field name %(name)s appears twice.", name=name))
        seen.add(name)
        if not field["label"]:
            errors.append(_("Field %(name)s needs a label.", name=name))
        if field["type"] == "enum" and not field.get("options"):
            errors.append(_("Field %(name)s is an enumeration and needs options.", name=name))
    return errors


def breaking_changes(category, schema):
    """Reasons the new ``schema`` would break what is stored under ``category``."""
    if category is None or category.id is None:
        return []
    new = {f["name"]: f for f in schema}
    reasons = []
    for old in category.field_schema or []:
        name = old["name"]
        used = _stored(category.id, name)
        if not used:
            continue
        field = new.get(name)
        if field is None:
            reasons.append(_("Field %(label)s (%(name)s) is used by %(count)s stored achievements and cannot be removed or renamed.",
                             label=old.get("label", name), name=name, count=used))
            continue
        if field["type"] != old.get("type", "text"):
            reasons.append(_("Field %(label)s (%(name)s) is used by %(count)s stored achievements; its type cannot change.",
                             label=old.get("label", name), name=name, count=used))
        if field["source"] != old.get("source"):
            reasons.append(_("Field %(label)s (%(name)s) is used by %(count)s stored achievements; who fills it in cannot change.",
                             label=old.get("label", name), name=name, count=used))
        for option in set(old.get("options") or []) - set(field.get("options") or []):
            in_use = _stored(category.id, name, option)
            if in_use:
                reasons.append(_("Option %(option)s of field %(label)s is used by %(count)s stored achievements.",
                                 option=option, label=old.get("label", name), count=in_use))
    return reasons


# --- the category form -------------------------------------------------------------------


class SchemaRowForm(Form):
    name = StringField(_l("Field name"), validators=[Optional(), Length(max=40)])
    label = StringField(_l("Label"), validators=[Optional(), Length(max=50)])
    type = SelectField(_l("Type"), choices=FIELD_TYPES, default="text")
    source = SelectField(_l("Filled by"), choices=FIELD_SOURCES, default="manual")
    required = BooleanField(_l("Required"))
    options = StringField(_l("Options (separated by commas)"), validators=[Optional(), Length(max=1000)])


class EvidenceRowForm(Form):
    label = StringField(_l("Material"), validators=[Optional(), Length(max=100)])
    required = BooleanField(_l("Required"))


def _split(text):
    return [part.strip() for part in re.split(r"[,，、]", text or "") if part.strip()]


class CategoryForm(SecureForm):
    name = StringField(_l("Category name"), validators=[DataRequired(), Length(max=50)])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=50)])
    scope = SelectField(_l("Scope"), choices=CategoryScope.choices())
    parent = SelectField(_l("Broad category"), coerce=int, validate_choice=False)
    kind = SelectField(_l("Kind"), choices=CategoryKind.choices())
    sort_order = IntegerField(_l("Order"), default=0, validators=[Optional()])
    active = BooleanField(_l("In use"), default=True)
    requires_authorisation = BooleanField(_l("Storing needs the center's authorisation"))
    manual_storage = BooleanField(_l("Institutions may store it by hand"), default=True)
    learner_category = SelectField(_l("Learner subcategory it appears under"), coerce=int, validate_choice=False)
    schema = FieldList(FormField(SchemaRowForm), label=_l("Form fields"))
    evidence_rows = FieldList(FormField(EvidenceRowForm), label=_l("Related materials"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Category.select().where(Category.parent.is_null()).order_by(Category.scope, Category.sort_order)
        self.parent.choices = [(0, _("None (a broad category)"))] + [
            (c.id, f"{CategoryScope.label(c.scope)} / {c.name}") for c in parents
        ]
        subcategories = Category.select().where(
            Category.parent.is_null(False), Category.scope == CategoryScope.LEARNER
        ).order_by(Category.sort_order)
        self.learner_category.choices = [(0, "-")] + [(c.id, c.name) for c in subcategories]
        obj = self.obj
        if not self.is_submitted():
            if obj is not None:
                self.parent.data = obj.parent_id or 0
                self.learner_category.data = obj.learner_category_id or 0
                for spec in obj.field_schema or []:
                    self.schema.append_entry({**spec, "options": "、".join(spec.get("options") or [])})
                for item in obj.evidence or []:
                    self.evidence_rows.append_entry(item)
            for _i in range(BLANK_ROWS):
                self.schema.append_entry()
                self.evidence_rows.append_entry()

    def schema_data(self):
        rows = []
        for entry in self.schema.entries:
            data = entry.form.data
            name, label = (data["name"] or "").strip(), (data["label"] or "").strip()
            if not name and not label:
                continue  # a blank row
            field = {"name": name, "label": label, "type": data["type"], "source": data["source"],
                     "required": bool(data["required"])}
            if data["type"] == "enum":
                field["options"] = _split(data["options"])
            rows.append(field)
        return rows

    def evidence_data(self):
        return [
            {"label": e.form.label.data.strip(), "required": bool(e.form.required.data)}
            for e in self.evidence_rows.entries
            if (e.form.label.data or "").strip()
        ]

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        problems = []
        parent = Category.get_or_none(Category.id == self.parent.data) if self.parent.data else None
        if self.parent.data and parent is None:
            problems.append(_("The broad category does not exist."))
        if parent is not None and parent.scope != self.scope.data:
            problems.append(_("A subcategory belongs to a broad category of the same scope."))
        obj = self.obj
        if obj is not None and obj.id is not None:
            if parent is not None and obj.children.exists():
                problems.append(_("This broad category has subcategories; it cannot become a subcategory."))
            if self.kind.data != obj.kind and _stored_any(obj.id):
                problems.append(_("Achievements are stored under this category; its kind cannot change."))
        schema = self.schema_data()
        if schema and parent is None:
            problems.append(_("Only subcategories carry form fields."))
        problems += schema_errors(schema)
        problems += breaking_changes(obj, schema)
        taken = Category.select().where(Category.code == self.code.data.strip())
        if obj is not None and obj.id is not None:
            taken = taken.where(Category.id != obj.id)
        if taken.exists():
            self.code.errors = [_("This code is already used.")]
            return False
        if problems:
            self.schema.errors = problems
            return False
        return True

    def populate_obj(self, obj):
        obj.name = self.name.data.strip()
        obj.code = self.code.data.strip()
        obj.scope = self.scope.data
        obj.parent = self.parent.data or None
        obj.kind = self.kind.data
        obj.sort_order = self.sort_order.data or 0
        obj.active = self.active.data
        obj.requires_authorisation = self.requires_authorisation.data
        obj.manual_storage = self.manual_storage.data
        obj.learner_category = self.learner_category.data or None
        obj.field_schema = self.schema_data()
        obj.evidence = self.evidence_data()


def _stored_any(category_id):
    return (
        LearnerAchievement.select().where(LearnerAchievement.category == category_id).exists()
        or CatalogueAchievement.select().where(CatalogueAchievement.category == category_id).exists()
    )


Parent = Category.alias("parent_category")


class CategoryView(CenterModelView):
    """成果分类: the two-level tree; each subcategory with its schema and evidence list."""

    can_create = True
    can_edit = True
    can_delete = True
    form = CategoryForm
    create_template = edit_template = "admin/center/category_form.html"
    details_template = "admin/center/category_details.html"
    # The code is the record's key in the program, not a word for people: searchable, not shown.
    column_list = ("name", "parent", "scope", "kind", "fields", "sort_order", "active")
    column_labels = {
        "name": _l("Category name"),
        "parent": _l("Broad category"),
        "scope": _l("Scope"),
        "kind": _l("Kind"),
        "code": _l("Code"),
        "fields": _l("Form fields"),
        "sort_order": _l("Order"),
        "active": _l("In use"),
    }
    column_default_sort = [("scope", False), ("sort_order", False), ("id", False)]
    column_sortable_list = ("name", "scope", "kind", "sort_order")
    column_searchable_list = ("name", "code")
    column_filters = (
        WhereFilter(Category.scope, _l("Scope"), lambda v: Category.scope == v, options=CategoryScope.choices),
        WhereFilter(Category.kind, _l("Kind"), lambda v: Category.kind == v, options=CategoryKind.choices),
    )
    column_formatters = {
        "parent": lambda v, c, m, n: m.parent.name if m.parent_id else "",
        "scope": lambda v, c, m, n: CategoryScope.label(m.scope),
        "kind": lambda v, c, m, n: CategoryKind.label(m.kind),
        "fields": lambda v, c, m, n: "、".join(f.get("label", f["name"]) for f in m.field_schema or []),
    }

    def base_query(self):
        return Category.select(Category, Parent).join(
            Parent, JOIN.LEFT_OUTER, on=(Category.parent == Parent.id)
        ).switch(Category)

    def render(self, template, **kwargs):
        return super().render(template, field_types=FIELD_TYPES, **kwargs)  # the types in words

    def create_model(self, form):
        category = Category()
        form.populate_obj(category)
        with db.atomic():
            category.save()
            audit.record("category_created", category, code=category.code, fields=category.field_schema)
        return category

    def update_model(self, form, model):
        before = model.field_schema
        form.populate_obj(model)
        with db.atomic():
            model.save()
            audit.record("category_updated", model, code=model.code, before=before, after=model.field_schema)
        return True

    def deletable(self, model):
        if model.children.exists():
            return _("it has subcategories")
        if _stored_any(model.id):
            return _("achievements are stored under it")
        return None

    def on_model_delete(self, model):
        audit.record("category_deleted", model, code=model.code)


class FrameworkLevelView(CenterModelView):
    """广东终身教育资历框架等级标准: seven levels and their descriptors."""

    can_create = True
    can_edit = True
    form_columns = ("level", "name", "knowledge", "skills", "competence")
    form_args = {"level": {"validators": [DataRequired(), NumberRange(min=1, max=7)]}}
    column_list = ("level", "name", "knowledge", "skills", "competence")
    column_labels = {
        "level": _l("Level"),
        "name": _l("Level name"),
        "knowledge": _l("Knowledge"),
        "skills": _l("Skills"),
        "competence": _l("Competence"),
    }
    column_default_sort = ("level", False)

    def after_model_change(self, form, model, is_created):
        audit.record("framework_level_saved", model, level=model.level)


# --- the catalogue -----------------------------------------------------------------------


def subcategories():
    return (
        Category.select(Category, Parent)
        .join(Parent, on=(Category.parent == Parent.id))
        .where(Category.active)
        .order_by(Category.scope, Parent.sort_order, Category.sort_order, Category.id)
    )


def subcategory_options():
    return [(str(c.id), f"{c.parent.name} / {c.name}") for c in subcategories()]


def catalogue_form_class(category):
    """项目名称, 成果名称, 资历机构, the subcategory's catalogue fields, credits, level, dates."""

    class CatalogueForm(SecureForm):
        project_name = StringField(_l("Project name"), validators=[Optional(), Length(max=200)])
        name = StringField(_l("Achievement name"), validators=[Marked(), Optional(), Length(max=200)])
        institution = SelectField(_l("Qualification institution"), coerce=int, validate_choice=True)

    for spec in category.catalogue_fields():
        setattr(CatalogueForm, FIELD_PREFIX + spec["name"], schema_field(spec))
    CatalogueForm.level = SelectField(_l("Level"), choices=[("", "-")] + Level.choices(), validators=[Optional()])
    CatalogueForm.credits = DecimalField(_l("Credit-bank credits"), places=1,
                                         validators=[Optional(), NumberRange(min=0, max=99999)])
    CatalogueForm.framework_level = SelectField(_l("Framework level"), coerce=int, validate_choice=True)
    CatalogueForm.valid_from = DateField(_l("Valid from"), validators=[Optional()])
    CatalogueForm.intro = TextAreaField(_l("Achievement summary"), validators=[Optional(), Length(max=2000)])
    return CatalogueForm


class CatalogueView(ExcelMixin, CenterModelView):
    """名录成果: created from the subcategory's fields, then read-only."""

    import_kinds = (CATALOGUE,)
    export_name = _l("Catalogue achievements")
    export_columns = (
        ExportColumn("项目名称", CatalogueAchievement.project_name),
        ExportColumn("成果名称", CatalogueAchievement.name),
        ExportColumn("资历机构", Institution.name),
        ExportColumn("成果小类", Category.name),
        ExportColumn("学分银行学分", CatalogueAchievement.credits),
        ExportColumn("认定状态", CatalogueAchievement.recognition_status, enum=RecognitionStatus),
        ExportColumn("有效期起始时间", CatalogueAchievement.valid_from),
        ExportColumn("入库时间", CatalogueAchievement.created_at, DATETIME),
    )
    can_create = True
    can_delete = True
    details_template = "admin/center/catalogue_details.html"
    column_list = ("project_name", "name", "institution", "category", "credits", "recognition_status", "disabled",
                   "created_at")
    column_labels = {
        "project_name": _l("Project name"),
        "name": _l("Achievement name"),
        "institution": _l("Qualification institution"),
        "category": _l("Subcategory"),
        "credits": _l("Credit-bank credits"),
        "recognition_status": _l("Recognition status"),
        "disabled": _l("Disabled"),
        "created_at": _l("Stored at"),
    }
    column_searchable_list = ("project_name", "name", Institution.name)
    column_sortable_list = ("project_name", "name", "credits", "recognition_status", "created_at")
    column_default_sort = ("created_at", True)
    column_filters = (
        WhereFilter(CatalogueAchievement.category, _l("Subcategory"),
                    lambda v: CatalogueAchievement.category == v, options=subcategory_options),
        WhereFilter(CatalogueAchievement.recognition_status, _l("Recognition status"),
                    lambda v: CatalogueAchievement.recognition_status == v, options=RecognitionStatus.choices),
        WhereFilter(CatalogueAchievement.disabled, _l("Disabled"),
                    lambda v: CatalogueAchievement.disabled == (v == "1"),
                    options=lambda: [("1", _("Yes")), ("0", _("No"))]),
    )
    column_formatters = {
        "recognition_status": lambda v, c, m, n: RecognitionStatus.label(m.recognition_status),
        "disabled": lambda v, c, m, n: _("Disabled") if m.disabled else "",
    }

    def base_query(self):
        return (
            CatalogueAchievement.select(CatalogueAchievement, Institution, Category)
            .join(Institution)
            .switch(CatalogueAchievement)
            .join(Category)
            .switch(CatalogueAchievement)
        )

    # --- create: pick the subcategory, then its form ------------------------------------

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        category_id = request.args.get("category", type=inputs.db_int)
        category = subcategories().where(Category.id == category_id).first() if category_id else None
        if category is None:
            return self.render("admin/center/catalogue_choose.html", categories=list(subcategories()))
        form = catalogue_form_class(category)()
        form.institution.choices = [(i.id, i.name) for i in owner_institutions()]
        form.framework_level.choices = [(0, "-")] + [
            (f.id, f.name) for f in FrameworkLevel.select().order_by(FrameworkLevel.level)
        ]
        if form.validate_on_submit():
            item = {
                "institution_id": form.institution.data, "project_name": form.project_name.data,
                "name": form.name.data, "fields": schema_values(form, category.catalogue_fields()),
                "level": form.level.data or None, "credits": form.credits.data,
                "framework_level": form.framework_level.data or None, "valid_from": form.valid_from.data,
                "intro": form.intro.data,
            }
            try:
                catalogue_achievement = catalogue.create(current_user._get_current_object(), category, item)
            except Refused as refused:
                show_refusals(form, refused, "name")
            else:
                flash(_("The catalogue achievement was saved. Saved achievements cannot be modified; delete and "
                        "create again."), "success")
                return redirect(self.get_url(".details_view", id=catalogue_achievement.id))
        return self.render(
            "admin/center/catalogue_form.html",
            form=form,
            category=category,
            schema_fields=[FIELD_PREFIX + spec["name"] for spec in category.catalogue_fields()],
        )

    # --- read-only details --------------------------------------------------------------

    @expose("/details/")
    def details_view(self):
        catalogue_achievement = self.get_one(request.args.get("id"))
        if catalogue_achievement is None:
            abort(404)
        values = catalogue_achievement.fields or {}
        fields = [(spec.get("label", spec["name"]), values.get(spec["name"], ""))
                  for spec in catalogue_achievement.category.catalogue_fields()]
        holders = LearnerAchievement.select().where(LearnerAchievement.catalogue == catalogue_achievement.id).count()
        return self.render(
            self.details_template, catalogue_achievement=catalogue_achievement, fields=fields, holders=holders,
            deletable=self.deletable(catalogue_achievement) is None, return_url=self.get_url(".index_view"),
        )

    # --- 认定状态, 停用, delete ------------------------------------------------------------

    def deletable(self, model):
        return catalogue.deletable(model)

    def delete_record(self, model):
        catalogue.delete(current_user._get_current_object(), model)

    def _set(self, ids, message, disabled):
        catalogue_achievements = self.scoped(ids)
        catalogue.set_disabled(current_user._get_current_object(), catalogue_achievements, disabled)
        flash(message % {"count": len(catalogue_achievements)}, "success")

    @action("recognising", _l("Mark as being recognised"), _l("Mark the selected achievements as being recognised?"))
    def action_recognising(self, ids):
        self.move_status(ids, RecognitionStatus.RECOGNISING, None, _("%(count)s achievements are now being recognised."),
                         "catalogue")

    @action("recognised", _l("Mark as recognised"), _l("Mark the selected achievements as recognised?"))
    def action_recognised(self, ids):
        self.move_status(ids, RecognitionStatus.RECOGNISED, None, _("%(count)s achievements are now recognised."),
                         "catalogue")

    @action("unrecognised", _l("Mark as not recognised"), _l("Mark the selected achievements as not recognised?"))
    def action_unrecognised(self, ids):
        self.move_status(ids, RecognitionStatus.UNRECOGNISED, None,
                         _("%(count)s achievements are now not recognised."), "catalogue")

    @action("disable", _l("Disable"), _l("Disable the selected achievements? Learners can no longer choose them."))
    def action_disable(self, ids):
        self._set(ids, _("%(count)s achievements were disabled."), disabled=True)

    @action("enable", _l("Enable"), _l("Enable the selected achievements?"))
    def action_enable(self, ids):
        self._set(ids, _("%(count)s achievements were enabled."), disabled=False)

