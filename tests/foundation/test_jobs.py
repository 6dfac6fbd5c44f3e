"""Background jobs: the housekeeping steps, and a real huey consumer in another process
taking jobs from the SQLite queue (the embedded default) and from Redis."""
import datetime as dt
import os
import subprocess
import sys
import time

from models import ThrottleHit, ThrottlePace, VerificationCode, db, now
from tests.foundation.test_storage import put

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QUEUE_HOUSEKEEPING = ("from app import create_app\nfrom services.background import queue\n"
                      "with create_app().app_context():\n    queue.enqueue('housekeeping')\n")


def consumer_command(workers=1):
    """The job consumer as the README runs it."""
    return [os.path.join(os.path.dirname(sys.executable), "huey_consumer"), "app.consumer.huey",
            "-w", str(workers), "-k", "thread", "-d", "0.1"]


def old_and_new_rows():
    old = now() - dt.timedelta(days=2)
    VerificationCode.create(phone="13800000001", purpose="reset", code_hash="x", expires_at=old, created_at=old)
    VerificationCode.create(phone="13800000002", purpose="reset", code_hash="y", expires_at=now(), created_at=now())
    ThrottleHit.create(scope="login", key="a", created_at=old)
    ThrottleHit.create(scope="login", key="b")
    ThrottlePace.create(scope="api_token", key="idle", due=old.timestamp())
    ThrottlePace.create(scope="api_token", key="busy", due=now().timestamp())


def test_housekeeping_removes_only_what_is_old(app):
    old_and_new_rows()
    orphan = put(app, "a" * 32 + ".pdf", 7200, recorded=False)
    recorded = put(app, "b" * 32 + ".pdf", 7200, recorded=True)
    result = app.test_cli_runner().invoke(args=["housekeeping"])
    assert result.exit_code == 0, result.output
    assert "codes 1, throttle_hits 1, paces 1, files 1" in result.output
    assert [c.phone for c in VerificationCode.select()] == ["13800000002"]
    assert [h.key for h in ThrottleHit.select()] == ["b"]
    assert [p.key for p in ThrottlePace.select()] == ["busy"]
    assert not os.path.exists(orphan) and os.path.exists(recorded)


def test_a_queued_job_runs_in_the_calling_process_in_immediate_mode(app):
    old_and_new_rows()
    result = app.test_cli_runner().invoke(args=["housekeeping", "--queue"])
    assert result.exit_code == 0 and "queued" in result.output
    assert VerificationCode.select().count() == 1


def run_consumer(env, database_url, tmp_path):
    """Queue the housekeeping job from one process, run it in a consumer in another."""
    env = {**os.environ, **env, "HUEY_IMMEDIATE": "0", "DATABASE_URL": database_url,
           "UPLOAD_DIR": str(tmp_path / "uploads"), "SECRET_KEY": "test-secret"}
    subprocess.run([sys.executable, "-c", QUEUE_HOUSEKEEPING], cwd=ROOT, env=env, check=True, timeout=60)
    assert VerificationCode.select().count() == 2  # queued, not run
    with open(tmp_path / "consumer.log", "wb") as log:
        consumer = subprocess.Popen(consumer_command(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 60
            while VerificationCode.select().count() != 1:
                assert time.time() < deadline, (tmp_path / "consumer.log").read_text()
                time.sleep(0.3)
        finally:
            consumer.terminate()
            consumer.wait(timeout=20)
    assert ThrottleHit.select().count() == 1


def commit_rows():
    with db.atomic():
        old_and_new_rows()


def test_a_consumer_runs_jobs_from_the_sqlite_queue(app, database_url, tmp_path):
    commit_rows()
    run_consumer({"HUEY_SQLITE": str(tmp_path / "huey.db")}, database_url, tmp_path)


def test_a_consumer_runs_jobs_from_redis(app, database_url, tmp_path, redis_url):
    commit_rows()
    run_consumer({"REDIS_URL": redis_url}, database_url, tmp_path)
