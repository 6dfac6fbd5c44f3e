"""Institution registration (注册院校用户, seed 004 §1.1): 省级教育部门 → 院校 → 学校代码 →
phone + SMS code → password → agree; then 注册人信息 and 机构信息, each with 保存 (a draft
kept on the institution, resumed at the next login) and 提交; the last step shows the
login account. The 机构信息 form is shared with 账户管理 in the admin."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from peewee import IntegrityError
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from forms.institution import InstitutionInfoForm
from models import IdType, Institution, InstitutionKind, InstitutionStatus, Role, SmsPurpose, User, db
from services.accounts import permissions, users
from services.core import audit, transitions
from services.messaging import sms
from services.messaging.notify import notify
from services.records.validators import IdNumber, Mobile, StrongPassword
from web import sessions

bp = Blueprint("institution", __name__, url_prefix="/institution")


def _registered_ids():
    return User.select(User.institution).where(permissions.accounts_of(Role.INSTITUTION), User.institution.is_null(False))


def unregistered_colleges():
    """Colleges under a provincial education department that have no institution account yet."""
    return (
        Institution.select()
        .where(
            Institution.kind == InstitutionKind.COLLEGE,
            Institution.department.is_null(False),
            Institution.status != InstitutionStatus.DISABLED,  # the center's decision stands
            Institution.id.not_in(_registered_ids()),
        )
        .order_by(Institution.name)
    )


class RegisterForm(FlaskForm):
    department = SelectField(_l("Provincial education department"), coerce=int, validators=[DataRequired()])
    institution = SelectField(_l("Institution"), coerce=int, validators=[DataRequired()])
    school_code = StringField(_l("School code"), validators=[DataRequired(), Length(max=20)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), StrongPassword])
    confirm = PasswordField(
        _l("Confirm password"), validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ"))]
    )
    phone = StringField(_l("Mobile"), validators=[DataRequired(), Mobile])
    sms_code = StringField(_l("Verification code"), validators=[DataRequired()])
    agree = BooleanField(_l("I have read and agree to the credit bank registration agreement"))  # linked in the page

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Institution.select().where(Institution.kind == InstitutionKind.PROVINCE_DEPT)
        self.department.choices = [(0, _("Please choose the provincial education department"))] + [
            (d.id, d.name) for d in departments.order_by(Institution.name)
        ]
        self.colleges = list(unregistered_colleges())
        self.institution.choices = [(0, _("Please choose the institution"))] + [(c.id, c.name) for c in self.colleges]

    def validate_institution(self, field):
        college = next((c for c in self.colleges if c.id == field.data), None)
        if college is None or college.department_id != self.department.data:
            raise ValidationError(_("Please choose an institution of the chosen department."))
        self.college = college

    def validate_school_code(self, field):
        college = getattr(self, "college", None)
        field.data = (field.data or "").strip()
        if college is not None and field.data != (college.school_code or ""):
            raise ValidationError(_("The school code does not match the institution."))

    def validate_phone(self, field):
        if User.select().where(User.phone == field.data).exists():
            raise ValidationError(_("This mobile number is already bound to an account"))

    def validate_agree(self, field):
        if not field.data:
            raise ValidationError(_("Please agree to the registration agreement."))


class RegistrantForm(FlaskForm):
    """注册人信息."""

    id_type = SelectField(_l("ID type"), choices=[(IdType.MAINLAND_ID, IdType.MAINLAND_ID.label)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    id_number = StringField(_l("ID number"), validators=[DataRequired(), IdNumber],
                            filters=[lambda value: value.strip().upper() if value else value])


def _username_for(college):
    """The login account: the school code, unless another account already uses it."""
    candidate = college.school_code
    if users.username_taken(candidate):
        candidate = f"inst{college.id}"
    return candidate


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(permissions.home_url(current_user))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            sms.verify_code(form.phone.data, SmsPurpose.REGISTER, form.sms_code.data)
        except sms.CodeError as error:
            form.sms_code.errors = [str(error)]
        else:
            user = _create_account(form)
            if user is not None:
                sessions.login(user)
                return redirect(url_for(".register_registrant"))
            form.institution.errors = [_("This institution has already been registered.")]
    return render_template("institution/register.html", form=form)


def _create_account(form):
    """The institution account, or None when the college was registered meanwhile. The
    conditional update claims the college first: a concurrent registration waits on the
    row lock, then finds it in draft and stops."""
    college = form.college
    try:
        with db.atomic():
            # Any state that may become a draft: not a draft already, not disabled.
            claimed = transitions.move(
                Institution, InstitutionStatus.DRAFT, changes={"registration_draft": {}},
                where=[Institution.id == college.id, Institution.id.not_in(_registered_ids())],
            )
            if not claimed:
                return None
            user = users.open_registrant_account(college, _username_for(college), form.phone.data,
                                                    form.password.data)
            audit.record("institution_registered", college, user=user)
    except IntegrityError:  # the phone was bound meanwhile
        return None
    return user


# A registration is edited while a draft, and again after the center refused it.
EDITABLE = (InstitutionStatus.DRAFT, InstitutionStatus.REFUSED)


def _draft_owner():
    """The institution whose registration the logged-in account is completing, or None."""
    if not current_user.is_authenticated or not permissions.is_institution_account(current_user):
        return None
    institution = current_user.institution
    return institution if institution.status in EDITABLE else None


def refusal_reason(institution):
    """The center's reason when it refused the registration, else None."""
    if institution.status != InstitutionStatus.REFUSED:
        return None
    return ((institution.registration_draft or {}).get("review") or {}).get("reason")


def _csrf_ok(form):
    """保存 keeps whatever was typed, valid or not; only the CSRF token must be right."""
    form.validate()
    return "csrf_token" not in form.errors


def _save_draft(institution, key, values):
    draft = dict(institution.registration_draft or {})
    draft[key] = values
    Institution.update(registration_draft=draft).where(Institution.id == institution.id).execute()
    institution.registration_draft = draft


@bp.route("/register/registrant", methods=["GET", "POST"])
@permissions.roles_required(Role.INSTITUTION)
def register_registrant():
    """Step 1 of 3: 注册人信息."""
    institution = _draft_owner()
    if institution is None:
        return redirect(permissions.home_url(current_user))
    saved = (institution.registration_draft or {}).get("registrant") or {}
    form = RegistrantForm(data=saved if request.method == "GET" else None)
    if request.method == "POST" and request.form.get("action") == "save":
        if _csrf_ok(form):
            _save_draft(institution, "registrant", {"name": form.name.data, "id_number": form.id_number.data})
            flash(_("Saved. You can continue after your next login."), "success")
            return redirect(url_for(".register_registrant"))
    elif form.validate_on_submit():
        _save_draft(institution, "registrant", {"name": form.name.data.strip(), "id_number": form.id_number.data})
        _save_draft(institution, "reached", "info")
        users.set_real_name(current_user, form.name.data)
        return redirect(url_for(".register_info"))
    return render_template("institution/registrant.html", form=form, step=1)


@bp.route("/register/info", methods=["GET", "POST"])
@permissions.roles_required(Role.INSTITUTION)
def register_info():
    """Step 2 of 3: 机构信息; 提交 completes the registration."""
    institution = _draft_owner()
    if institution is None:
        return redirect(permissions.home_url(current_user))
    draft = institution.registration_draft or {}
    if not draft.get("registrant", {}).get("id_number"):
        return redirect(url_for(".register_registrant"))
    saved = draft.get("info") or {name: getattr(institution, name) for name in InstitutionInfoForm.FIELDS}
    form = InstitutionInfoForm(data=saved if request.method == "GET" else None)
    if request.method == "POST" and request.form.get("action") == "save":
        if _csrf_ok(form):
            _save_draft(institution, "info", {name: form[name].data for name in form.FIELDS})
            flash(_("Saved. You can continue after your next login."), "success")
            return redirect(url_for(".register_info"))
    elif form.validate_on_submit():
        # The draft keeps what was submitted: after a refusal the form shows it for correction.
        _save_draft(institution, "info", {name: form[name].data for name in form.FIELDS})
        _submit(institution, form.values())
        return redirect(url_for(".register_done"))
    return render_template("institution/info.html", form=form, institution=institution, step=2,
                           refusal=refusal_reason(institution))


def _submit(institution, values):
    """提交: the registration waits for the center's review (待审核); the center staff are told."""
    with db.atomic():
        try:
            transitions.move(institution, InstitutionStatus.PENDING, expected=EDITABLE, changes=values,
                             audit="institution_registration_completed")
        except transitions.TransitionRefused:  # submitted meanwhile (a second tab)
            return
        for staff in permissions.center_staff():
            notify(staff, _("Institution registration to review"),
                   _("%(name)s submitted its registration; please review it.", name=institution.name),
                   link=url_for("institutions.details_view", id=institution.id))


@bp.route("/register/done")
@permissions.roles_required(Role.INSTITUTION)
def register_done():
    """Step 3 of 3: 完成 — the login account, and that the center reviews it first."""
    return render_template("institution/done.html", user=current_user, step=3,
                           pending=current_user.institution.status == InstitutionStatus.PENDING)


@bp.route("/agreement")
def agreement():
    """The registration agreement the first step asks to accept."""
    return render_template("institution/agreement.html")
