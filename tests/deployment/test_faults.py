"""Faults on a production-like deployment: a PostgreSQL cluster and a Redis of its own
(so they can be stopped), SeaweedFS (S3), gunicorn with two workers, job consumers, and a
local SMS provider that checks signatures and reports deliveries.

- ``kill -9`` of the consumer in the middle of a large import: the job ends within two
  minutes (started again from its beginning by the next consumer, every row once);
- Redis stopped while codes and notices are sent, then started: each delivered once;
- a provider slower than ``SMS_TIMEOUT``: the message is 状态未知 until its delivery
  report says it was taken, and the provider gets exactly one;
- restore into a new bucket (created, every file's checksum matching) and into a missing
  one these credentials may not create (refused before anything is written);
- PostgreSQL stopped and started under load: /healthz answers 503 then 200 again, and
  every failed page is the Chinese 503 page.

Runs in the PostgreSQL pass of ``make test`` (marker ``faults``)."""
import hashlib
import json
import os
import re
import signal
import subprocess
import tarfile
import threading
import time
import uuid

import psycopg2
import pytest
import requests

from tests.deployment.harness import (
    BIN,
    Deployment,
    PrivatePostgres,
    PrivateRedis,
    Session,
    create_database,
    free_port,
    workbook_of_learners,
)

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("deployment")]
IMPORT_ROWS = 12_000
SETTINGS = {"SMS_TIMEOUT": "2", "SMS_RETRY_DELAY": "2", "SWEEP_SECONDS": "1", "JOB_LEASE_SECONDS": "30"}


@pytest.fixture(scope="module")
def faulty(tmp_path_factory, s3_server):
    folder = tmp_path_factory.mktemp("faults")
    with (PrivatePostgres() as postgres, PrivateRedis(folder) as redis_server,
          Deployment(folder, postgres.url, s3_server, redis_server.url, name="faults", settings=SETTINGS) as deployment):
        deployment.postgres, deployment.redis = postgres, redis_server
        yield deployment


def job_row(deployment, job_id):
    (row,) = deployment.query("SELECT status, stage, worker, attempt, interrupted, error FROM job WHERE id = %s",
                              job_id)
    return dict(zip(("status", "stage", "worker", "attempt", "interrupted", "error"), row, strict=True))


def test_a_consumer_killed_mid_import_the_job_ends_within_two_minutes(faulty, tmp_path):
    session = Session(faulty.base, lambda response: None)
    session.login("institution", "institution")
    book = workbook_of_learners(tmp_path / "learners.xlsx", IMPORT_ROWS)
    with open(book, "rb") as upload:
        page = session.post_form("/admin/inst_learners/import/", {},
                                 files={"file": ("learners.xlsx", upload, "application/octet-stream")})
    job_id = int(re.search(r"/jobs/(\d+)/", page.url).group(1))
    deadline = time.time() + 180
    while job_row(faulty, job_id)["stage"] != "writing":  # 正在写入: its rows are going into the database
        assert time.time() < deadline, job_row(faulty, job_id)
        time.sleep(0.05)
    time.sleep(0.5)
    running = job_row(faulty, job_id)
    assert running["status"] == "running" and running["worker"].endswith(f":{faulty.consumer.pid}")
    faulty.consumer.send_signal(signal.SIGKILL)
    faulty.consumer.wait(timeout=10)
    killed_at = time.time()
    faulty.consumer = faulty.start_consumer()  # the supervisor starts it again
    while job_row(faulty, job_id)["status"] not in ("done", "failed"):
        assert time.time() - killed_at < 120, job_row(faulty, job_id)
        time.sleep(0.5)
    ended = time.time() - killed_at
    final = job_row(faulty, job_id)
    print(f"\njob ended {ended:.1f} s after the kill: {final['status']}, attempt {final['attempt']}")
    assert (final["status"], final["attempt"], final["interrupted"]) == ("done", 2, 1)
    (imported,), = faulty.query("SELECT count(*) FROM \"user\" WHERE real_name LIKE '导入学员%%'")
    assert imported == IMPORT_ROWS  # every row once: the killed run left nothing
    state = session.get(f"/admin/inst_learners/jobs/{job_id}/status").json()
    assert state["status"] == "done" and state["percent"] == 100


def test_with_redis_down_codes_and_notices_are_each_delivered_once(faulty):
    faulty.redis.stop()
    try:
        deadline = time.time() + 30
        while True:  # each web worker checks the queue at most every 10 s
            health = requests.get(faulty.base + "/healthz", timeout=10)
            if health.json()["checks"]["queue"]["status"] == "down":
                break
            assert time.time() < deadline, health.json()
            time.sleep(1)
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        phones = [f"1771111{n:04d}" for n in range(3)]
        for phone in phones:
            visitor = Session(faulty.base, lambda response: None)
            visitor.get("/register?agree=1")
            answer = visitor.post_form("/register?agree=1", {"purpose": "register", "phone": phone},
                                       action="/sms/send")
            assert answer.status_code == 200 and answer.json().get("ok", True), answer.text
        institution = Session(faulty.base, lambda response: None)
        institution.login("institution", "institution")
        notified = [f"1772222{n:04d}" for n in range(2)]
        for n, phone in enumerate(notified):
            created = institution.post_form("/admin/inst_users/new/", {
                "username": f"redisdown{n}", "real_name": f"子用户{n}", "phone": phone, "menus": "messages"})
            assert created.status_code == 200 and "/admin/inst_users/" in created.url, created.text[-500:]
        time.sleep(3)
    finally:
        faulty.redis.start()
    wanted = phones + notified
    deadline = time.time() + 90
    while True:
        rows = faulty.query("SELECT phone, status FROM sms_outbox WHERE phone = ANY(%s)", wanted)
        if len(rows) == len(wanted) and all(status == "sent" for _phone, status in rows):
            break
        assert time.time() < deadline, rows
        time.sleep(0.5)
    time.sleep(5)  # anything queued twice would arrive now
    taken = faulty.provider.taken_by_phone()
    assert {phone: taken.get(phone, 0) for phone in wanted} == {phone: 1 for phone in wanted}


def test_a_provider_slower_than_the_timeout_gets_exactly_one_message(faulty):
    phone = "17733330000"
    faulty.provider.delay = 4  # SMS_TIMEOUT is 2 s: every answer comes too late
    try:
        visitor = Session(faulty.base, lambda response: None)
        visitor.get("/register?agree=1")
        visitor.post_form("/register?agree=1", {"purpose": "register", "phone": phone}, action="/sms/send")
        seen, deadline = [], time.time() + 90
        while True:
            rows = faulty.query("SELECT status, attempts FROM sms_outbox WHERE phone = %s", phone)
            if rows:
                seen.append(rows[0][0])
                if rows[0][0] == "sent":
                    break
            assert time.time() < deadline, seen
            time.sleep(0.2)
    finally:
        faulty.provider.delay = 0
    assert "unknown" in seen  # 状态未知 until the report decided
    assert rows[0] == ("sent", 1)
    time.sleep(4)
    assert faulty.provider.taken_by_phone()[phone] == 1
    assert any(query["PhoneNumber"] == phone for query in faulty.provider.queries)


def restricted_gateway(s3_server, folder):
    """Another S3 gateway on the same files whose only identity may read and write objects
    but not create buckets."""
    config = folder / "restricted-s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "restorer", "credentials": [{"accessKey": "restorer", "secretKey": "restorer-secret"}],
        "actions": ["Read", "Write", "List", "Tagging"]}]}))
    port, grpc = free_port(), free_port()  # (by default its gRPC port is port + 10000: maybe past 65535)
    log = open(folder / "restricted-s3.log", "wb")  # noqa: SIM115 - closed with the process below
    process = subprocess.Popen([os.path.join(BIN, "weed"), "s3", f"-filer={s3_server.filer}", f"-port={port}",
                                f"-port.grpc={grpc}", f"-config={config}", "-ip.bind=127.0.0.1", "-port.iceberg=0",
                                "-port.lance=0"],  # no fixed ports: another run's gateway may hold them
                               stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            requests.get(endpoint, timeout=2)
            return process, log, endpoint
        except requests.ConnectionError:
            assert time.time() < deadline and process.poll() is None, (folder / "restricted-s3.log").read_text()
            time.sleep(0.3)


def s3_client(endpoint, key="test", secret="test"):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret,
                        region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))


def tables(url):
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def test_restore_into_a_fresh_bucket_and_refused_into_a_missing_one(faulty, s3_server, tmp_path):
    archive = str(tmp_path / "backup.tar.gz")
    made = faulty.flask("backup", archive)
    assert made.returncode == 0, made.stderr[-2000:]
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    files = {name.split("/", 1)[1]: entry["sha256"] for name, entry in manifest["members"].items()
             if name.startswith("uploads/")}
    assert files  # the demo data's evidence, the import's source and results

    fresh_bucket = f"restored-{uuid.uuid4().hex[:8]}"
    fresh = create_database(faulty.postgres.url, "restored_fresh")
    restored = faulty.flask("restore", archive, env={"DATABASE_URL": fresh, "S3_BUCKET": fresh_bucket, "S3_PREFIX": ""})
    assert restored.returncode == 0, restored.stdout + restored.stderr[-2000:]
    client = s3_client(s3_server)
    for name, digest in files.items():
        body = client.get_object(Bucket=fresh_bucket, Key=f"{name[:2]}/{name}")["Body"].read()
        assert hashlib.sha256(body).hexdigest() == digest
    source_users, = faulty.query('SELECT count(*) FROM "user"')[0]
    connection = psycopg2.connect(fresh)
    with connection.cursor() as cursor:
        cursor.execute('SELECT count(*) FROM "user"')
        assert cursor.fetchone()[0] == source_users
    connection.close()

    process, log, endpoint = restricted_gateway(s3_server, tmp_path)
    try:
        missing_bucket = f"missing-{uuid.uuid4().hex[:8]}"
        empty = create_database(faulty.postgres.url, "restored_missing")
        env = {"DATABASE_URL": empty, "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": missing_bucket, "S3_PREFIX": "",
               "S3_ACCESS_KEY": "restorer", "S3_SECRET_KEY": "restorer-secret"}
        checked = faulty.flask("restore", "--dry-run", archive, env=env)
        assert checked.returncode == 0 and "will be created" in checked.stdout, checked.stdout + checked.stderr
        refused = faulty.flask("restore", archive, env=env)
        assert refused.returncode != 0 and "cannot be created" in refused.stderr, refused.stderr[-2000:]
        assert tables(empty) == 0  # not a row written
        client.head_bucket(Bucket=fresh_bucket)
        with pytest.raises(client.exceptions.ClientError):
            client.head_bucket(Bucket=missing_bucket)  # still missing: nothing was created
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


WERKZEUG = ("Internal Server Error", "Service Unavailable", "Werkzeug", "The server encountered")


def test_postgresql_restarted_under_load(faulty):
    """/healthz answers 503 while PostgreSQL is down and 200 once it is back; meanwhile every
    page that cannot be served is the Chinese 503 page in the layout, never Werkzeug's; and
    once it is back every browser gets its pages again (no web worker is left broken)."""
    stop = threading.Event()
    health, problems = [], []
    browsers = {"visitor": (["/", "/rules", "/login", "/news"], None),
                "learner": (["/me/", "/me/credits"], ("learner", "person")),
                "center": (["/admin/", "/admin/jobs/"], ("center", "person"))}
    answers = {name: [] for name in browsers}

    def browse(name):
        paths, login = browsers[name]
        session = Session(faulty.base, lambda response: None)
        if login:
            session.login(*login)
        while not stop.is_set():
            for path in paths:
                try:
                    response = session.http.get(faulty.base + path, timeout=30)
                except requests.RequestException as error:
                    problems.append(f"{path}: {type(error).__name__}")
                    continue
                answers[name].append((path, response.status_code, response.text))

    def watch():
        while not stop.is_set():
            try:
                response = requests.get(faulty.base + "/healthz", timeout=30)
                health.append((response.status_code, response.headers.get("Content-Type")))
            except requests.RequestException as error:
                problems.append(f"/healthz: {type(error).__name__}")
            time.sleep(0.2)

    def served_again():
        return all(len(seen) >= 3 and all(code < 500 for _path, code, _text in seen[-3:])
                   for seen in answers.values())

    threads = [threading.Thread(target=browse, args=(name,)) for name in browsers] + [threading.Thread(target=watch)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(3)
        faulty.postgres.stop()
        time.sleep(5)
        faulty.postgres.start()
        deadline = time.time() + 90
        while not (health and health[-1][0] == 200 and served_again()):
            assert time.time() < deadline, (health[-5:], {n: [c for _p, c, _t in a[-5:]] for n, a in answers.items()},
                                            faulty.log_tail("gunicorn.log"))
            time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    statuses = [code for code, _type in health]
    first_down = statuses.index(503)
    assert 200 in statuses[:first_down] and 200 in statuses[first_down:]
    assert all(kind.startswith("application/json") for _code, kind in health)
    failed = [(path, code, text) for seen in answers.values() for path, code, text in seen if code >= 500]
    print(f"\n{sum(map(len, answers.values()))} pages under the restart, {len(failed)} answered 503; "
          f"health {statuses.count(503)}×503")
    assert failed, "the restart went unnoticed: no page failed"
    for path, code, text in failed:
        assert code == 503 and "服务暂时不可用" in text and '<html lang="zh-CN">' in text, (path, code, text[:300])
        assert not any(english in text for english in WERKZEUG), (path, text[:300])
    assert problems == []
