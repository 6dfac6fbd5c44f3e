"""The application factory: configuration, database, extensions, request hooks,
blueprints, the admin, template helpers and the command line, in that order."""
import functools
import os

from babel import Locale
from flask import Flask, current_app, has_request_context, redirect, request, session, url_for
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

import tasks  # noqa: F401  (registers the background tasks by name in services.background.queue)
from admin import init_admin
from app import cli
from app.config import LOCALES, ROOT, ConfigurationError, default_config, instance_dir, public_address
from models import User, db
from services.core import database
from services.files import storage
from services.ledger import rule_alerts
from services.messaging import mail, sms
from views import errors, register_blueprints
from web import fragments, headers, i18n, inputs, proxies, sessions, template_helpers

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()


class Anonymous(AnonymousUserMixin):
    """Anonymous visitors answer the attribute questions permission checks ask."""

    id = None
    role = None
    institution_id = None


def create_app(overrides: dict | None = None) -> Flask:
    # root_path: templates/ and static/ sit beside the packages, not inside app/.
    app = Flask("app", root_path=ROOT, instance_path=instance_dir())
    app.config.update(default_config())
    app.config.update(overrides or {})
    public_address(app.config)
    os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)
    _forwarded_headers(app)

    database.open_database(app.config["DATABASE_URL"], pool=app.config["DATABASE_POOL"],
                           server_prepared=app.config["DATABASE_PREPARED"])
    if app.config["DATABASE_URL"].startswith("sqlite"):
        with db.connection_context():
            database.analyse()
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = i18n.ensure_compiled(os.path.join(app.instance_path, "translations"))

    inputs.init(app)
    _init_extensions(app)
    _init_request_hooks(app)
    register_blueprints(app)
    errors.register(app)
    init_admin(app)
    template_helpers.register(app)
    cli.register(app)
    return app


def _forwarded_headers(app):
    if os.environ.get("PROXY_COUNT"):
        app.logger.warning("PROXY_COUNT is no longer read: list your proxies' addresses in TRUSTED_PROXIES (CIDR)")
    try:
        networks = proxies.parse_networks(app.config["TRUSTED_PROXIES"])
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    # The host is never taken from headers: links and redirects keep PUBLIC_URL's.
    app.wsgi_app = proxies.TrustedProxies(app.wsgi_app, networks)


@functools.cache
def _locale(code):
    # Made once per code: Flask-Babel would parse the chosen code (or its default) again
    # on every request.
    return Locale.parse(code)


def select_locale():
    if not has_request_context():
        return None
    code = request.args.get("lang") or session.get("lang")
    return _locale(code if code in LOCALES else current_app.config["BABEL_DEFAULT_LOCALE"])


def _init_extensions(app):
    headers.init(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    i18n.install_template_gettext(app)
    fragments.init(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.anonymous_user = Anonymous
    login_manager.login_message = _l("Please log in to open this page.")


@login_manager.user_loader
def load_user(user_id):
    # The session must still be open server-side: logged out, idle, too old, or opened
    # before a change of password/role/status (a disabled account) ends it.
    return sessions.current_user_for(user_id)


PASSWORD_CHANGE_EXEMPT = {"auth.change_password", "auth.logout", "static", "admin.static", "auth.send_code",
                          "password_link.set_password"}


def _init_request_hooks(app):
    @app.before_request
    def open_connection():
        db.connect(reuse_if_open=True)
        if request.args.get("lang") in LOCALES:
            session["lang"] = request.args["lang"]
            _remember_locale(request.args["lang"])

    @app.before_request
    def force_password_change():
        if (
            not request.path.startswith("/api/")  # token calls never read the session
            and current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in PASSWORD_CHANGE_EXEMPT
        ):
            return redirect(url_for("auth.change_password"))
        return None

    @app.teardown_request
    def close_connection(exc):
        try:
            sms.flush()
            mail.flush()
            rule_alerts.flush()
            storage.discard_uncommitted()
        finally:
            if not db.is_closed():
                db.close()


def _remember_locale(locale):
    """A signed-in person's language choice also decides the language of what is sent to
    them (services.messaging.notify)."""
    if current_user.is_authenticated and current_user.locale != locale:
        User.update(locale=locale).where(User.id == current_user.id).execute()
        current_user.locale = locale
