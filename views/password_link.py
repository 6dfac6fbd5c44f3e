"""/password/set/<token>: a person opens the link sent with their new account (or a reset)
and chooses a password (services/password_links.py), then logs in."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from services import accounts, password_links
from views.auth import FirstPasswordForm

bp = Blueprint("password_link", __name__)


@bp.route("/password/set/<token>", methods=["GET", "POST"])
def set_password(token):
    try:
        user = password_links.user_for(token)
    except password_links.LinkError as error:
        return render_template("account/set_password.html", problem=str(error), form=None, user=None), 410
    form = FirstPasswordForm()
    if form.validate_on_submit():
        try:
            password_links.set_password(user, form.new_password.data)
        except accounts.AccountError as error:
            form.new_password.errors = [str(error)]
        else:
            flash(_("Your password is set; log in with your account %(username)s.", username=user.username), "success")
            return redirect(url_for("auth.login"))
    return render_template("account/set_password.html", form=form, user=user, problem=None)
