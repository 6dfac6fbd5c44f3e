"""Institutions, their authorisations, and the conversion methods and rules the center
maintains on their behalf (SPEC §2, §5, §7). State changes go through ``services.rules``,
the same functions the institution space uses."""
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from peewee import JOIN, fn
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, Regexp

from admin.base import SecureForm, WhereFilter
from admin.center.accounts import send_password_link, unique_account_checks
from admin.center.base import CenterModelView
from admin.conversion_rules import MethodEditing, RuleEditing
from admin.excel import ExcelMixin
from models import (
    CatalogueAchievement,
    Category,
    CategoryScope,
    ConversionMethod,
    ConversionRule,
    Institution,
    InstitutionAuthorisation,
    InstitutionKind,
    InstitutionStatus,
    PublishStatus,
    RuleStatus,
    RuleType,
    User,
    db,
)
from services import accounts, audit
from services.excel import DATETIME, ExportColumn
from services.records import institutions as registrations
from services.records.errors import Refused
from services.validators import Mobile

Department = Institution.alias("department")


def _catalogue_count():
    return CatalogueAchievement.select(fn.COUNT(CatalogueAchievement.id)).where(
        CatalogueAchievement.institution == Institution.id
    )


def _rule_count():
    return ConversionRule.select(fn.COUNT(ConversionRule.id)).where(ConversionRule.institution == Institution.id)


def _account_count():
    return User.select(fn.COUNT(User.id)).where(User.institution == Institution.id)


def departments():
    return Institution.select().where(Institution.kind == InstitutionKind.PROVINCE_DEPT).order_by(Institution.name)


class RegistrationReviewForm(SecureForm):
    decision = SelectField(choices=[("approve", _l("Approve")), ("refuse", _l("Not approved"))])
    reason = TextAreaField(_l("Reason for not passing"), validators=[Optional(), Length(max=500)])


class InstitutionView(ExcelMixin, CenterModelView):
    """院校/机构: list, create (with its account), approve or disable, authorise types."""

    export_name = _l("Institutions")
    export_columns = (
        ExportColumn("机构名称", Institution.name),
        ExportColumn("类型", Institution.kind, enum=InstitutionKind),
        ExportColumn("省级教育部门", Department.name),
        ExportColumn("学校代码", Institution.school_code),
        ExportColumn("状态", Institution.status, enum=InstitutionStatus),
        ExportColumn("名录成果数", _catalogue_count()),
        ExportColumn("转换规则数", _rule_count()),
        ExportColumn("账号数", _account_count()),
    )
    can_create = True
    can_edit = True
    details_template = "admin/center/institution_details.html"
    form_columns = ("name", "kind", "department", "school_code", "identifier_code", "credit_code", "supervisor",
                    "school_type", "legal_representative", "contact_name", "contact_phone", "contact_email",
                    "postal_code", "address", "intro")
    form_args = {
        "kind": {"choices": InstitutionKind.choices()},
        "contact_phone": {"validators": [Optional(), Mobile]},
    }
    column_list = ("name", "kind", "department", "school_code", "status", "catalogue_count", "rule_count",
                   "account_count")
    column_labels = {
        "name": _l("Institution name"),
        "kind": _l("Kind"),
        "department": _l("Provincial education department"),
        "school_code": _l("School code"),
        "identifier_code": _l("Institution identifier code"),
        "credit_code": _l("Unified social credit code"),
        "supervisor": _l("Supervising body"),
        "school_type": _l("School type"),
        "legal_representative": _l("Legal representative or head"),
        "contact_name": _l("Contact person"),
        "contact_phone": _l("Contact mobile"),
        "contact_email": _l("Contact email"),
        "postal_code": _l("Postal code"),
        "address": _l("Address"),
        "intro": _l("Introduction"),
        "status": _l("Status"),
        "catalogue_count": _l("Catalogue achievements"),
        "rule_count": _l("Conversion rules"),
        "account_count": _l("Accounts"),
    }
    column_searchable_list = ("name", "school_code")
    column_sortable_list = ("name", "kind", "status", "school_code")
    column_default_sort = ("name", False)
    column_filters = (
        WhereFilter(Institution.kind, _l("Kind"), lambda v: Institution.kind == v, options=InstitutionKind.choices),
        WhereFilter(Institution.department, _l("Provincial education department"),
                    lambda v: Institution.department == v,
                    options=lambda: [(str(d.id), d.name) for d in departments()]),
        WhereFilter(Institution.status, _l("Status"), lambda v: Institution.status == v,
                    options=InstitutionStatus.choices),
    )
    column_formatters = {
        "kind": lambda v, c, m, n: InstitutionKind.label(m.kind),
        "status": lambda v, c, m, n: InstitutionStatus.label(m.status),
        "department": lambda v, c, m, n: m.department.name if m.department_id else "",
        "catalogue_count": lambda v, c, m, n: m.catalogue_count,
        "rule_count": lambda v, c, m, n: m.rule_count,
        "account_count": lambda v, c, m, n: m.account_count,
    }

    def base_query(self):
        return (
            Institution.select(
                Institution, Department, _catalogue_count().alias("catalogue_count"),
                _rule_count().alias("rule_count"), _account_count().alias("account_count"),
            )
            .join(Department, JOIN.LEFT_OUTER, on=(Institution.department == Department.id))
            .switch(Institution)
        )

    def _departments_only(self, form):
        form.department.query = departments()
        return form

    def create_form(self, obj=None):
        return self._departments_only(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._departments_only(super().edit_form(obj))

    def get_create_form(self):
        base = super().get_create_form()

        class CreateForm(base):
            account_username = StringField(_l("Institution account (optional)"), validators=[
                Optional(), Length(max=50), Regexp(r"^[A-Za-z0-9_]+$", message=_l("Letters and digits only"))])
            account_phone = StringField(_l("Account mobile"), validators=[
                Optional(), Mobile])

            def validate(self, extra_validators=None):
                valid = super().validate(extra_validators)
                if not self.account_username.data:
                    return valid
                if not self.account_phone.data:
                    self.account_phone.errors = [_("The account needs a mobile number for its link to set the password.")]
                    return False
                return unique_account_checks(self, self.account_username, self.account_phone) and valid

        return CreateForm

    def after_model_change(self, form, model, is_created):
        audit.record("institution_created" if is_created else "institution_updated", model, name=model.name)
        username = getattr(form, "account_username", None)
        if not is_created or username is None or not username.data:
            return
        with db.atomic():
            user = accounts.create_institution_account(model, username.data, form.account_phone.data)
            send_password_link(user, institution=model.name)
        flash(_("The account %(username)s was created; a link to set the password was sent by SMS.",
                username=user.username), "success")

    @action("approve", _l("Approve"), _l("Approve the selected registrations awaiting review?"))
    def action_approve(self, ids):
        """审核通过 of the selected registrations, each through the records service (SMS, audit)."""
        done = 0
        for institution in self.scoped(ids):
            try:
                registrations.approve_institution(institution, current_user._get_current_object())
                done += 1
            except Refused as error:
                flash(f"{institution.name}: {error}", "error")
        if done:
            flash(_("%(count)s institutions were approved.", count=done), "success")

    @expose("/review/", methods=("GET", "POST"))
    def review_view(self):
        """审核通过 / 不通过 (with reason) of a submitted registration."""
        institution = self.get_one(request.args.get("id")) or abort(404)
        form = RegistrationReviewForm()
        if form.validate_on_submit():
            user = current_user._get_current_object()
            try:
                if form.decision.data == "approve":
                    registrations.approve_institution(institution, user)
                    flash(_("%(name)s: registration approved; the registrant was told by SMS.", name=institution.name),
                          "success")
                else:
                    registrations.refuse_institution(institution, user, form.reason.data)
                    flash(_("%(name)s: registration not approved; the registrant was told the reason by SMS.",
                            name=institution.name), "warning")
            except Refused as error:
                if institution.status == InstitutionStatus.PENDING and form.decision.data == "refuse":
                    form.reason.errors = [str(error)]
                    return self._details(institution, form)
                flash(str(error), "error")
            return redirect(self.get_url(".details_view", id=institution.id))
        return self._details(institution, form)

    @action("disable", _l("Disable"), _l("Disable the selected institutions?"))
    def action_disable(self, ids):
        self.move_status(ids, InstitutionStatus.DISABLED,
                   (InstitutionStatus.ACTIVE, InstitutionStatus.PENDING, InstitutionStatus.DRAFT,
                    InstitutionStatus.UNREGISTERED),
                   _("%(count)s institutions were disabled."), "institution")

    @action("enable", _l("Enable"), _l("Enable the selected institutions?"))
    def action_enable(self, ids):
        self.move_status(ids, InstitutionStatus.ACTIVE, (InstitutionStatus.DISABLED,),
                   _("%(count)s institutions were enabled."), "institution")

    @expose("/details/")
    def details_view(self):
        institution = self.get_one(request.args.get("id"))
        if institution is None:
            abort(404)
        return self._details(institution, RegistrationReviewForm())

    def _details(self, institution, review_form):
        counted = self.get_query().where(Institution.id == institution.id).first()
        draft = institution.registration_draft or {}
        return self.render(self.details_template, model=counted, authorised=self._authorised(institution),
                           return_url=self.get_url(".index_view"), review_form=review_form,
                           registrant=draft.get("registrant") or {}, review=draft.get("review") or {})

    # --- authorisation of the non-degree types (SPEC §2) ---------------------------------

    @staticmethod
    def _authorised(institution):
        return set(
            InstitutionAuthorisation.select(InstitutionAuthorisation.category)
            .where(InstitutionAuthorisation.institution == institution.id)
            .scalars()
        )

    @expose("/authorise/", methods=("GET", "POST"))
    def authorise_view(self):
        institution = self.get_one(request.args.get("id"))
        if institution is None:
            abort(404)
        types = list(Category.select().where(
            Category.scope == CategoryScope.INSTITUTION, Category.requires_authorisation, Category.parent.is_null(False)
        ).order_by(Category.sort_order))
        form = SecureForm()
        if request.method == "POST" and form.validate_on_submit():
            wanted = {t.id for t in types if str(t.id) in request.form.getlist("category")}
            before = self._authorised(institution)
            with db.atomic():
                InstitutionAuthorisation.delete().where(
                    InstitutionAuthorisation.institution == institution.id,
                    InstitutionAuthorisation.category.in_(list(before - wanted)),
                ).execute()
                for category_id in wanted - before:
                    InstitutionAuthorisation.create(institution=institution, category=category_id,
                                                    granted_by=current_user.id)
                audit.record("institution_authorised", institution, granted=sorted(wanted - before),
                             revoked=sorted(before - wanted))
            flash(_("The authorisations of %(name)s were saved.", name=institution.name), "success")
            return redirect(self.get_url(".details_view", id=institution.id))
        return self.render("admin/center/institution_authorise.html", institution=institution, types=types,
                           authorised=self._authorised(institution), form=form)


# --- conversion methods and rules, on the institutions' behalf ---------------------------


class MethodView(MethodEditing, CenterModelView):
    """转换办法 on behalf of institutions (the institution space's own form and service)."""

    list_template = "admin/institution/_list.html"  # row 修改 / 删除 only when allowed

    column_list = ("name", "institution", "status", "file", "published_at", "created_at")
    column_labels = {
        "name": _l("Method name"),
        "institution": _l("Institution"),
        "status": _l("Status"),
        "file": _l("File"),
        "published_at": _l("Published at"),
        "created_at": _l("Created at"),
        "commitment_accepted": _l("Commitment accepted"),
        "created_by": _l("Created by"),
    }
    column_searchable_list = ("name", Institution.name)
    column_sortable_list = ("name", "status", "published_at", "created_at")
    column_default_sort = ("created_at", True)
    column_filters = (
        WhereFilter(ConversionMethod.status, _l("Status"), lambda v: ConversionMethod.status == v,
                    options=PublishStatus.choices),
    )
    column_formatters = {
        "status": lambda v, c, m, n: PublishStatus.label(m.status),
        "institution": lambda v, c, m, n: m.institution.name,
        "file": lambda v, c, m, n: storage_link(m.file_id),
    }

    def base_query(self):
        return ConversionMethod.select(ConversionMethod, Institution).join(Institution).switch(ConversionMethod)


def storage_link(attachment_id):
    if not attachment_id:
        return ""
    return Markup('<a href="{}" target="_blank">PDF</a>').format(url_for("files.show", attachment_id=attachment_id))


class RuleView(ExcelMixin, RuleEditing, CenterModelView):
    """转换规则 on behalf of institutions: codes generated, edit/delete only when 未提交/下架."""

    list_template = "admin/institution/_list.html"  # row 修改 / 删除 only when allowed

    export_name = _l("Conversion rules")
    export_columns = (
        ExportColumn("规则编码", ConversionRule.code),
        ExportColumn("规则名称", ConversionRule.name),
        ExportColumn("转换规则类型", ConversionRule.rule_type, enum=RuleType),
        ExportColumn("机构", Institution.name),
        ExportColumn("状态", ConversionRule.status, enum=RuleStatus),
        ExportColumn("发布时间", ConversionRule.published_at, DATETIME),
    )
    column_list = ("code", "name", "rule_type", "institution", "status", "published_at")
    column_labels = {
        "code": _l("Rule code"),
        "name": _l("Rule name"),
        "rule_type": _l("Conversion rule type"),
        "institution": _l("Institution"),
        "status": _l("Status"),
        "published_at": _l("Published at"),
    }
    column_searchable_list = ("code", "name", Institution.name)
    column_sortable_list = ("code", "name", "status", "published_at")
    column_default_sort = ("code", True)
    column_filters = (
        WhereFilter(ConversionRule.status, _l("Status"), lambda v: ConversionRule.status == v,
                    options=RuleStatus.choices),
        WhereFilter(ConversionRule.rule_type, _l("Conversion rule type"), lambda v: ConversionRule.rule_type == v,
                    options=RuleType.choices),
    )
    column_formatters = {
        "status": lambda v, c, m, n: RuleStatus.label(m.status),
        "rule_type": lambda v, c, m, n: RuleType.label(m.rule_type),
        "institution": lambda v, c, m, n: m.institution.name,
    }

    def base_query(self):
        return ConversionRule.select(ConversionRule, Institution).join(Institution).switch(ConversionRule)

    def method_url(self):
        return url_for("center_methods.create_view")
