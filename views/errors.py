"""The 400 / 403 / 404 pages in the site's own layout and language (Werkzeug's are raw
English with no way back). A JSON request keeps a JSON answer."""
from flask import jsonify, render_template, request, url_for
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from services import permissions

PAGES = {
    400: (_l("The request could not be understood"), _l("Something in the address or the form is not valid.")),
    403: (_l("No access"), _l("You do not have the right to open this page. If you think you should, ask your "
                              "institution's account administrator or the management center.")),
    404: (_l("Page not found"), _l("The page does not exist, or it is not yours to see.")),
}


def render_error(error):
    if request.path.startswith("/api/"):  # the institution API answers in JSON only
        from views.api import json_error

        return json_error(error)
    heading, explanation = PAGES[error.code]
    if request_ctx.url_adapter is None:  # a Host outside TRUSTED_HOSTS: no page can link anywhere
        return str(heading), error.code, {"Content-Type": "text/plain; charset=utf-8"}
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=str(heading)), error.code
    back = permissions.home_url(current_user) if current_user.is_authenticated else url_for("portal.index")
    return render_template("errors/error.html", heading=heading, explanation=explanation, back=back), error.code


def register(app):
    for code in PAGES:
        app.register_error_handler(code, render_error)
