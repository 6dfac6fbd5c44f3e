"""账户管理 (seed 004 §2.6): 机构信息 view and 修改, the bound phone change, and 用户管理 —
sub-users with the menus they may use, 停用 / 启用 / 重置密码 / 删除 / 修改. Passwords are
changed on the shared page (auth.change_password), which asks institutions for an SMS code."""

from flask import abort, flash, redirect, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from peewee import IntegrityError
from wtforms import PasswordField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, ValidationError

from admin import lists
from admin.base import SecureForm
from admin.institution.base import MENU_ACCOUNT, InstitutionModelView, InstitutionPage
from forms.institution import InstitutionInfoForm
from models import AccountStatus, Institution, Permission, Role, SmsPurpose, User, UserPermission
from services import accounts, audit, password_links, permissions, sms
from services.validators import Mobile, Username, mask_phone


class PhoneChangeForm(FlaskForm):
    """更换手机号: login password + new phone + SMS code sent to the new phone."""

    password = PasswordField(_l("Login password"), validators=[DataRequired()])
    phone = StringField(_l("New mobile number"), validators=[DataRequired(), Mobile])
    sms_code = StringField(_l("Verification code"), validators=[DataRequired()])


class InstitutionInfoView(InstitutionPage):
    """机构信息: everyone of the institution may read it; the institution account edits it."""

    @expose("/")
    def index(self):
        return self.render("admin/institution/info.html", institution=current_user.institution,
                           can_edit=permissions.may_edit_institution(current_user))

    @expose("/edit/", methods=("GET", "POST"))
    def edit(self):
        if not permissions.may_edit_institution(current_user):
            abort(403)
        institution = current_user.institution
        form = InstitutionInfoForm(obj=institution)
        if form.validate_on_submit():
            values = form.values()
            Institution.update(**values).where(Institution.id == institution.id).execute()
            audit.record("institution_info_changed", institution, fields=sorted(values))
            flash(_("Institution information saved."), "success")
            return redirect(url_for(".index"))
        return self.render("admin/institution/info_edit.html", form=form, institution=institution)


class ProfileView(InstitutionPage):
    """个人资料: the login account, name and bound phone, with 更换 of the phone."""

    @expose("/", methods=("GET", "POST"))
    def index(self):
        user = current_user._get_current_object()
        form = PhoneChangeForm()
        if form.validate_on_submit():
            if not accounts.verify_password(user, form.password.data):
                form.password.errors = [_("The login password is wrong")]
            else:
                try:
                    sms.verify_code(form.phone.data, SmsPurpose.CHANGE_PHONE, form.sms_code.data)
                    accounts.change_phone(user, form.phone.data)
                except sms.CodeError as error:
                    form.sms_code.errors = [str(error)]
                except IntegrityError:
                    form.phone.errors = [_("This mobile number is already bound to an account")]
                else:
                    flash(_("The bound mobile number was changed."), "success")
                    return redirect(url_for(".index"))
        return self.render("admin/institution/profile.html", user=user, form=form)


# --- 用户管理 ------------------------------------------------------------------------------


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SubUserForm(SecureForm):
    # The rule is said before the first try, not only after a refused save.
    username = StringField(_l("Login account"), validators=[DataRequired(), Username],
                           description=_l("Letters and digits only, 4 to 30 characters"))
    real_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    phone = StringField(_l("Mobile"), validators=[DataRequired(), Mobile])
    menus = MultiCheckboxField(_l("Permissions"), choices=Permission.choices)

    def _unique(self, field, column, message):
        taken = User.select().where(column == field.data)
        if self.obj is not None:
            taken = taken.where(User.id != self.obj.id)
        if taken.exists():
            raise ValidationError(message)

    def validate_username(self, field):
        if accounts.username_taken(field.data, exclude_id=self.obj.id if self.obj is not None else None):
            raise ValidationError(_("This username is already taken"))

    def validate_phone(self, field):
        self._unique(field, User.phone, _("This mobile number is already bound to an account"))


def send_password_link(user):
    """SMS the sub-user's login name and a link to set the password (never a chosen
    password: SPEC §5); in development the page shows the link."""
    link = password_links.send(user, by=current_user._get_current_object(), institution=current_user.institution.name)
    shown = password_links.development_link(link)
    if shown:
        flash(_("Development: %(username)s sets the password at %(link)s", username=user.username, link=shown), "info")


class SubUserView(InstitutionModelView):
    """用户管理: only the institution account manages its sub-users."""

    roles = frozenset({Role.INSTITUTION})
    scope_field = User.institution
    can_create = True
    can_edit = True
    can_delete = True
    form = SubUserForm
    column_list = ("username", "real_name", "phone", "status", "menus", "created_at")
    column_details_list = ("username", "real_name", "phone", "status", "menus", "created_at")
    column_labels = {
        "username": _l("Login account"),
        "real_name": _l("Name"),
        "phone": _l("Mobile"),
        "status": _l("Account status"),
        "menus": _l("Permissions"),
        "created_at": _l("Created at"),
    }
    column_sortable_list = ("username", "real_name", "status", "created_at")
    column_searchable_list = ("username", "real_name")

    def _format_menus(view, context, model, name):
        granted = getattr(model, "granted", None)
        if granted is None:
            granted = {p.permission for p in model.permissions}
        return "、".join(str(label) for code, label in Permission.choices() if code in granted)

    column_formatters = {
        "phone": lambda v, c, m, n: mask_phone(m.phone),
        "status": lambda v, c, m, n: AccountStatus.label(m.status),
        "menus": _format_menus,
    }
    column_formatters_detail = column_formatters

    def scope(self, query):
        # Sub-users are a handful among a million users: looked up by role, not by a name.
        return super().scope(query).where(lists.rare(permissions.accounts_of(Role.SUBUSER)))

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        count, rows = super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        if not execute:  # the export streams the query itself
            return count, rows
        rows = list(rows)
        # One query for every row's permissions instead of one per row.
        granted = {}
        ids = [row.id for row in rows]
        for user_id, code in UserPermission.select(UserPermission.user, UserPermission.permission).where(
            UserPermission.user.in_(ids)
        ).tuples():
            granted.setdefault(user_id, set()).add(code)
        for row in rows:
            row.granted = granted.get(row.id, set())
        return count, rows

    def on_form_prefill(self, form, id):
        model = self.get_one(id)
        form.menus.data = [p.permission for p in model.permissions]

    def create_model(self, form):
        user = accounts.save_subuser(current_user.institution_id, None, form.username.data, form.real_name.data,
                                     form.phone.data, form.menus.data)
        send_password_link(user)
        flash(_("A link to set the password was sent to the sub-user's mobile phone."), "success")
        return user

    def update_model(self, form, model):
        accounts.save_subuser(current_user.institution_id, model, form.username.data, form.real_name.data,
                              form.phone.data, form.menus.data)
        return True

    def delete_record(self, model):
        accounts.delete_subuser(model)

    @action("disable", _l("Disable"), _l("Disable the selected sub-users? They are logged out at once."))
    def action_disable(self, ids):
        self.move_status(ids, AccountStatus.DISABLED, (AccountStatus.ACTIVE, AccountStatus.INACTIVE),
                         _("%(count)s sub-users were disabled."), "subuser")

    @action("enable", _l("Enable"), _l("Enable the selected sub-users?"))
    def action_enable(self, ids):
        self.move_status(ids, AccountStatus.ACTIVE, (AccountStatus.DISABLED,), _("%(count)s sub-users were enabled."),
                         "subuser")

    @action("reset_password", _l("Reset password"), _l("Send the selected sub-users a new link to set the password?"))
    def action_reset_password(self, ids):
        users = self.scoped(ids)
        for user in users:
            send_password_link(user)
            audit.record("subuser_password_reset", user)
        if users:
            flash(_("%(count)s sub-users received a link to set the password by SMS.", count=len(users)), "success")


def register(admin):
    admin.add_view(InstitutionInfoView(name=_l("Institution information"), category=MENU_ACCOUNT, endpoint="inst_info"))
    admin.add_view(ProfileView(name=_l("Personal profile"), category=MENU_ACCOUNT, endpoint="inst_profile"))
    admin.add_view(SubUserView(User, name=_l("User management"), category=MENU_ACCOUNT, endpoint="inst_users"))

