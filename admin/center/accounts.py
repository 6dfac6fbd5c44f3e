"""Accounts (SPEC §5): staff created by the center, and every learner.

A new staff or institution account gets an SMS naming the account with a link to set its
password (services/password_links.py; 重置密码 sends a new one). No password is ever
chosen here or sent by SMS.
"""
from flask import abort, flash, request
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from peewee import JOIN, IntegrityError
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from admin.base import SecureForm, WhereFilter
from admin.center.base import CenterModelView
from admin.excel import ExcelMixin
from admin.lists import common, rare
from models import (
    STAFF_ROLES,
    AccountStatus,
    Application,
    CatalogueAchievement,
    Institution,
    LearnerAchievement,
    Role,
    User,
    db,
)
from services import accounts, audit, password_links, permissions
from services.excel import DATETIME, LEARNER_ACCOUNTS, ExportColumn
from services.validators import Mobile, mask_id, mask_phone


def send_password_link(user, institution=None):
    """SMS the account's name and a link to set its password (never a password); in
    development the page shows the link, so the first login works without a gateway."""
    link = password_links.send(user, by=current_user._get_current_object(), institution=institution)
    shown = password_links.development_link(link)
    if shown:
        flash(_("Development: %(username)s sets the password at %(link)s", username=user.username, link=shown), "info")


def phone_taken(phone, other_than=None):
    """Whether another account than ``other_than`` is bound to ``phone``."""
    query = User.select().where(User.phone == phone.strip())
    if other_than is not None:
        query = query.where(User.id != other_than.id)
    return query.exists()


def teaching_point_choices():
    return [(0, "-")] + [(p.id, p.name) for p in Institution.teaching_points()]


def unique_account_checks(form, username_field, phone_field):
    """Field errors for a login name or mobile number already taken."""
    ok = True
    if accounts.username_taken(username_field.data):
        username_field.errors = [_("This username is already taken")]
        ok = False
    if phone_taken(phone_field.data):
        phone_field.errors = [_("This mobile number is already bound to an account")]
        ok = False
    return ok


class AccountStatusActions:
    """停用 / 启用 of the selected accounts (with an audit entry each)."""

    @action("disable", _l("Disable"), _l("Disable the selected accounts? They can no longer log in."))
    def action_disable(self, ids):
        self.move_status(ids, AccountStatus.DISABLED, (AccountStatus.ACTIVE, AccountStatus.INACTIVE),
                         _("%(count)s accounts were disabled."), "account")

    @action("enable", _l("Enable"), _l("Enable the selected accounts?"))
    def action_enable(self, ids):
        self.move_status(ids, AccountStatus.ACTIVE, (AccountStatus.DISABLED,), _("%(count)s accounts were enabled."),
                         "account")


# --- staff -----------------------------------------------------------------------------


def require_teaching_point(field):
    if not Institution.teaching_points().where(Institution.id == field.data).exists():
        raise ValidationError(_("A teaching-point administrator needs their teaching point."))


class StaffForm(SecureForm):
    role = SelectField(_l("Role"), choices=[(r, r.label) for r in (Role.CENTER, Role.REVIEWER, Role.COMMITTEE)])
    username = StringField(_l("Login account"), validators=[DataRequired(), Length(max=50),
                                                            Regexp(r"^[A-Za-z0-9_]+$", message=_l("Letters and digits only"))])
    real_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    phone = StringField(_l("Mobile"), validators=[DataRequired(), Mobile])
    institution = SelectField(_l("Teaching point"), coerce=int, validate_choice=False)
    department = StringField(_l("Department"), validators=[Optional(), Length(max=100)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.institution.choices = teaching_point_choices()

    def validate_institution(self, field):
        if permissions.is_reviewer(self.role.data):
            require_teaching_point(field)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        return unique_account_checks(self, self.username, self.phone) and valid


class StaffEditForm(SecureForm):
    """修改: the login account and the role stay (a new role is a new account)."""

    real_name = StaffForm.real_name
    phone = StaffForm.phone
    institution = StaffForm.institution
    department = StaffForm.department

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        self.account = obj
        self.institution.choices = teaching_point_choices()
        if obj is not None and not self.is_submitted():
            self.institution.data = obj.institution_id or 0

    def validate_institution(self, field):
        if permissions.is_reviewer(self.account):
            require_teaching_point(field)

    def validate_phone(self, field):
        if phone_taken(field.data, other_than=self.account):
            raise ValidationError(_("This mobile number is already bound to an account"))


class StaffView(AccountStatusActions, ExcelMixin, CenterModelView):
    """Center staff, teaching-point administrators and committee members."""

    export_name = _l("Staff accounts")
    export_columns = (
        ExportColumn("登录账号", User.username),
        ExportColumn("姓名", User.real_name),
        ExportColumn("角色", User.role, enum=Role),
        ExportColumn("教学点", Institution.name),
        ExportColumn("部门", User.department),
        ExportColumn("账号状态", User.status, enum=AccountStatus),
        ExportColumn("最近登录", User.last_login_at, DATETIME),
    )

    can_create = True
    can_edit = True
    form = StaffForm
    create_template = edit_template = "admin/center/staff_form.html"
    column_list = ("username", "real_name", "role", "institution", "department", "phone", "status", "last_login_at")
    column_details_list = ("username", "real_name", "role", "institution", "department", "phone", "status",
                           "must_change_password", "created_at", "last_login_at")
    column_labels = {
        "username": _l("Login account"),
        "real_name": _l("Name"),
        "role": _l("Role"),
        "institution": _l("Teaching point"),
        "department": _l("Department"),
        "phone": _l("Mobile"),
        "status": _l("Account status"),
        "must_change_password": _l("Must choose a password"),
        "created_at": _l("Created at"),
        "last_login_at": _l("Last login"),
    }
    column_searchable_list = ("username", "real_name")
    column_sortable_list = ("username", "real_name", "role", "status", "last_login_at")
    column_filters = (
        WhereFilter(User.role, _l("Role"), lambda v: permissions.accounts_of(v),
                    options=lambda: [(r, r.label) for r in (Role.CENTER, Role.REVIEWER, Role.COMMITTEE)]),
        WhereFilter(User.status, _l("Account status"), lambda v: User.status == v, options=AccountStatus.choices),
    )
    column_formatters = {
        "role": lambda v, c, m, n: Role.label(m.role),
        "status": lambda v, c, m, n: AccountStatus.label(m.status),
        "phone": lambda v, c, m, n: mask_phone(m.phone),
        "institution": lambda v, c, m, n: m.institution.name if m.institution_id else "",
    }

    def base_query(self):
        return User.select(User, Institution).join(
            Institution, JOIN.LEFT_OUTER, on=(User.institution == Institution.id)
        ).switch(User)

    def scope(self, query):
        # Staff are a handful among the learners: looked up by role, not found by
        # walking every account (see admin.lists.rare).
        return query.where(rare(permissions.accounts_of(*sorted(STAFF_ROLES))))

    def create_model(self, form):
        with db.atomic():
            user = accounts.create_staff(form.role.data, form.username.data, form.real_name.data, form.phone.data,
                                         form.institution.data, form.department.data)
            send_password_link(user)
        flash(_("The account %(username)s was created; a link to set the password was sent by SMS to %(phone)s.",
                username=user.username, phone=mask_phone(user.phone)), "success")
        return user

    def get_edit_form(self):
        return StaffEditForm

    def update_model(self, form, model):
        try:
            accounts.update_staff(model, form.real_name.data, form.phone.data, form.institution.data,
                                  form.department.data)
        except IntegrityError:  # a concurrent change took the phone number
            flash(_("This mobile number is already bound to an account"), "error")
            return False
        return True

    @action("reset", _l("Reset password"), _l("Send the selected accounts a new link to set the password by SMS?"))
    def action_reset(self, ids):
        users = [u for u in self.scoped(ids) if u.phone]
        with db.atomic():
            for user in users:
                send_password_link(user)
                audit.record("password_reset", user, username=user.username)
        flash(_("%(count)s accounts got a new link to set the password by SMS.", count=len(users)), "success")


# --- learners --------------------------------------------------------------------------


class LearnerView(AccountStatusActions, ExcelMixin, CenterModelView):
    """Every learner account, masked; imports of 未激活 learner accounts."""

    import_kinds = (LEARNER_ACCOUNTS,)
    export_name = _l("Learner accounts")
    export_columns = (
        ExportColumn("用户名", User.username),
        ExportColumn("学员姓名", User.real_name),
        ExportColumn("身份证号", User.id_number),
        ExportColumn("手机号码", User.phone),
        ExportColumn("教学点", Institution.name),
        ExportColumn("账户状态", User.status, enum=AccountStatus),
        ExportColumn("注册时间", User.created_at, DATETIME),
    )
    details_template = "admin/center/learner_details.html"
    column_list = ("username", "real_name", "id_number", "phone", "teaching_point", "status", "created_at")
    column_labels = {
        "username": _l("Username"),
        "real_name": _l("Name"),
        "id_number": _l("ID number"),
        "phone": _l("Mobile"),
        "teaching_point": _l("Teaching point"),
        "status": _l("Account status"),
        "created_at": _l("Registered at"),
    }
    column_searchable_list = ("username", "real_name", "id_number", "phone")
    column_sortable_list = ("username", "real_name", "status", "created_at")
    column_default_sort = ("created_at", True)
    column_filters = (
        WhereFilter(User.teaching_point, _l("Teaching point"), lambda v: User.teaching_point == v,
                    options=lambda: [(str(p.id), p.name) for p in Institution.teaching_points()]),
        WhereFilter(User.status, _l("Account status"), lambda v: User.status == v, options=AccountStatus.choices),
    )
    column_formatters = {
        "id_number": lambda v, c, m, n: mask_id(m.id_number),
        "phone": lambda v, c, m, n: mask_phone(m.phone),
        "status": lambda v, c, m, n: AccountStatus.label(m.status),
        "teaching_point": lambda v, c, m, n: m.teaching_point.name if m.teaching_point_id else "",
    }

    def base_query(self):
        return User.select(User, Institution).join(
            Institution, JOIN.LEFT_OUTER, on=(User.teaching_point == Institution.id)
        ).switch(User)

    def scope(self, query):
        return query.where(common(permissions.accounts_of(Role.LEARNER)))

    @expose("/details/")
    def details_view(self):
        learner = self.get_one(request.args.get("id"))
        if learner is None:
            abort(404)
        achievements = list(
            LearnerAchievement.for_learner(learner).order_by(LearnerAchievement.created_at.desc())
        )
        applications = list(
            Application.select(Application, LearnerAchievement, CatalogueAchievement)
            .join(LearnerAchievement)
            .switch(Application)
            .join(CatalogueAchievement, JOIN.LEFT_OUTER, on=(Application.target == CatalogueAchievement.id))
            .where(Application.learner == learner.id)
            .order_by(Application.submitted_at.desc())
        )
        return self.render(self.details_template, learner=learner, achievements=achievements,
                           applications=applications, return_url=self.get_url(".index_view"))

