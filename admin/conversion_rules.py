"""Conversion methods and rules (SPEC §7, seed 004 §2.3): the ONE form and the editing
views that the institution space and the center (acting on an institution's behalf)
share. Every change goes through ``services.ledger.rules``; the 信息发布安全承诺书 through
``services.ledger.commitment``. A view using these mixins says whose rows it shows (``scope``)
and for which institution it writes (``owner_institution``)."""
import datetime as dt

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.peewee.ajax import QueryAjaxModelLoader
from flask_admin.model.fields import AjaxSelectMultipleField
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from admin.base import SecureForm
from models import (
    CatalogueAchievement,
    Category,
    CategoryKind,
    ConversionRule,
    Institution,
    InstitutionKind,
    Level,
    RuleStatus,
    RuleType,
)
from services.accounts import permissions
from services.files import storage
from services.ledger import commitment, rule_versions, rules

PUBLISH = "publish"
COMMITMENT_LABEL = _l("I solemnly promise that the information I publish is true and valid; I bear all civil, "
                      "administrative and criminal liability arising from false information or violations.")


def owner_institutions():
    """Institutions that award achievements (not departments, teaching points, review bodies):
    the owners the center may choose for a catalogue achievement, a method or a rule."""
    kinds = [InstitutionKind.COLLEGE, InstitutionKind.TRAINING, InstitutionKind.EXAM]
    return Institution.select().where(Institution.kind.in_(kinds)).order_by(Institution.name)


# --- catalogue pickers -------------------------------------------------------------------


class CatalogueLoader(QueryAjaxModelLoader):
    """成果 search for the rule form by 项目名称, 成果名称 or 颁证机构; enabled catalogue achievements only.
    ``kind`` narrows to 学历/非学历, ``courses`` to courses (True) or certificates (False), ``own``
    to the user's institution (center staff see every institution's)."""

    def __init__(self, name, kind=None, courses=None, own=False):
        super().__init__(name, CatalogueAchievement, fields=[CatalogueAchievement.project_name,
                                                             CatalogueAchievement.name, Institution.name])
        self.kind, self.courses, self.own = kind, courses, own

    def format(self, model):
        if not model:
            return None
        credits = "" if model.credits is None else _(" · credit bank credits %(n)s", n=model.credits)
        return (model.id, f"{model.name} · {model.category.name} · {model.institution.name}{credits}")

    def _query(self):
        query = (
            CatalogueAchievement.select(CatalogueAchievement, Institution, Category)
            .join(Institution)
            .switch(CatalogueAchievement)
            .join(Category)
            .where(~CatalogueAchievement.disabled)
        )
        if self.kind == CategoryKind.DEGREE:
            query = query.where(Category.kind == CategoryKind.DEGREE)
        elif self.kind is not None:
            query = query.where(Category.kind != CategoryKind.DEGREE)
        if self.courses is not None:
            ids = rules.course_category_ids()
            query = query.where(Category.id.in_(ids) if self.courses else Category.id.not_in(ids))
        if self.own:
            query = permissions.scope_by_institution(query, CatalogueAchievement.institution, current_user)
        return query

    def get_one(self, pk):
        try:
            return self._query().where(CatalogueAchievement.id == int(pk)).first()
        except (TypeError, ValueError):
            return None

    def get_list(self, term, offset=0, limit=10):
        query = self._query()
        if term:
            pattern = f"%{term}%"
            query = query.where(
                (CatalogueAchievement.project_name ** pattern)
                | (CatalogueAchievement.name ** pattern)
                | (Institution.name ** pattern)
            )
        return list(query.order_by(CatalogueAchievement.name).offset(offset).limit(limit))


SOURCES = CatalogueLoader("sources")
MAJORS = CatalogueLoader("majors", kind=CategoryKind.DEGREE, courses=False, own=True)
COURSES = CatalogueLoader("courses", kind=CategoryKind.DEGREE, courses=True, own=True)
NON_DEGREE = CatalogueLoader("non_degree", kind=CategoryKind.NON_DEGREE, own=True)
AJAX_REFS = {"sources": SOURCES, "majors": MAJORS, "courses": COURSES, "non_degree": NON_DEGREE}


SEARCH = {"data-placeholder": _l("Type to search the catalogue")}

# --- forms -------------------------------------------------------------------------------


class CommitmentFields:
    """The per-upload promise, and the 信息发布安全承诺书 read the first time."""

    commitment = BooleanField(COMMITMENT_LABEL)
    commitment_token = HiddenField()
    commitment_read = HiddenField()


class MethodForm(CommitmentFields, SecureForm):
    institution = SelectField(_l("Institution"), coerce=int)
    name = StringField(_l("Conversion method name"), validators=[DataRequired(), Length(max=200)])
    file = FileField(_l("Upload conversion method"))


class ModuleForm(Form):
    """One 免考模块: 实操, 2 (学分)."""

    name = StringField(_l("Exempt module"), validators=[Optional(), Length(max=40)])
    credits = StringField(_l("Credits"), validators=[Optional(), Regexp(r"^\d{1,3}(\.\d)?$",
                                                                        message=_l("A number such as 2 or 1.5"))])


class RuleForm(CommitmentFields, SecureForm):
    institution = SelectField(_l("Institution"), coerce=int)
    name = StringField(_l("Rule name"), validators=[DataRequired(), Length(max=200)])
    rule_type = SelectField(_l("Conversion rule type"), choices=RuleType.choices())
    sources = AjaxSelectMultipleField(SOURCES, _l("Source achievements"), render_kw=SEARCH)
    majors = AjaxSelectMultipleField(MAJORS, _l("Major (certificate achievement)"), render_kw=SEARCH)
    target_major = StringField(_l("Major"), validators=[Optional(), Length(max=100)])
    target_major_code = StringField(_l("Major code"), validators=[Optional(), Length(max=20)])
    target_level = SelectField(_l("Level"), choices=[("", "-")] + Level.choices(), validators=[Optional()])
    courses = AjaxSelectMultipleField(COURSES, _l("Courses"), render_kw=SEARCH)
    non_degree = AjaxSelectMultipleField(NON_DEGREE, _l("Non-degree achievements"), render_kw=SEARCH)
    modules = FieldList(FormField(ModuleForm), min_entries=3, max_entries=10)
    description = TextAreaField(_l("Conversion description"), validators=[Optional(), Length(max=2000)])
    file = FileField(_l("Upload conversion rule"))
    # 生效日期 (empty: the day it is published) and 失效日期 (empty: no end), rule_versions.
    effective_from = DateField(_l("Effective date"), validators=[Optional()])
    effective_until = DateField(_l("Expiry date"), validators=[Optional()])

    def validate_effective_until(self, field):
        refusal = rule_versions.check_dates(self.effective_from.data, field.data)
        if refusal:
            raise ValidationError(str(refusal))

    def targets(self):
        """(catalogue achievement, 免考模块) pairs of the target side the rule type names."""
        if self.rule_type.data in rules.DEGREE_TARGETS:
            chosen = list(self.majors.data or ()) + list(self.courses.data or ())
            return [(catalogue_achievement, None) for catalogue_achievement in chosen]
        modules = [{"name": row.form.name.data.strip(), "credits": row.form.credits.data.strip()}
                   for row in self.modules if (row.form.name.data or "").strip()]
        return [(catalogue_achievement, modules) for catalogue_achievement in self.non_degree.data or ()]


def pdf_upload(file, owner_type):
    """The stored PDF of a file field (≤ 10 MB, checked by content), or None when empty."""
    if not file or not getattr(file, "filename", ""):
        return None
    return storage.save_upload(file, owner_type, purpose=owner_type, user=current_user.id,
                               allowed=storage.PDF_ONLY, max_mb=10)


class CommitmentViewMixin:
    """Renders the commitment token and checks it before any save; creates, edits and
    deletes through ``services.ledger.rules`` (``delete_service``, ``editable_state``)."""

    can_create = True
    can_edit = True
    can_delete = True

    def _accept_commitment(self, form):
        commitment.accept(current_user._get_current_object(), form.commitment_token.data,
                          form.commitment_read.data == "1")
        if not form.commitment.data:
            raise rules.RuleError(_("Please tick the solemn promise"))

    def _form_context(self):
        user = current_user._get_current_object()
        needed = commitment.needed(user)
        return {"commitment_needed": needed, "commitment_token": commitment.issue(user) if needed else "",
                "read_seconds": commitment.READ_SECONDS}

    def _institution_choices(self, form, institution=None):
        """The center picks the institution (fixed once saved); an institution writes for itself."""
        if institution is not None:
            form.institution.choices = [(institution.id, institution.name)]
            form.institution.data = institution.id
        elif self.owner_institution() is None:
            form.institution.choices = [(i.id, i.name) for i in owner_institutions()]
        else:
            own = self.owner_institution()
            form.institution.choices = [(own.id, own.name)]
            form.institution.data = own.id

    def owner_institution(self):
        """The institution the current user writes for; None for center staff (they choose)."""
        if permissions.is_institution_user(current_user):
            return current_user.institution
        return None

    def _chosen_institution(self, form):
        return self.owner_institution() or Institution.get_or_none(Institution.id == form.institution.data)

    def editable(self, model):
        return self.editable_state(model)

    def deletable(self, model):
        return None if self.editable_state(model) else self.undeletable

    def _to_edit(self, refusal, back_endpoint):
        """The scoped record of ``?id=`` (404 when it is not the user's) and, when its
        state forbids 修改, the redirect to ``back_endpoint`` with ``refusal`` shown."""
        record = self.get_one(request.args.get("id"))
        if record is None:
            abort(404)
        if not self.editable(record):
            flash(refusal, "error")
            return record, redirect(self.get_url(back_endpoint, id=record.id))
        return record, None

    def _run(self, ids, change, message):
        done = 0
        for record in self.scoped(ids):
            try:
                change(record, current_user._get_current_object())
                done += 1
            except rules.RuleError as error:
                flash(f"{record}: {error}", "error")
        if done:
            flash(message % {"count": done}, "success")

    def _delete(self, model):
        try:
            self.delete_service(model, current_user._get_current_object())
        except rules.RuleError as error:
            flash(str(error), "error")
            return False
        return True


class MethodEditing(CommitmentViewMixin):
    """转换办法: 上传转换办法 with 保存 (未发布) or 发布, 修改 / 删除 while 未发布, 发布, 撤销发布."""

    delete_service = staticmethod(rules.delete_method)
    editable_state = staticmethod(rules.method_editable)
    undeletable = _l("A published conversion method cannot be deleted; withdraw its publication first")
    create_template = edit_template = "admin/rules/method_form.html"

    def _render_method_form(self, form, method=None):
        return self.render(self.create_template, form=form, method=method, return_url=self.get_url(".index_view"),
                           **self._form_context())

    def _publish_after_save(self, method):
        if request.form.get("submit_action") != PUBLISH:
            flash(_("The conversion method was saved (unpublished)."), "success")
            return
        try:
            rules.publish_method(method, current_user._get_current_object())
        except rules.RuleError as error:
            flash(_("The conversion method was saved (unpublished) but not published: %(reason)s",
                    reason=str(error)), "error")
        else:
            flash(_("The conversion method was published."), "success")

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        form = MethodForm()
        self._institution_choices(form)
        if form.validate_on_submit():
            try:
                self._accept_commitment(form)
                institution = self._chosen_institution(form)
                upload = pdf_upload(form.file.data, "method")
                if upload is None:
                    raise rules.RuleError(_("Choose the stamped conversion method (PDF)"))
                method = rules.create_method(institution, form.name.data.strip(), upload, current_user.id, True)
            except (rules.RuleError, commitment.CommitmentError, storage.UploadError) as error:
                form.file.errors = [str(error)]
            else:
                self._publish_after_save(method)
                return redirect(self.get_url(".index_view"))
        return self._render_method_form(form)

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        method, refused = self._to_edit(_("A published conversion method cannot be changed; withdraw its publication "
                                          "first"), ".index_view")
        if refused:
            return refused
        form = MethodForm(data={"name": method.name}) if request.method == "GET" else MethodForm()
        self._institution_choices(form, method.institution)
        if form.validate_on_submit():
            try:
                self._accept_commitment(form)
                rules.update_method(method, current_user.id, form.name.data.strip(), pdf_upload(form.file.data, "method"))
            except (rules.RuleError, commitment.CommitmentError, storage.UploadError) as error:
                form.file.errors = [str(error)]
            else:
                self._publish_after_save(method)
                return redirect(self.get_url(".index_view"))
        return self._render_method_form(form, method)

    @action("publish", _l("Publish"), _l("Publish the selected conversion methods?"))
    def action_publish(self, ids):
        self._run(ids, rules.publish_method, _("%(count)s conversion methods were published."))

    @action("unpublish", _l("Withdraw publication"), _l("Withdraw the publication of the selected conversion methods?"))
    def action_unpublish(self, ids):
        self._run(ids, rules.unpublish_method, _("%(count)s conversion methods are unpublished again."))


class RuleEditing(CommitmentViewMixin):
    """转换规则: 转换规则制定 and 修改 with 保存 (未提交) or 发布, 查看, 发布, 撤回发布, 删除."""

    delete_service = staticmethod(rules.delete_rule)
    editable_state = staticmethod(rules.rule_editable)
    undeletable = _l("Only rules that are not submitted or taken down can be deleted")
    form_ajax_refs = AJAX_REFS
    create_template = edit_template = "admin/rules/rule_form.html"
    details_template = "admin/rules/rule_details.html"

    def _save(self, form, rule=None):
        """Create or update from the form; returns the rule or None (errors on the form)."""
        fields = {
            "name": form.name.data.strip(),
            "rule_type": form.rule_type.data,
            "description": form.description.data or None,
            "target_major": form.target_major.data or None,
            "target_major_code": form.target_major_code.data or None,
            "target_level": form.target_level.data or None,
            "commitment_accepted": bool(form.commitment.data),
            "effective_from": form.effective_from.data,
            "effective_until": form.effective_until.data,
        }
        degree_target = form.rule_type.data in rules.DEGREE_TARGETS
        if not degree_target:
            fields.update(target_major=None, target_major_code=None, target_level=None)
        sources = [(catalogue_achievement, None) for catalogue_achievement in form.sources.data or ()]
        user = current_user._get_current_object()
        try:
            self._accept_commitment(form)
            upload = pdf_upload(form.file.data, "rule")
            if upload is not None:
                fields["file"] = upload
            if rule is None:
                institution = self._chosen_institution(form)
                if institution is None:
                    raise rules.RuleError(_("Choose the institution"))
                rule = rules.create_rule(institution, user, sources, form.targets(), **fields)
            else:
                rule = rules.update_rule(rule, user, sources, form.targets(), **fields)
        except (rules.RuleError, commitment.CommitmentError, storage.UploadError) as error:
            form.sources.errors = list(form.sources.errors) + [str(error)]
            return None
        if rule.status == RuleStatus.PUBLISHED:  # a published rule's change: its new version, published
            flash(_("Rule %(code)s version %(version)s was published; the earlier version stays readable.",
                    code=rule.code, version=rule.version), "success")
            return rule
        if request.form.get("submit_action") == PUBLISH:
            try:
                rules.publish_rule(rule, user)
            except rules.RuleError as error:
                flash(str(error), "error")
            else:
                flash(_("Rule %(code)s was published.", code=rule.code), "success")
                return rule
        flash(_("Rule %(code)s was saved (not submitted).", code=rule.code), "success")
        return rule

    def _render_rule_form(self, form, rule=None):
        institution = rule.institution if rule else self.owner_institution()
        method = rules.method_for_rules(institution.id) if institution else True
        return self.render(self.create_template, form=form, rule=rule, missing_method=method is None,
                           degree_target_types=sorted(rules.DEGREE_TARGETS),
                           return_url=self.get_url(".index_view"), method_url=self.method_url(), **self._form_context())

    def method_url(self):
        """Where this user uploads a conversion method (the link shown while none exists)."""
        return None

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        form = RuleForm()
        self._institution_choices(form)
        if form.validate_on_submit():
            rule = self._save(form)
            if rule is not None:
                return redirect(self.get_url(".details_view", id=rule.id))
        return self._render_rule_form(form)

    def editable(self, model):
        return rules.rule_changeable(model)  # a published rule too: by a new version

    def get_query(self):
        return super().get_query().where(ConversionRule.status != RuleStatus.SUPERSEDED)  # versions: one row each

    def get_count_query(self):
        return super().get_count_query().where(ConversionRule.status != RuleStatus.SUPERSEDED)

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        rule, refused = self._to_edit(_("An earlier version of a rule cannot be changed"), ".details_view")
        if refused:
            return refused
        form = RuleForm()
        if request.method == "GET":
            links = rules.rule_links([rule.id])[rule.id]
            modules = next((t.modules for t in links["non_degree"] if t.modules), None) or []
            # Keyword data only: ``obj=rule`` would hand the form the rule's RuleSource rows
            # (its ``sources`` backref) where catalogue achievements belong, and fail with a 500.
            form.process(data={
                "name": rule.name, "rule_type": rule.rule_type, "description": rule.description,
                "target_major": rule.target_major, "target_major_code": rule.target_major_code,
                "target_level": rule.target_level or "",
                # A published rule's change is a new version, in force from today unless set later.
                "effective_from": dt.date.today() if rule_versions.versioned(rule) else rule.effective_from,
                "effective_until": rule.effective_until,
                "sources": [s.catalogue for s in links["sources"]],
                "majors": [t.catalogue for t in links["majors"]],
                "courses": [t.catalogue for t in links["courses"]],
                "non_degree": [t.catalogue for t in links["non_degree"]],
                "modules": modules,
            })
            while len(form.modules) < 3:
                form.modules.append_entry()
        self._institution_choices(form, rule.institution)
        if form.validate_on_submit():
            saved = self._save(form, rule)
            if saved is not None:
                return redirect(self.get_url(".details_view", id=saved.id))
        return self._render_rule_form(form, rule)

    def _details(self, rule, **extra):
        links = rules.rule_links([rule.id])[rule.id]
        return self.render(self.details_template, rule=rule, links=links, editable=rules.rule_editable(rule),
                           changeable=rules.rule_changeable(rule), versions=rule_versions.history(rule),
                           return_url=self.get_url(".index_view"), **extra)

    @expose("/details/")
    def details_view(self):
        rule = self.get_one(request.args.get("id"))
        if rule is None:
            abort(404)
        return self._details(rule, actions=True)

    @action("publish", _l("Publish"), _l("Publish the selected rules?"))
    def action_publish(self, ids):
        self._run(ids, rules.publish_rule, _("%(count)s rules were published."))

    @action("take_down", _l("Withdraw the rule's publication"), _l("Withdraw the publication of the selected rules?"))
    def action_take_down(self, ids):
        self._run(ids, rules.take_down_rule, _("%(count)s rules were taken down."))
