"""Login, logout, password change (forced at first login where flagged), SMS codes."""
from urllib.parse import urlparse

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from models import SmsPurpose, User
from services import accounts, audit, permissions, sms, throttle
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
    password = PasswordField(_l("Password"), validators=[DataRequired()])


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
    if current_user.is_authenticated:
        return redirect(permissions.home_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.find_by_identifier(form.identifier.data, form.identity.data)
        # Counted per account, whichever of its identifiers is typed; unknown names by text.
        account = f"user:{user.id}" if user else "name:" + form.identifier.data.strip().lower()
        try:
            throttle.attempt(throttle.LOGIN_PER_ACCOUNT, account)
            address_hit = throttle.attempt(throttle.LOGIN_PER_ADDRESS, request.remote_addr or "")
            user = accounts.authenticate(user, form.password.data)
        except (throttle.Throttled, accounts.AccountError) as error:
            form.password.errors = [str(error)]
        else:
            throttle.clear(throttle.LOGIN_PER_ACCOUNT, account)
            throttle.forget(address_hit)  # people behind one school address log in all day
            login_user(user)
            audit.record("login", user, user=user)
            if user.must_change_password:
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next(request.args.get("next")) or permissions.home_url(user))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You have logged out safely."), "success")
    return redirect(url_for("auth.login"))


def needs_sms_for_password(user):
    """Institutions confirm a password change with an SMS code to the bound phone."""
    return user.role in permissions.INSTITUTION_USERS and bool(user.phone)


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
        except sms.CodeError as error:
            form.sms_code.errors = [str(error)]
        except accounts.AccountError as error:
            target = form.new_password if first_time else form.old_password
            target.errors = [str(error)]
        else:
            flash(_("Password changed."), "success")
            return redirect(permissions.home_url(user))
    context = {"form": form, "first_time": first_time, "needs_sms": not first_time and needs_sms_for_password(user)}
    if user.role in permissions.ADMIN_USERS:
        # Staff and institutions change their password inside their own admin menu.
        from admin.account import render_in_shell

        return render_in_shell("admin/password.html", **context)
    return render_template("auth/change_password.html", layout=layout_for(user), **context)


def layout_for(user):
    return "learner/layout.html" if user.role == permissions.LEARNER else "base.html"


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
        if not current_user.is_authenticated or current_user.role not in permissions.INSTITUTION_USERS:
            return None, _("Please log in first")
        if User.select().where(User.phone == phone).exists():
            return None, _("This mobile number is already bound to an account")
        return phone, None
    if purpose not in PUBLIC_PURPOSES:
        return None, _("Unknown purpose")
    registered = User.select().where(User.phone == phone).exists()
    if PUBLIC_PURPOSES[purpose] and not registered:
        return None, _("No account is bound to this mobile number")
    if not PUBLIC_PURPOSES[purpose] and registered:
        return None, _("This mobile number is already bound to an account")
    return phone, None


@bp.route("/sms/send", methods=["POST"])
def send_code():
    """Send a verification code; JSON answer for the pages' 获取验证码 buttons."""
    purpose = request.form.get("purpose", "")
    if purpose not in OWN_PHONE_PURPOSES:
        try:
            throttle.attempt(throttle.SMS_PER_ADDRESS, request.remote_addr or "")
        except throttle.Throttled as error:
            return jsonify(ok=False, message=str(error)), 429
    phone, error = _phone_for(purpose)
    if error:
        return jsonify(ok=False, message=error), 400
    try:
        value = sms.issue_code(phone, purpose)
    except sms.CodeError as exc:
        return jsonify(ok=False, message=str(exc)), 429
    answer = {"ok": True, "message": _("Verification code sent to the phone ending in %(tail)s", tail=phone[-4:])}
    if sms.is_development():
        answer["dev_code"] = value
    return jsonify(answer)
