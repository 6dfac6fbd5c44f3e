"""Login, logout, password change (forced at first login where flagged), SMS codes."""
from urllib.parse import urlparse

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from models import SmsPurpose, User
from services import accounts, audit, login_hints, login_policy, permissions, sessions, sms, throttle
from services.validators import StrongPassword, check_mobile

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    identity = RadioField(
        _l("Identity"),
        choices=[("person", _l("Individual user")), ("institution", _l("Institution user"))],
        default="person",
    )
    identifier = StringField(
        _l("Username / mobile / email / ID number"), validators=[DataRequired(), Length(max=100)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    sms_code = StringField(_l("Verification code"), validators=[Length(max=10)])


class ChangePasswordForm(FlaskForm):
    old_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), StrongPassword])
    confirm = PasswordField(
        _l("Confirm new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ"))],
    )
    sms_code = StringField(_l("Verification code"))


class FirstPasswordForm(FlaskForm):
    """At first login an account created with a one-time code chooses its password."""

    new_password = PasswordField(_l("New password"), validators=[DataRequired(), StrongPassword])
    confirm = PasswordField(
        _l("Confirm new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ"))],
    )


def safe_next(target):
    """Only same-site relative paths are followed after login."""
    if not target:
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The failed-login policy is services.login_policy's (see its docstring)."""
    if current_user.is_authenticated:
        return redirect(permissions.home_url(current_user))
    form = LoginForm()
    needs_code = False
    address = request.remote_addr or ""
    if form.is_submitted() and (wait := login_policy.slowed(address)):
        # Before any password is checked: the answer is the same for every account.
        form.password.errors = [str(throttle.Throttled(wait))]
        page = render_template("auth/login.html", form=form, needs_code=False)
        return page, 429, {"Retry-After": str(wait)}
    if form.validate_on_submit():
        user = accounts.find_by_identifier(form.identifier.data, form.identity.data)
        attempt = login_policy.begin(user, form.identifier.data, address)
        needs_code = login_policy.needs_code(user, attempt)
        # The password is always checked (a dummy hash for unknown accounts): equal timing.
        password_ok = accounts.password_opens(user, form.password.data)
        try:
            if needs_code:
                login_policy.check_code(user, form.sms_code.data)
            user = accounts.authenticate(user, form.password.data, password_ok)
            if needs_code:  # used up only by the login it opened
                login_policy.check_code(user, form.sms_code.data, consume=True)
        except (accounts.AccountError, sms.CodeError) as error:
            target = form.sms_code if isinstance(error, sms.CodeError) else form.password
            # Asked after every wrong password, whatever failed first, so that no path is
            # quicker than another (timing tells nothing); shown only in place of 账号或密码错误.
            hint = login_hints.login_hint(form.identifier.data, form.identity.data, form.password.data) if (
                not password_ok) else None
            target.errors = [str(hint if hint and isinstance(error, accounts.AccountError) else error)]
            audit.record(
                "login_failed", user, identity=form.identity.data, identifier=form.identifier.data.strip()[:50],
                reason=type(error).__name__,
            )
        else:
            login_policy.succeeded(attempt)
            sessions.login(user)
            audit.record("login", user, user=user)
            if user.must_change_password:
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next(request.args.get("next")) or permissions.home_url(user))
    return render_template("auth/login.html", form=form, needs_code=needs_code)


@bp.route("/logout", methods=["POST"])
def logout():
    sessions.logout()
    flash(_("You have logged out safely."), "success")
    return redirect(url_for("auth.login"))


def needs_sms_for_password(user):
    """Institutions confirm a password change with an SMS code to the bound phone."""
    return permissions.is_institution_user(user) and bool(user.phone)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    first_time = user.must_change_password and not request.args.get("normal")
    form = FirstPasswordForm() if first_time else ChangePasswordForm()
    if form.validate_on_submit():
        try:
            if first_time:
                accounts.set_password(user, form.new_password.data)
                audit.record("password_set", user, user=user)
            else:
                if needs_sms_for_password(user):
                    sms.verify_code(user.phone, SmsPurpose.CHANGE_PASSWORD, form.sms_code.data)
                accounts.change_password(user, form.old_password.data, form.new_password.data)
            sessions.end_others(user)
        except sms.CodeError as error:
            form.sms_code.errors = [str(error)]
        except accounts.AccountError as error:
            target = form.new_password if first_time else form.old_password
            target.errors = [str(error)]
        else:
            flash(_("Password changed."), "success")
            return redirect(permissions.home_url(user))
    context = {"form": form, "first_time": first_time, "needs_sms": not first_time and needs_sms_for_password(user)}
    if permissions.uses_admin(user):
        # Staff and institutions change their password inside their own admin menu.
        from admin.account import render_in_shell

        return render_in_shell("admin/password.html", **context)
    return render_template("auth/change_password.html", layout=layout_for(user), **context)


def layout_for(user):
    return "learner/layout.html" if permissions.is_learner(user) else "base.html"


# --- SMS codes -------------------------------------------------------------------------

# Purposes a visitor may ask a code for, and whether the phone must (True) or must not
# (False) belong to an account. The logged-in purposes always use the user's own phone.
PUBLIC_PURPOSES = {
    SmsPurpose.REGISTER: False,
    SmsPurpose.ACTIVATE: True,
    SmsPurpose.RESET_PASSWORD: True,
}
OWN_PHONE_PURPOSES = {SmsPurpose.CHANGE_PASSWORD, SmsPurpose.EXPORT}


def _phone_for(purpose):
    if purpose in OWN_PHONE_PURPOSES:
        if not current_user.is_authenticated or not current_user.phone:
            return None, _("Your account has no bound mobile phone")
        return current_user.phone, None
    phone = (request.form.get("phone") or "").strip()
    message = check_mobile(phone)
    if message:
        return None, _("Mobile number %(message)s", message=message)
    if purpose == SmsPurpose.CHANGE_PHONE:
        # Only institution accounts have a bound-phone change page (SPEC §9).
        if not current_user.is_authenticated or not permissions.is_institution_user(current_user):
            return None, _("Please log in first")
        if User.select().where(User.phone == phone).exists():
            return None, _("This mobile number is already bound to an account")
        return phone, None
    if purpose not in PUBLIC_PURPOSES:
        return None, _("Unknown purpose")
    return phone, None


NEUTRAL_SENT = _l("If this number can be used here, a verification code has been sent to it")


@bp.route("/sms/send", methods=["POST"])
def send_code():
    """Send a verification code; JSON answer for the pages' 获取验证码 buttons."""
    purpose = request.form.get("purpose", "")
    if purpose not in OWN_PHONE_PURPOSES:
        try:
            throttle.attempt(throttle.SMS_PER_ADDRESS, request.remote_addr or "")
        except throttle.Throttled as error:
            return jsonify(ok=False, message=str(error)), 429
    if purpose == SmsPurpose.LOGIN:
        return _send_login_code()
    phone, error = _phone_for(purpose)
    if error:
        return jsonify(ok=False, message=error), 400
    if purpose in PUBLIC_PURPOSES:
        return _send_public_code(phone, purpose)
    try:
        value = sms.issue_code(phone, purpose)
    except sms.CodeError as exc:
        return jsonify(ok=False, message=str(exc)), 429
    answer = {"ok": True, "message": _("Verification code sent to the phone ending in %(tail)s", tail=phone[-4:])}
    if sms.is_development():
        answer["dev_code"] = value
    return jsonify(answer)


def _send_public_code(phone, purpose):
    """Register, activate, reset: the answer is the same whether or not the number is
    registered (issue 14: it must not tell), and whether or not a code went out."""
    registered = User.select().where(User.phone == phone).exists()
    answer = {"ok": True, "message": str(NEUTRAL_SENT)}
    if PUBLIC_PURPOSES[purpose] != registered:
        if purpose == SmsPurpose.REGISTER:
            # The owner of a registered number learns why no code came (once a day); nobody else does.
            sms.send_neutral_notice(phone, _l("[Credit Bank] This mobile number is already registered; if you "
                                              "forgot the password, use Forgot password on the login page."),
                                    SmsPurpose.NOTICE)
        return jsonify(answer)
    try:
        value = sms.issue_code(phone, purpose)
    except sms.CodeError:
        return jsonify(answer)
    if sms.is_development():
        answer["dev_code"] = value
    return jsonify(answer)


def _send_login_code():
    """The code a login asks for after repeated failures, sent only while this address's
    login to that account needs one (nobody can have codes sent to a stranger). The answer
    is the same whether or not the account exists, has a phone or an e-mail address, or
    got a code: it must not tell which names exist."""
    identifier = (request.form.get("identifier") or "")[:100]
    user = accounts.find_by_identifier(identifier, request.form.get("identity") or "person")
    value = login_policy.send_code(user, request.remote_addr or "", identifier)
    answer = {"ok": True, "message": _("If this login needs a code, it has been sent to the account's bound mobile "
                                       "phone or, without one, to its e-mail address")}
    if value and sms.is_development():
        answer["dev_code"] = value
    return jsonify(answer)
