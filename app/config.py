"""The application's settings, all from the environment with safe defaults (the README's
Configuration table lists them)."""
import datetime as dt
import os
import secrets
from urllib.parse import urlparse

from services.messaging import mail

# The folder that holds the packages (the source tree, or site-packages when installed):
# templates/, static/ and i18n/ sit there beside app/.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCALES = ("zh_CN", "en")


def _from_source_tree():
    return os.path.exists(os.path.join(ROOT, "pyproject.toml"))


def instance_dir():
    """Where the secret key, the SQLite database, the job queue and compiled translations
    live: ``INSTANCE_DIR``, else instance/ in the source tree, or under the working
    directory when the application is installed."""
    default = os.path.join(ROOT if _from_source_tree() else os.getcwd(), "instance")
    return os.path.abspath(os.environ.get("INSTANCE_DIR", default))


def _default_upload_dir():
    return os.path.join(ROOT if _from_source_tree() else os.getcwd(), "uploads")


def _secret_key(instance):
    """SECRET_KEY from the environment, else one generated once into the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = os.path.join(instance, "secret_key")
    os.makedirs(instance, exist_ok=True)
    if not os.path.exists(path):
        with open(path, "w") as handle:
            handle.write(secrets.token_hex(32))
        os.chmod(path, 0o600)
    with open(path) as handle:
        return handle.read().strip()


def default_config():
    env = os.environ.get
    instance = instance_dir()
    return {
        "DATABASE_URL": env("DATABASE_URL", "sqlite:///" + os.path.join(instance, "creditbank.db")),
        # PostgreSQL: keep each worker's connection between requests (services/core/database.py).
        "DATABASE_POOL": env("DATABASE_POOL", "1") != "0",
        # PostgreSQL: the session lookup every request makes stays prepared on each connection;
        # 0 behind a pooler that shares server connections between clients (transaction mode).
        "DATABASE_PREPARED": env("DATABASE_PREPARED", "1") != "0",
        "SECRET_KEY": _secret_key(instance),
        "UPLOAD_DIR": os.path.abspath(env("UPLOAD_DIR", _default_upload_dir())),
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
        # The server-side limits (web.sessions) are shorter; the cookie never outlives them.
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=24),
        # Evidence files are 10 MB at most, import workbooks 20 MB: refuse bigger bodies early.
        "MAX_CONTENT_LENGTH": int(env("MAX_CONTENT_LENGTH", 32 * 1024 * 1024)),
        "IMPORT_MAX_MB": int(env("IMPORT_MAX_MB", 20)),
        "IMPORT_MAX_ROWS": int(env("IMPORT_MAX_ROWS", 200_000)),
        # Workbooks of more rows than this are imported by the job consumer (the page shows progress).
        "IMPORT_ASYNC_ROWS": int(env("IMPORT_ASYNC_ROWS", 5000)),
        # The job consumer's own settings, read where they are used (the consumer).
        "JOB_LEASE_SECONDS": int(env("JOB_LEASE_SECONDS", 60)),  # a running job without a heartbeat this long is lost
        "SWEEP_SECONDS": float(env("SWEEP_SECONDS", 10)),  # the sweeper's pace: deliveries, leases
        "SMS_RETRY_DELAY": int(env("SMS_RETRY_DELAY", 30)),  # seconds before an SMS or e-mail is tried again
        "SMS_TIMEOUT": int(env("SMS_TIMEOUT", 10)),  # the SMS gateway's answer; later, its report decides
        "PASSWORD_HASH_METHOD": env("PASSWORD_HASH_METHOD", "scrypt"),
        "WTF_CSRF_TIME_LIMIT": None,
        # Reverse proxies (CIDR blocks) whose X-Forwarded-For/-Proto are believed: attempt
        # limits count by client address (web.proxies).
        "TRUSTED_PROXIES": env("TRUSTED_PROXIES", ""),
        # Host names the app answers to (others: 400); unset, PUBLIC_URL's host (and, outside
        # production, localhost and 127.0.0.1).
        "TRUSTED_HOSTS": [h for h in env("TRUSTED_HOSTS", "").replace(",", " ").split() if h] or None,
        "APP_ENV": env("APP_ENV", ""),
        **mail.settings_from_env(env),  # EMAIL_BACKEND, SMTP_*, MAIL_FROM, PUBLIC_URL
    }


class ConfigurationError(RuntimeError):
    """A setting the app cannot start without is missing or wrong."""


def public_address(config):
    """Links and the issuer of credentials come from PUBLIC_URL, never from the request's
    Host header: production refuses to start without it, development gets the address
    `make run` serves. Only PUBLIC_URL's host (and, outside production, the loopback names)
    is answered unless TRUSTED_HOSTS says otherwise."""
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
