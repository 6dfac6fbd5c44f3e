"""找回密码 by e-mail, for learners who have no bound phone (those activated by e-mail,
manual 003): the address gets a link valid 30 minutes that opens a new-password form once
(the link carries a fingerprint of the current password hash, so it dies with the first
reset). The answer never says whether an address is registered."""
import hashlib

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from models import AccountStatus, User
from services import accounts, audit, mail, permissions
from services.credentials.content import public_url
from services.database import db
from views.account import _address_allowed, _password_fields

bp = Blueprint("password_email", __name__)

LINK_MINUTES = 30
SALT = "password-reset-by-email"


class EmailForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=100)])


class NewPasswordForm(FlaskForm):
    password, confirm = _password_fields()


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user):
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def _user_of(token):
    try:
        data = _serializer().loads(token, max_age=LINK_MINUTES * 60)
    except BadSignature:
        return None
    user = User.get_or_none(User.id == data.get("u"))
    if user is None or user.status != AccountStatus.ACTIVE or _fingerprint(user) != data.get("h"):
        return None
    return user


@bp.route("/forgot-password/email", methods=["GET", "POST"])
def request_link():
    form = EmailForm()
    if form.validate_on_submit() and _address_allowed("forgot_email", form.email):
        address = form.email.data.strip().lower()
        user = User.get_or_none(accounts.same_text(User.email, address))
        if user is not None and user.status == AccountStatus.ACTIVE and permissions.is_learner(user):
            token = _serializer().dumps({"u": user.id, "h": _fingerprint(user)})
            with db.atomic():
                mail.send(user.email, _("Reset your credit bank password"), _(
                    "Open this link within %(minutes)s minutes to choose a new password: %(link)s\n"
                    "If you did not ask for it, ignore this e-mail; your password stays as it is.",
                    minutes=LINK_MINUTES, link=public_url("password_email.reset", token=token)))
        flash(_("If this address belongs to an account, a link to reset its password has been sent to it."), "info")
        return redirect(url_for("password_email.request_link"))
    return render_template("account/forgot_password_email.html", form=form, minutes=LINK_MINUTES)


@bp.route("/forgot-password/email/<token>", methods=["GET", "POST"])
def reset(token):
    user = _user_of(token)
    if user is None:
        return render_template("account/forgot_password_email.html", form=EmailForm(), minutes=LINK_MINUTES,
                               expired=True), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            with db.atomic():
                accounts.set_password(user, form.password.data)
                audit.record("password_reset", user, user=user)
        except accounts.AccountError as error:
            form.password.errors = list(form.password.errors) + [str(error)]
        else:
            flash(_("Your password has been reset; please log in with the new password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("account/reset_password_email.html", form=form, user=user)
