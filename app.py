"""Application factory and CLI of the Credit Bank Platform.

    flask --app app run            # serve (see README for the two commands)
    flask --app app init-db        # create or migrate the schema, load the reference data
    flask --app app create-admin   # the first center account (password prompted)
    flask --app app seed-demo      # idempotent demo data, prints the demo accounts
    flask --app app create-user    # any role
    flask --app app backup FILE / restore FILE
"""
import datetime as dt
import os
import secrets
from urllib.parse import urlparse

import click
from flask import Flask, has_request_context, redirect, request, session, url_for
from flask_babel import Babel
from flask_login import AnonymousUserMixin, LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from models import User, db
from services import mail

ROOT = os.path.dirname(os.path.abspath(__file__))
INSTANCE = os.path.join(ROOT, "instance")
LOCALES = ("zh_CN", "en")

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()


class Anonymous(AnonymousUserMixin):
    """Anonymous visitors answer the attribute questions permission checks ask."""

    id = None
    role = None
    institution_id = None


def _secret_key():
    """SECRET_KEY from the environment, else one generated once into instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = os.path.join(INSTANCE, "secret_key")
    os.makedirs(INSTANCE, exist_ok=True)
    if not os.path.exists(path):
        with open(path, "w") as handle:
            handle.write(secrets.token_hex(32))
        os.chmod(path, 0o600)
    with open(path) as handle:
        return handle.read().strip()


def default_config():
    env = os.environ.get
    return {
        "DATABASE_URL": env("DATABASE_URL", "sqlite:///" + os.path.join(INSTANCE, "creditbank.db")),
        "SECRET_KEY": _secret_key(),
        "UPLOAD_DIR": os.path.abspath(env("UPLOAD_DIR", os.path.join(ROOT, "uploads"))),
        # Stored files: "local" (UPLOAD_DIR) or "s3" (an S3-compatible bucket shared by every host).
        "STORAGE_BACKEND": env("STORAGE_BACKEND", "local"),
        "S3_ENDPOINT_URL": env("S3_ENDPOINT_URL", ""),
        "S3_BUCKET": env("S3_BUCKET", "creditbank"),
        "S3_PREFIX": env("S3_PREFIX", ""),
        "S3_REGION": env("S3_REGION", "us-east-1"),
        "S3_ACCESS_KEY": env("S3_ACCESS_KEY", ""),
        "S3_SECRET_KEY": env("S3_SECRET_KEY", ""),
        # SMS gateway: "console" (the log) or "aliyun" (Alibaba Cloud's SendSms API shape).
        "SMS_BACKEND": env("SMS_BACKEND", "console"),
        "SMS_GATEWAY_URL": env("SMS_GATEWAY_URL", "https://dysmsapi.aliyuncs.com/"),
        "SMS_ACCESS_KEY_ID": env("SMS_ACCESS_KEY_ID", ""),
        "SMS_ACCESS_KEY_SECRET": env("SMS_ACCESS_KEY_SECRET", ""),
        "SMS_SIGN_NAME": env("SMS_SIGN_NAME", "学分银行"),
        # Longest SMS text sent; longer notices are cut (the inbox keeps the whole text).
        "SMS_MAX_CHARS": int(env("SMS_MAX_CHARS", 300)),
        "SMS_TEMPLATE_CODE_VERIFY": env("SMS_TEMPLATE_CODE_VERIFY", ""),
        "SMS_TEMPLATE_CODE_NOTICE": env("SMS_TEMPLATE_CODE_NOTICE", ""),
        # Development only: show SMS verification codes on the page (console backend).
        "SMS_SHOW_CODES": env("SMS_SHOW_CODES", "0") == "1",
        "BABEL_DEFAULT_LOCALE": env("BABEL_DEFAULT_LOCALE", "zh_CN"),
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env("SESSION_COOKIE_SECURE", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # The server-side limits (services.sessions) are shorter; the cookie never outlives them.
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=24),
        # Evidence files are 10 MB at most, import workbooks 20 MB: refuse bigger bodies early.
        "MAX_CONTENT_LENGTH": int(env("MAX_CONTENT_LENGTH", 32 * 1024 * 1024)),
        "IMPORT_MAX_MB": int(env("IMPORT_MAX_MB", 20)),
        "IMPORT_MAX_ROWS": int(env("IMPORT_MAX_ROWS", 200_000)),
        # Workbooks of more rows than this are imported by the job consumer (the page shows progress).
        "IMPORT_ASYNC_ROWS": int(env("IMPORT_ASYNC_ROWS", 5000)),
        "PASSWORD_HASH_METHOD": env("PASSWORD_HASH_METHOD", "scrypt"),
        "WTF_CSRF_TIME_LIMIT": None,
        # Reverse proxies (CIDR blocks) whose X-Forwarded-For/-Proto are believed: attempt
        # limits count by client address (services.proxies).
        "TRUSTED_PROXIES": env("TRUSTED_PROXIES", ""),
        # Host names the app answers to (others: 400); unset, PUBLIC_URL's host (and, outside
        # production, localhost and 127.0.0.1).
        "TRUSTED_HOSTS": [h for h in env("TRUSTED_HOSTS", "").replace(",", " ").split() if h] or None,
        "APP_ENV": env("APP_ENV", ""),
        **mail.settings_from_env(env),  # EMAIL_BACKEND, SMTP_*, MAIL_FROM, PUBLIC_URL
    }


class ConfigurationError(RuntimeError):
    """A setting the app cannot start without is missing or wrong."""


def _public_address(app):
    """Links and the issuer of credentials come from PUBLIC_URL, never from the request's
    Host header: production refuses to start without it, development gets the address
    `make run` serves. Only PUBLIC_URL's host (and, outside production, the loopback names)
    is answered unless TRUSTED_HOSTS says otherwise."""
    config = app.config
    production = config["APP_ENV"] == "production"
    if not config["PUBLIC_URL"]:
        if production:
            raise ConfigurationError("PUBLIC_URL is required when APP_ENV=production (e.g. https://xfyh.example.cn)")
        config["PUBLIC_URL"] = mail.DEVELOPMENT_URL
    parsed = urlparse(config["PUBLIC_URL"])
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigurationError(f"PUBLIC_URL must be an http(s) address, not {config['PUBLIC_URL']!r}")
    config["PUBLIC_URL"] = config["PUBLIC_URL"].rstrip("/")
    if config["TRUSTED_HOSTS"] is None:
        config["TRUSTED_HOSTS"] = [parsed.hostname] + ([] if production else ["localhost", "127.0.0.1"])


def _forwarded_headers(app):
    from services import proxies

    if os.environ.get("PROXY_COUNT"):
        app.logger.warning("PROXY_COUNT is no longer read: list your proxies' addresses in TRUSTED_PROXIES (CIDR)")
    try:
        networks = proxies.parse_networks(app.config["TRUSTED_PROXIES"])
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    # The host is never taken from headers: links and redirects keep PUBLIC_URL's.
    app.wsgi_app = proxies.TrustedProxies(app.wsgi_app, networks)


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=INSTANCE)
    app.config.update(default_config())
    app.config.update(overrides or {})
    _public_address(app)
    os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)
    _forwarded_headers(app)

    from services import database, i18n

    database.open_database(app.config["DATABASE_URL"])
    if app.config["DATABASE_URL"].startswith("sqlite"):
        with db.connection_context():
            database.analyse()
    translations = i18n.ensure_compiled()
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = translations

    from services import inputs

    inputs.init(app)
    _init_extensions(app)
    _init_request_hooks(app)
    _register_blueprints(app)

    from admin import init_admin

    init_admin(app)
    _register_template_helpers(app)
    _register_cli(app)
    return app


def select_locale():
    if not has_request_context():
        return None
    lang = request.args.get("lang") or session.get("lang")
    return lang if lang in LOCALES else None


def _init_extensions(app):
    from services import headers

    headers.init(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.anonymous_user = Anonymous
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to open this page.")


@login_manager.user_loader
def load_user(user_id):
    # The session must still be open server-side: logged out, idle, too old, or opened
    # before a change of password/role/status (a disabled account) ends it.
    from services import sessions

    return sessions.current_user_for(user_id)


PASSWORD_CHANGE_EXEMPT = {"auth.change_password", "auth.logout", "static", "admin.static", "auth.send_code"}


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
        from services import mail, rule_alerts, sms, storage

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
    them (services.notify)."""
    if current_user.is_authenticated and current_user.locale != locale:
        User.update(locale=locale).where(User.id == current_user.id).execute()
        current_user.locale = locale


def _register_blueprints(app):
    from views import errors, register_blueprints

    register_blueprints(app)
    errors.register(app)


def _register_template_helpers(app):
    from services import template_helpers

    template_helpers.register(app)


def _register_cli(app):
    @app.cli.command("init-db")
    def init_db_command():
        """Create the schema, or migrate an existing database, and load the reference data."""
        version = _init_database()
        click.echo(f"database ready (schema version {version}, reference data loaded)")
        if app.config["STORAGE_BACKEND"] == "s3":
            from services import filestore

            filestore.current().ensure_bucket()
            click.echo(f"file store ready (bucket {app.config['S3_BUCKET']})")

    @app.cli.command("seed-demo")
    @click.option("--force", is_flag=True, help="load demo logins even when APP_ENV=production")
    def seed_demo_command(force):
        """Load the demo data (idempotent) and print the demo accounts."""
        from services import seed

        if os.environ.get("APP_ENV") == "production" and not force:
            raise click.ClickException("APP_ENV=production: demo data has public logins; use --force to load it anyway")
        _init_database()
        with db.connection_context():
            counts = seed.seed_demo()
        click.echo("demo data ready: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        click.echo(f"demo accounts (password {seed.DEMO_PASSWORD}):")
        for username, role_label in seed.DEMO_ACCOUNTS:
            click.echo(f"  {username:12s} {role_label}")

    @app.cli.command("sweep-uploads")
    @click.option("--min-age", default=3600, show_default=True, help="seconds (at least 600); younger files are left alone")
    @click.option("--dry-run", is_flag=True, help="only list the files that would be removed")
    def sweep_uploads_command(min_age, dry_run):
        """Remove stored files that no attachment row refers to (run it daily)."""
        from services import storage

        try:
            with db.connection_context():
                orphans = storage.sweep_orphans(min_age, dry_run=dry_run)
        except storage.SweepRefused as error:
            raise click.ClickException(str(error)) from error
        for name in orphans if dry_run else ():
            click.echo(name)
        click.echo(f"{'would remove' if dry_run else 'removed'} {len(orphans)} orphan file(s)")

    @app.cli.command("create-admin")
    @click.option("--username", prompt=True)
    @click.option("--name", "real_name", prompt="Real name")
    @click.option("--phone", prompt=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    def create_admin_command(username, real_name, phone, password):
        """Create a center (学分银行管理中心) account; the password is prompted, never printed."""
        from services import accounts

        with db.connection_context():
            try:
                user = accounts.create_user(
                    role="center", username=username, real_name=real_name, password=password, phone=phone
                )
            except accounts.AccountError as error:
                raise click.ClickException(str(error)) from None
        click.echo(f"created center account {user.username} (id {user.id})")

    _register_backup_cli(app)

    @app.cli.command("rotate-signing-key")
    def rotate_signing_key_command():
        """Add a new Ed25519 key for signing verifiable credentials; older keys stay published."""
        from services.credentials import keys

        with db.connection_context():
            row = keys.create_key()
        click.echo(f"new signing key {row.kid}; every earlier key stays in /.well-known/jwks.json")

    @app.cli.command("housekeeping")
    @click.option("--queue", is_flag=True, help="hand it to the job consumer instead of running it here")
    def housekeeping_command(queue):
        """Remove old codes, attempt records and orphan files; optimise SQLite (nightly job)."""
        from services import housekeeping, jobs

        if queue:
            jobs.housekeeping_now()
            click.echo("housekeeping queued")
            return
        with db.connection_context():
            removed = housekeeping.run()
        click.echo("housekeeping done: " + ", ".join(f"{k} {v}" for k, v in removed.items()))

    @app.cli.command("create-user")
    @click.option("--role", required=True, type=click.Choice(["learner", "center", "reviewer", "committee", "institution", "subuser"]))
    @click.option("--username", required=True)
    @click.option("--name", "real_name", required=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--phone", default=None)
    @click.option("--institution", "institution_name", default=None, help="institution or teaching point name")
    def create_user_command(role, username, real_name, password, phone, institution_name):
        """Create an account of any role."""
        from services import accounts

        with db.connection_context():
            try:
                user = accounts.create_user(
                    role=role,
                    username=username,
                    real_name=real_name,
                    password=password,
                    phone=phone,
                    institution_name=institution_name,
                )
            except accounts.AccountError as error:
                raise click.ClickException(str(error)) from None
        click.echo(f"created {role} {user.username} (id {user.id})")


def _init_database():
    """Schema first (create or migrate), then the reference data every installation needs,
    and the first credential signing key (the published key set is never empty)."""
    from services import database, reference
    from services.credentials import keys

    version = database.init_db()
    with db.connection_context(), db.atomic():
        reference.load()
    with db.connection_context():
        keys.active_key()
    return version


def _register_backup_cli(app):
    @app.cli.command("backup")
    @click.argument("archive", type=click.Path(dir_okay=False))
    def backup_command(archive):
        """Write the database and every stored file into ARCHIVE (.tar.gz)."""
        from services import backup, filestore

        summary = backup.create(app.config["DATABASE_URL"], filestore.current(), archive)
        click.echo(f"backup written to {archive}: {summary}")

    @app.cli.command("restore")
    @click.argument("archive", type=click.Path(exists=True, dir_okay=False))
    def restore_command(archive):
        """Restore ARCHIVE into an empty database and the upload folder."""
        from services import backup, filestore

        try:
            summary = backup.restore(archive, app.config["DATABASE_URL"], filestore.current())
        except backup.RestoreRefused as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"restored {archive}: {summary}")


def cli():
    """The `creditbank` console script (pyproject): the flask commands of this app, e.g.
    `creditbank init-db`, `creditbank create-admin`, `creditbank run`."""
    cli_group()()


def cli_group():
    from flask.cli import FlaskGroup

    return FlaskGroup(create_app=create_app)


def main():  # pragma: no cover - convenience for `python app.py`
    create_app().run()


if __name__ == "__main__":  # pragma: no cover
    main()
