"""修改头像 for every logged-in person (the learner's 我的信息, the institution's 个人资料):
``GET /avatar`` the picture of the person logged in, ``POST /avatar`` a new one, back to
the page it came from."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from services.accounts import permissions
from services.files import avatars, storage
from views.auth import safe_next

bp = Blueprint("avatar", __name__)


class AvatarForm(FlaskForm):
    picture = FileField()


@bp.route("/avatar")
@login_required
def show():
    row = avatars.current(current_user)
    if row is None:  # no picture yet: the silhouette (pages show /avatar without asking first)
        return redirect(url_for("static", filename="icons/avatar.svg"))
    response = storage.send(row)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/avatar", methods=["POST"])
@login_required
def change():
    back = safe_next(request.form.get("next")) or permissions.home_url(current_user)
    form = AvatarForm()
    if not form.validate_on_submit():
        flash(_("The form has expired; please try again."), "danger")
        return redirect(back)
    try:
        avatars.change(current_user, form.picture.data)
    except storage.UploadError as error:
        flash(_("The picture was not changed: %(reason)s", reason=str(error)), "danger")
    else:
        flash(_("Your picture has been changed."), "success")
    return redirect(back)


@bp.app_template_global()
def avatar_url():
    """Where the pages that show the 修改头像 box (templates/_avatar.html) find the picture.
    A global, so the box is imported without the page's context (kept once compiled)."""
    return url_for("avatar.show")
