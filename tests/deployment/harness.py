"""The processes of a production-like deployment on loopback, and an HTTP session that
fills forms as a browser does (CSRF token from the page, cookies kept)."""
import io
import os
import re
import socket
import subprocess
import sys
import time

import psycopg2
import requests

from tests.conftest import fresh_postgres_database as create_database
from tests.sms_provider import GATEWAY, FakeProvider

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
PASSWORD = "Demo@2026"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def png():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (20, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def workbook_of_learners(path, rows):
    """学员账户 import template columns (学员姓名, 身份证号) with valid, unused ID numbers."""
    from openpyxl import Workbook

    from services.validators import id_check_char

    book = Workbook(write_only=True)
    sheet = book.create_sheet("学员账户")
    sheet.append(["学员姓名", "身份证号"])
    for n in range(rows):
        first17 = f"44010519{70 + n % 30:02d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
        # The sequence digits vary with n in blocks, so every number is distinct.
        first17 = first17[:6] + f"{1950 + n // 10000:04d}" + first17[10:14] + f"{n % 1000:03d}"
        sheet.append([f"导入学员{n}", first17 + id_check_char(first17)])
    book.save(path)
    return path


class Session:
    def __init__(self, base, observe):
        self.base, self.observe, self.http = base, observe, requests.Session()

    def _record(self, response):
        self.observe(response)
        return response

    def get(self, path):
        return self._record(self.http.get(self.base + path, timeout=120))

    def post_form(self, page, data, action=None, files=None):
        """GET ``page`` for its CSRF token, then POST ``data`` to ``action`` (or the page)."""
        token = self.token(page)
        return self._record(
            self.http.post(self.base + (action or page), data={**data, "csrf_token": token}, files=files, timeout=300)
        )

    def token(self, page):
        match = CSRF.search(self.get(page).text)
        return (match.group(1) or match.group(2)) if match else ""

    def login(self, username, identity):
        answer = self.post_form("/login", {"identity": identity, "identifier": username, "password": PASSWORD})
        if "/login" in answer.url:
            raise AssertionError(f"{username} could not log in")


class Deployment:
    """PostgreSQL database, gunicorn (2 workers), one huey consumer on Redis, S3 storage.
    ``settings`` are added to every process's environment."""

    institution_phone = "13900000004"

    def __init__(self, folder, pg_url, s3_endpoint, redis_url, name="load", settings=None):
        self.folder, self.s3_endpoint, self.redis_url = folder, s3_endpoint, redis_url
        self.admin_url, self.name, self.settings = pg_url, name, settings or {}
        self.database_url = f"{pg_url.rsplit('/', 1)[0]}/{pg_url.rsplit('/', 1)[1]}_{name}"
        self.processes, self.import_state, self.export_size = [], {}, 0

    def _env(self):
        return {
            **os.environ, **GATEWAY,
            "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url, "HUEY_IMMEDIATE": "0",
            "SMS_GATEWAY_URL": self.provider.url, "SECRET_KEY": "load-test-secret",
            "STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": self.s3_endpoint, "S3_BUCKET": "creditbank-test",
            "S3_PREFIX": f"{self.name}-{int(time.time())}/", "S3_ACCESS_KEY": "test", "S3_SECRET_KEY": "test",
            "UPLOAD_DIR": str(self.folder / "uploads"), "WEB_CONCURRENCY": "2", "GUNICORN_ACCESS_LOG": "",
            **self.settings,
        }

    def _create_database(self):
        create_database(self.admin_url, self.database_url.rsplit("/", 1)[1])

    def _start(self, args, log_name):
        log = open(self.folder / log_name, "wb")  # noqa: SIM115 - lives as long as the process; closed in __exit__
        process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append((process, log))
        return process

    def __enter__(self):
        self._create_database()
        self.provider = FakeProvider()
        self.env = self._env()
        try:
            self._start_processes()
        except BaseException:
            self.__exit__(None, None, None)  # a failed start must not leave servers behind
            raise
        return self

    def _start_processes(self):
        flask = [os.path.join(BIN, "flask"), "--app", "app"]
        for command in ("init-db", "seed-demo"):
            subprocess.run(flask + [command], cwd=ROOT, env=self.env, check=True, capture_output=True, timeout=300)
        self.consumer = self.start_consumer()
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self._start([os.path.join(BIN, "gunicorn"), "-c", "python:app.gunicorn_conf", "--bind", f"127.0.0.1:{port}"],
                    "gunicorn.log")
        deadline = time.time() + 120
        while True:
            try:
                if requests.get(self.base + "/healthz", timeout=5).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass  # workers still starting
            if time.time() > deadline:
                raise AssertionError((self.folder / "gunicorn.log").read_text()[-3000:])
            time.sleep(0.3)

    def start_consumer(self):
        """A job consumer as the README runs it (its log: consumer-N.log)."""
        return self._start([os.path.join(BIN, "huey_consumer"), "app.consumer.huey", "-w", "2", "-k", "thread",
                            "-d", "0.1"], f"consumer-{len(self.processes)}.log")

    def log_tail(self, name, size=4000):
        return (self.folder / name).read_text(errors="replace")[-size:]

    def flask(self, *args, env=None, timeout=300):
        """`flask --app app …` with the deployment's settings (and ``env`` on top)."""
        return subprocess.run([os.path.join(BIN, "flask"), "--app", "app", *args], cwd=ROOT,
                              env={**self.env, **(env or {})}, capture_output=True, text=True, timeout=timeout)

    def __exit__(self, *exc):
        for process, log in self.processes:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
        self.provider.close()

    def query(self, sql, *params):
        connection = psycopg2.connect(self.database_url)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            connection.close()

    def category_id(self, code):
        return self.query("SELECT id FROM category WHERE code = %s", code)[0][0]

    def registration_fields(self, n, phone, code):
        from services.validators import id_check_char

        first17 = f"4401061990{1 + n:02d}15{500 + n:03d}"
        id_number = first17 + id_check_char(first17)
        gender = "male" if int(first17[16]) % 2 else "female"
        point = self.query("SELECT id FROM institution WHERE kind = 'teaching_point' ORDER BY id LIMIT 1")[0][0]
        return {
            "agree": "1", "username": f"newlearner{n}", "real_name": f"新学员{n}", "password": "Learn2026x",
            "confirm": "Learn2026x", "nationality": "中国", "ethnicity": "汉族", "gender": gender,
            "id_type": "id_card", "id_number": id_number, "birth_date": f"1990-{1 + n:02d}-15",
            "province": "广东省", "city": "广州市", "district": "天河区", "address": "天河路1号",
            "teaching_point": str(point), "phone": phone, "sms_code": code,
        }

    def settle(self, timeout=120):
        """Wait until the consumer has delivered every SMS, then read what the load left."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            (unsent,), = self.query("SELECT count(*) FROM sms_outbox WHERE status IN ('pending', 'sending')")
            if not unsent:
                break
            time.sleep(0.5)
        (rows,), = self.query("SELECT count(*) FROM sms_outbox")
        duplicates = self.query(
            "SELECT application_id, stage FROM review_record GROUP BY application_id, stage HAVING count(*) > 1"
        )
        # Recognition has one stage: every decided application has exactly one review record
        # (one its learner withdrew, like the demo's, was never decided).
        (records,), = self.query("SELECT count(*) FROM review_record r JOIN application a ON a.id = r.application_id "
                                 "WHERE a.kind = 'recognition'")
        (decided,), = self.query("SELECT count(*) FROM application WHERE kind = 'recognition' "
                                 "AND status IN ('passed', 'refused')")
        (imported,), = self.query("SELECT count(*) FROM \"user\" WHERE real_name LIKE '导入学员%%'")
        stored = {name for (name,) in self.query("SELECT stored_name FROM attachment")}
        return {
            "sms_unsent": unsent, "sms_rows": rows, "gateway_requests": self.provider.valid_requests(),
            "duplicate_decisions": len(duplicates), "review_records": records, "decided_applications": decided,
            "imported_learners": imported, "attachments": len(stored), "missing_files": sorted(stored - self.bucket()),
        }

    def bucket(self):
        import boto3

        client = boto3.client("s3", endpoint_url=self.s3_endpoint, aws_access_key_id="test",
                              aws_secret_access_key="test", region_name="us-east-1")
        names = set()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket="creditbank-test",
                                                                     Prefix=self.env["S3_PREFIX"]):
            names.update(item["Key"].rsplit("/", 1)[-1] for item in page.get("Contents", ()))
        return names


class PrivatePostgres:
    """A PostgreSQL cluster of its own (Debian's binaries, as scripts/with-postgres.sh) that a
    test may stop and start again without touching the other tests' server."""

    def __init__(self):
        import glob
        import pathlib
        import shutil
        import tempfile

        self.bindir = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
        # Under /tmp itself: pytest's folders are private to root, and the cluster is postgres's.
        folder = pathlib.Path(tempfile.mkdtemp(prefix="creditbank-faults-pg."))
        self.folder, self.port = folder, free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(folder, "postgres")  # initdb refuses to run as root
        self._run("initdb", "-D", str(folder / "data"), "-U", "creditbank", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        self.url = f"postgresql://creditbank@127.0.0.1:{self.port}/postgres"

    def _run(self, tool, *args):
        subprocess.run([*self.as_postgres, os.path.join(self.bindir, tool), *args], check=True,
                       capture_output=True, timeout=120)

    def start(self):
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "log"), "-w", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off", "start")

    def stop(self):
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        import shutil

        subprocess.run([*self.as_postgres, os.path.join(self.bindir, "pg_ctl"), "-D", str(self.folder / "data"),
                        "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivateRedis:
    """A redis-server on a fixed loopback port that a test may stop and start again."""

    def __init__(self, folder):
        self.folder, self.port, self.process = folder, free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        import redis

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                assert time.time() < deadline, "redis-server did not start"
                time.sleep(0.1)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.stop()
