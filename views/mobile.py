"""学分银行移动应用 (SPEC §14): the platform installable from a phone's browser as a web app.

- ``/manifest.webmanifest``: name, icons, theme and start page, in the visitor's language.
- ``/sw.js``: the service worker (static/sw.js), served from the site's root so it may
  answer for every page, with a version that changes whenever the files it keeps change
  (the browser then installs the new worker beside the old one: safe updates).
- ``/offline``: the page shown for a page that was never kept, while offline.

Which pages the worker may keep is decided here, per response: only the learner's own
pages under /me/ (their records, 学分账户, messages), marked ``X-Offline-Keep``; every
HTML response also names its owner (``X-Offline-Owner``: a keyed hash of the logged-in
account, "-" for nobody), and the worker throws away what it kept as soon as the owner
changes — another learner on the same phone never reads the previous one's pages. Logging
out also answers ``Clear-Site-Data``, which empties the worker's caches at once."""
import hashlib
import hmac
import os

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from services import permissions, qr
from services.credentials.content import public_url

bp = Blueprint("mobile", __name__)

THEME = "#0b5cad"
# What the worker keeps at install: enough to draw any kept page and the offline page.
SHELL = ("static/app.css", "static/app.js", "static/logo.svg", "static/favicon.ico",
         "static/icons/icon-192.png")
ADMIN_SHELL = ("bootstrap/bootstrap4/css/bootstrap.min.css", "vendor/jquery.min.js",
               "bootstrap/bootstrap4/js/bootstrap.min.js")


@bp.route("/manifest.webmanifest")
def manifest():
    icons = [
        {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {"src": url_for("static", filename="icons/icon-maskable-512.png"), "sizes": "512x512",
         "type": "image/png", "purpose": "maskable"},
    ]
    body = {
        "id": "/me/",
        "name": _("Credit Bank Mobile App"),
        "short_name": _("Credit Bank"),
        "description": _("Your learning achievements, credit account and messages on your phone."),
        "lang": "zh-CN" if str(get_locale()).startswith("zh") else "en",
        "start_url": url_for("learner.home", source="app"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME,
        "background_color": "#ffffff",
        "icons": icons,
    }
    response = current_app.response_class(
        current_app.json.dumps(body), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


def shell_urls():
    return [url_for("mobile.offline")] + [
        url_for("static", filename=path.removeprefix("static/")) for path in SHELL
    ] + [url_for("admin.static", filename=path) for path in ADMIN_SHELL]


def version():
    """Changes with the worker's code and with every file it keeps at install."""
    digest = hashlib.sha256()
    for path in ("static/sw.js",) + SHELL:
        with open(os.path.join(current_app.root_path, path), "rb") as handle:
            digest.update(handle.read())
    digest.update("\n".join(shell_urls()).encode())
    return digest.hexdigest()[:12]


@bp.route("/sw.js")
def service_worker():
    with open(os.path.join(current_app.root_path, "static", "sw.js"), encoding="utf-8") as handle:
        code = handle.read()
    head = f"const VERSION = {current_app.json.dumps(version())};\nconst SHELL = {current_app.json.dumps(shell_urls())};\n"
    response = current_app.response_class(head + code, mimetype="text/javascript")
    # Always asked again, so an update is seen at the next visit (the browser also checks daily).
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline")
def offline():
    return render_template("mobile/offline.html")


def owner_mark():
    """Who a page belongs to, as the worker sees it: stable per account, meaningless outside."""
    if not current_user.is_authenticated:
        return "-"
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, f"offline-owner:{current_user.id}".encode(), hashlib.sha256).hexdigest()[:20]


@bp.after_app_request
def offline_marks(response):
    if request.endpoint == "auth.logout":
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
    if response.mimetype != "text/html":
        return response
    response.headers["X-Offline-Owner"] = owner_mark()
    if (request.method == "GET" and response.status_code == 200 and request.blueprint == "learner"
            and current_user.is_authenticated and permissions.is_learner(current_user)):
        response.headers["X-Offline-Keep"] = "1"
    return response


@bp.app_template_global()
def verify_qr(endpoint, **values):
    """The public address of a /verify page and its QR code, for templates/_qr.html."""
    url = public_url(endpoint, **values)
    return url, qr.svg(url, _("QR code: scan to verify"))
