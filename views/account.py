"""Accounts a visitor manages without logging in (SPEC §5): self-registration,
activation of imported learners, forgotten password."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from peewee import IntegrityError
from wtforms import DateField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from models import AccountStatus, Gender, IdType, Institution, Role, SmsPurpose, User, db
from services import accounts, activation, audit, permissions, regions, sessions, sms, throttle, transitions
from services.validators import (
    Mobile,
    StrongPassword,
    Username,
    check_email,
    check_id_number,
    field_validator,
    id_birth_date,
    id_gender,
)

bp = Blueprint("account", __name__)
EmailAddress = field_validator(check_email)

NATIONALITIES = ["中国", "中国香港", "中国澳门", "中国台湾", "其他"]
ETHNICITIES = ["汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族", "其他"]


def _password_fields():
    return (
        PasswordField(_l("Password"), validators=[DataRequired(), StrongPassword]),
        PasswordField(
            _l("Confirm password"),
            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ"))],
        ),
    )


class RegisterForm(FlaskForm):
    agree = HiddenField()
    username = StringField(_l("Username"), validators=[DataRequired(), Username])
    real_name = StringField(_l("Real name"), validators=[DataRequired(), Length(max=50)])
    password, confirm = _password_fields()
    nationality = SelectField(_l("Nationality"), choices=[(n, n) for n in NATIONALITIES], default="中国")
    ethnicity = SelectField(_l("Ethnicity"), choices=[(e, e) for e in ETHNICITIES], default="汉族")
    gender = SelectField(_l("Gender"), choices=Gender.choices(), validators=[DataRequired()])
    id_type = SelectField(_l("ID type"), choices=IdType.choices(), default=IdType.MAINLAND_ID)
    id_number = StringField(_l("ID number"), validators=[DataRequired(), Length(max=32)])
    birth_date = DateField(_l("Birth date"), validators=[DataRequired()])
    email = StringField(_l("Email"), validators=[Optional(), EmailAddress])
    province = SelectField(_l("Province"), validators=[DataRequired()])
    city = SelectField(_l("City"), validators=[DataRequired()])
    district = SelectField(_l("District"), validators=[DataRequired(message=_l("Please choose the district"))])
    address = StringField(_l("Detailed address"), validators=[DataRequired(), Length(max=200)])
    teaching_point = SelectField(_l("Teaching point"), coerce=int, validators=[DataRequired()])
    phone = StringField(_l("Mobile"), validators=[DataRequired(), Mobile])
    sms_code = StringField(_l("Verification code"), validators=[DataRequired()])

    def validate_id_number(self, field):
        field.data = (field.data or "").strip().upper()
        if self.id_type.data != IdType.MAINLAND_ID:
            return
        message = check_id_number(field.data)
        if message:
            raise ValidationError(_("ID number %(message)s", message=message))

    def validate(self, extra_validators=None):
        """Every field's problem at once: the cross-checks and the duplicate checks run for
        each field that is well-formed itself, whatever the other fields hold."""
        # Taken usernames, phones, ID numbers and e-mails are said only once the SMS code
        # proved the phone (``unique``): before that the form answers alike for all.
        valid = super().validate(extra_validators)
        if self.id_type.data == IdType.MAINLAND_ID and self.id_number.data and not self.id_number.errors:
            # A mainland ID carries the birth date and the gender: they must agree.
            if self.birth_date.data and not self.birth_date.errors and \
                    self.birth_date.data != id_birth_date(self.id_number.data):
                self.birth_date.errors.append(_("The birth date does not match the ID number"))
                valid = False
            if self.gender.data and not self.gender.errors and self.gender.data != id_gender(self.id_number.data):
                self.gender.errors.append(_("The gender does not match the ID number"))
                valid = False
        return valid

    def unique(self):
        """Phones, ID numbers and e-mails already registered, each on its field (e-mails
        whatever their case); asked only once the SMS code proved the phone."""
        if self.email.data:
            self.email.data = self.email.data.strip().lower()
        checks = [
            (self.username, accounts.username_taken, _("This username is already taken")),
            (self.phone, lambda v: User.select().where(User.phone == v).exists(),
             _("This mobile number is already bound to an account")),
            (self.id_number, lambda v: User.select().where(User.id_number == v).exists(),
             _("This ID number is already registered")),
            (self.email, accounts.email_taken, _("This email is already registered")),
        ]
        valid = True
        for field, taken, message in checks:
            if field.data and not field.errors and taken(field.data):
                field.errors.append(message)
                valid = False
        return valid


def teaching_point_choices():
    return [(0, _("Please choose"))] + [(tp.id, tp.name) for tp in Institution.teaching_points()]


@bp.route("/register", methods=["GET", "POST"])
def register():
    """个人注册: the service terms first, then every field, then phone and SMS code."""
    if current_user.is_authenticated:
        return redirect(permissions.home_url(current_user))
    form = RegisterForm()
    form.teaching_point.choices = teaching_point_choices()
    regions.bind(form)
    agreed = request.values.get("agree") == "1"
    if not agreed:
        return render_template("account/terms.html")
    if form.is_submitted():
        # Every field's problem at once (issue 17), the code's among them; a right code is
        # used up only with the account it creates (_create_learner).
        valid = form.validate()
        code_ok = False
        if form.phone.data and not form.phone.errors and form.sms_code.data:
            try:
                sms.verify_code(form.phone.data, SmsPurpose.REGISTER, form.sms_code.data, consume=False)
                code_ok = True
            except sms.CodeError as error:
                form.sms_code.errors.append(str(error))
        # Taken phones, ID numbers and e-mails are said only to the holder of a valid code.
        unique = code_ok and _address_allowed("register", form.sms_code) and form.unique()
        if valid and unique:
            user = _create_learner(form)
            if user is not None:
                sessions.login(user)
                audit.record("register", user, user=user)
                flash(_("Registration succeeded. Welcome!"), "success")
                return redirect(url_for("learner.home"))
            form.username.errors.append(_("Username, phone, email or ID number is already registered"))
    form.agree.data = "1"
    return render_template("account/register.html", form=form)


def _address_allowed(name, field):
    """Per-address limit on a public form's submissions: their answers tell whether an ID
    number or phone is registered, so guessing them in bulk is slowed down."""
    try:
        throttle.attempt(throttle.PUBLIC_FORM_PER_ADDRESS, f"{name}:{request.remote_addr or ''}")
    except throttle.Throttled as error:
        field.errors = list(field.errors) + [str(error)]
        return False
    return True


def _create_learner(form):
    fields = {name: getattr(form, name).data for name in (
        "username", "real_name", "nationality", "ethnicity", "gender", "id_type", "id_number", "birth_date",
        "province", "city", "district", "address", "phone", "teaching_point")}
    try:
        with db.atomic():
            user = accounts.register_learner(form.password.data, email=form.email.data or None, **fields)
            sms.verify_code(form.phone.data, SmsPurpose.REGISTER, form.sms_code.data)
    except IntegrityError:  # a concurrent registration took the same identifier
        return None
    except sms.CodeError as error:  # a concurrent submission used the code
        form.sms_code.errors.append(str(error))
        return None
    return user


# --- activation of imported learners ----------------------------------------------------


class ActivateLookupForm(FlaskForm):
    id_number = StringField(_l("ID number"), validators=[DataRequired(), Length(max=32)])


class ActivateForm(FlaskForm):
    sms_code = StringField(_l("Verification code"))
    password, confirm = _password_fields()


# The session keeps the ID number typed, never whether an account was found: every page
# and answer of the activation is the same for registered, imported and unknown numbers.
ACTIVATE_KEY = "activate_id_number"
CODE_SENT = _l("If this ID number belongs to an account waiting for activation with a bound mobile phone, a "
               "verification code has been sent to that phone.")


def _waiting(id_number):
    """The imported learner account of ``id_number`` that is waiting for activation, or None."""
    if not id_number:
        return None
    return User.get_or_none(User.id_number == id_number, permissions.accounts_of(Role.LEARNER),
                            User.status == AccountStatus.INACTIVE)


def _with_phone(user):
    return user if user is not None and user.phone else None


@bp.route("/activate", methods=["GET", "POST"])
def activate():
    """去激活账号: 证件号码 → SMS code to the bound phone → password twice → 激活成功; accounts
    without a phone continue at /activate/email."""
    if request.args.get("restart"):
        session.pop(ACTIVATE_KEY, None)
    id_number = session.get(ACTIVATE_KEY)
    if not id_number:
        return _activate_lookup()
    user = _with_phone(_waiting(id_number))
    form = ActivateForm()
    dev_code = None
    if request.method == "POST" and "send_code" in request.form:
        dev_code = _send_activation_code(user)
        form.password.errors = form.confirm.errors = ()
    elif form.validate_on_submit():
        try:
            sms.verify_code(user.phone if user else None, SmsPurpose.ACTIVATE, form.sms_code.data)
        except sms.CodeError as error:
            form.sms_code.errors.append(str(error))
        else:
            return _open_account(user, form.password.data)
    return render_template("account/activate.html", form=form, dev_code=dev_code)


def _send_activation_code(user):
    """The same answer whether or not a code went out; the code in development."""
    try:
        # The same address limit as /sms/send: this is the activation's code button.
        throttle.attempt(throttle.SMS_PER_ADDRESS, request.remote_addr or "")
    except throttle.Throttled as error:
        flash(str(error), "warning")
        return None
    value = None
    if user is not None:
        try:
            value = sms.issue_code(user.phone, SmsPurpose.ACTIVATE)
        except sms.CodeError:
            value = None  # the phone's limits say nothing either
    flash(str(CODE_SENT), "info")
    return value if sms.is_development() else None


def _open_account(user, password):
    try:
        with db.atomic():
            accounts.set_password(user, password)
            transitions.move(user, AccountStatus.ACTIVE, expected=(AccountStatus.INACTIVE,),
                             refusal=_("This account is already activated"), audit="activate", user=user)
    except transitions.TransitionRefused as error:  # activated meanwhile (a second tab, the center)
        session.pop(ACTIVATE_KEY, None)
        flash(str(error), "warning")
        return redirect(url_for("auth.login"))
    session.pop(ACTIVATE_KEY, None)
    return render_template("account/activated.html", user=user)


def _activate_lookup():
    form = ActivateLookupForm()
    if form.validate_on_submit() and _address_allowed("activate", form.id_number):
        id_number = form.id_number.data.strip().upper()
        # A mistyped mainland ID is told as such: that says nothing about accounts.
        mistyped = len(id_number) == 18 and check_id_number(id_number)
        if mistyped:
            form.id_number.errors.append(_("ID number %(message)s", message=mistyped))
        else:
            _waiting(id_number)  # the same query whatever follows: the same time
            session[ACTIVATE_KEY] = id_number
            return redirect(url_for("account.activate"))
    return render_template("account/activate_lookup.html", form=form)


# --- activation by e-mail and account review (manual 003) -------------------------------


class EmailActivateForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=100), EmailAddress])
    password, confirm = _password_fields()


@bp.route("/activate/email", methods=["GET", "POST"])
def activate_by_email():
    """An imported learner without a phone: e-mail address + password → the center's
    account review, whose result is e-mailed. The page answers the same for every ID
    number; only an account that can use this route gets a request filed."""
    id_number = session.get(ACTIVATE_KEY)
    if not id_number:
        return redirect(url_for("account.activate"))
    form = EmailActivateForm()
    received = False
    if form.validate_on_submit() and _address_allowed("activate_email", form.email):
        activation.request_by_email(_waiting(id_number), form.email.data, form.password.data)
        received = True
    return render_template("account/activate_email.html", form=form, received=received)


# --- forgotten password -----------------------------------------------------------------


class ForgotPasswordForm(FlaskForm):
    phone = StringField(_l("Mobile"), validators=[DataRequired(), Mobile])
    sms_code = StringField(_l("Verification code"), validators=[DataRequired()])
    password, confirm = _password_fields()


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """Reset a forgotten password with an SMS code to the bound phone."""
    form = ForgotPasswordForm()
    if form.validate_on_submit() and _address_allowed("forgot", form.sms_code):
        user = User.get_or_none(User.phone == form.phone.data)
        try:
            # An unknown number never got a code: it is answered as a missing code, so the
            # page does not tell which numbers are registered.
            sms.verify_code(user.phone if user else None, SmsPurpose.RESET_PASSWORD, form.sms_code.data,
                            consume=False)
            if user.status == AccountStatus.INACTIVE:
                raise accounts.AccountError(_("This account is not activated yet; please activate it first"))
            with db.atomic():
                accounts.set_password(user, form.password.data)
                sms.verify_code(user.phone, SmsPurpose.RESET_PASSWORD, form.sms_code.data)
        except (sms.CodeError, accounts.AccountError) as error:
            form.sms_code.errors.append(str(error))
        else:
            audit.record("password_reset", user, user=user)
            flash(_("Your password has been reset; please log in with the new password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("account/forgot_password.html", form=form)
