"""Every error page in the site's own layout and language — Werkzeug's are raw English with
no way back: 400 / 403 / 404 / 405 / 413 / 429, a 500 (an unexpected exception), and a 503
whenever the database does not answer (a restart, an outage), wherever that happens
(opening the connection before any view, a query in the middle of one, or the page that
was already reporting another error).

Pages of a failure (500, 502–504, an outage) are drawn without the signed-in user's menu:
that menu reads the database. If even that page cannot be drawn, a fixed Chinese page
answers. A JSON request, ``/api/`` and ``/healthz`` keep a JSON answer (the API's own
codes are answered by its blueprint, views/api)."""
import logging

from flask import current_app, g, jsonify, render_template, request, url_for
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import escape
from peewee import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from services import permissions

log = logging.getLogger(__name__)
UNAVAILABLE = (_l("The service is temporarily unavailable"),
               _l("The platform cannot answer at the moment (maintenance or a short outage). Nothing you sent was "
                  "saved halfway; please try again in a few minutes."))
PAGES = {
    400: (_l("The request could not be understood"), _l("Something in the address or the form is not valid.")),
    403: (_l("No access"), _l("You do not have the right to open this page. If you think you should, ask your "
                              "institution's account administrator or the management center.")),
    404: (_l("Page not found"), _l("The page does not exist, or it is not yours to see.")),
    405: (_l("This action is not possible here"), _l("The page does not accept this kind of request; go back and "
                                                      "use the page's own buttons.")),
    413: (_l("The upload is too large"), _l("The file or form you sent is larger than the platform accepts. "
                                            "Choose a smaller file (evidence files up to 10 MB, workbooks up to "
                                            "20 MB) and send it again.")),
    429: (_l("Too many attempts"), _l("Please wait a little and try again.")),
    500: (_l("Something went wrong"), _l("The platform could not finish this request; nothing of it was saved. "
                                         "Please try again, and tell the management center if it happens again.")),
    502: UNAVAILABLE,
    503: UNAVAILABLE,
    504: UNAVAILABLE,
}
OTHER = (_l("The request was not completed"), _l("Please go back and try again."))
FAILURES = {500, 502, 503, 504}
# The last resort, when not even the error template can be drawn (no Babel, no layout).
FIXED_PAGE = ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title} - 学分银行信息管理平台"
              "</title></head><body><main><h1>{title}</h1><p>{text}</p><p><a href=\"/\">返回首页</a></p></main>"
              "</body></html>")
FIXED_TEXTS = {503: ("服务暂时不可用", "平台暂时无法响应（维护或短暂故障），您提交的内容不会只保存一半，请几分钟后重试。")}
FIXED_OTHER = ("请求未能完成", "平台未能完成本次请求，请返回重试。")


def wants_json():
    return (request.path.startswith("/api/") or request.path == "/healthz"
            or request.accept_mimetypes.best == "application/json")


def _back(failure):
    if not failure and current_user.is_authenticated:
        return permissions.home_url(current_user), True
    return url_for("portal.index"), False


def page(code, heading=None, explanation=None):
    """The error page for ``code`` (JSON for JSON requests)."""
    default_heading, default_explanation = PAGES.get(code, OTHER)
    heading, explanation = heading or default_heading, explanation or default_explanation
    headers = {"Retry-After": "30"} if code == 503 else {}
    if wants_json():
        if request.path == "/healthz" and code == 503:
            return jsonify(status="unavailable", checks={"database": {"status": "down"}}), code, headers
        return jsonify(error=str(heading), status=code), code, headers
    if request_ctx.url_adapter is None:  # a Host outside TRUSTED_HOSTS: no page can link anywhere
        return str(heading), code, {"Content-Type": "text/plain; charset=utf-8", **headers}
    failure = code in FAILURES
    for safe in ((False, True) if not failure else (True,)):
        try:
            if safe:  # Flask-Login's template context would load the user from the database
                g._login_user = current_app.login_manager.anonymous_user()
            back, signed_in = _back(safe)
            html = render_template("errors/error.html", heading=heading, explanation=explanation, back=back,
                                   signed_in=signed_in, safe=safe)
            return html, code, headers
        except Exception:  # e.g. the user menu could not read the database
            log.warning("error page %s could not be drawn%s", code, " without the menu" if safe else "",
                        exc_info=True)
    title, text = FIXED_TEXTS.get(code, FIXED_OTHER)
    return FIXED_PAGE.format(title=escape(title), text=escape(text)), code, headers


def http_error(error):
    if request.path.startswith("/api/"):  # the institution API answers in its documented JSON only
        from views.api import json_error

        return json_error(error)
    return page(error.code or 500)


def database_unavailable(error):
    log.error("database unavailable: %s", error)
    return page(503)


def server_error(error):
    original = getattr(error, "original_exception", None)
    if isinstance(original, OperationalError | InterfaceError):
        return database_unavailable(original)
    return page(500)


def register(app):
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(500, server_error)
    for database_error in (OperationalError, InterfaceError):
        app.register_error_handler(database_error, database_unavailable)
