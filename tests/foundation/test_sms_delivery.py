"""SMS leave the outbox through the job consumer: after commit only, exactly once, with
retries and a failed state, through a signed gateway request (tested against a local
HTTP server that checks the signature as the provider would)."""
import json
import os
import subprocess
import sys
import time

import pytest

from models import SmsOutbox, SmsStatus, db
from services import sms, sms_gateway
from services.database import transaction
from tests.foundation.test_jobs import ROOT
from tests.sms_provider import GATEWAY, FakeProvider


@pytest.fixture
def provider(app):
    fake = FakeProvider()
    app.config.update(GATEWAY, SMS_GATEWAY_URL=fake.url)
    yield fake
    fake.close()


def test_a_notice_is_delivered_after_the_request_that_wrote_it(app):
    with app.test_request_context():
        with transaction():
            sms.send("13800000001", "【学分银行】通知")
        app.do_teardown_request()
    row = SmsOutbox.get()
    assert (row.status, row.attempts) == (SmsStatus.SENT, 1) and row.sent_at is not None


def test_a_rolled_back_transaction_sends_nothing(app, sms_delivered):
    with app.test_request_context():
        with pytest.raises(RuntimeError), transaction():
            sms.send("13800000001", "【学分银行】不会发出")
            raise RuntimeError("decision failed")
        app.do_teardown_request()
    assert SmsOutbox.select().count() == 0 and sms_delivered == []


def test_the_gateway_gets_a_signed_template_request_with_the_code(app, provider):
    value = sms.issue_code("13800000002", "register")
    sms.flush()
    (fields, valid), = provider.requests
    assert valid and fields["PhoneNumbers"] == "13800000002"
    assert fields["TemplateCode"] == "SMS_100001" and json.loads(fields["TemplateParam"]) == {"code": value}
    row = SmsOutbox.get()
    assert row.status == SmsStatus.SENT and value not in row.body


def test_refusals_are_retried_then_marked_failed(app, provider):
    provider.answers = ["isv.BUSINESS_LIMIT_CONTROL", "isv.BUSINESS_LIMIT_CONTROL"]
    with app.test_request_context():
        sms.send("13800000003", "【学分银行】通知")
        row_id = SmsOutbox.get().id
        with pytest.raises(sms_gateway.DeliveryError):
            sms_gateway.deliver(row_id, "【学分银行】通知", {"content": "【学分银行】通知"}, last_try=False)
        row = SmsOutbox.get_by_id(row_id)
        assert (row.status, row.attempts) == (SmsStatus.PENDING, 1) and "BUSINESS_LIMIT" in row.error
        with pytest.raises(sms_gateway.DeliveryError):
            sms_gateway.deliver(row_id, "【学分银行】通知", {"content": "【学分银行】通知"}, last_try=True)
        row = SmsOutbox.get_by_id(row_id)
        assert (row.status, row.attempts) == (SmsStatus.FAILED, 2)
        # A failed row is final: a late duplicate job sends nothing.
        assert sms_gateway.deliver(row_id, "x", {"content": "x"}, last_try=True) is False
    assert len(provider.requests) == 2


def test_a_row_is_delivered_once_when_two_jobs_race(app, provider):
    with app.test_request_context():
        sms.send("13800000004", "【学分银行】通知")
        row_id = SmsOutbox.get().id
        from flask import g

        assert len(g.pop("sms_to_deliver")) == 1  # this request's own flush is not wanted here
    assert sms_gateway.deliver(row_id, "t", {"content": "t"}, last_try=True) is True
    assert sms_gateway.deliver(row_id, "t", {"content": "t"}, last_try=True) is False
    assert len(provider.requests) == 1


def test_stuck_rows_are_requeued_or_expire(app, sms_delivered):
    import datetime as dt

    from models import now

    old = now() - dt.timedelta(minutes=30)
    notice = SmsOutbox.create(phone="13800000005", body="【学分银行】通知", backend="console", created_at=old)
    code = SmsOutbox.create(phone="13800000006", body="您的验证码是******", backend="console", created_at=old)
    fresh = SmsOutbox.create(phone="13800000007", body="【学分银行】新", backend="console")
    assert sms_gateway.requeue_stuck() == {"requeued": 1, "expired": 1}
    assert SmsOutbox.get_by_id(notice.id).status == SmsStatus.SENT
    assert sms_delivered == [("13800000005", "【学分银行】通知")]
    assert SmsOutbox.get_by_id(code.id).status == SmsStatus.FAILED
    assert SmsOutbox.get_by_id(fresh.id).status == SmsStatus.PENDING  # its job may still be queued


def test_a_consumer_retries_until_the_gateway_accepts(app, database_url, tmp_path):
    """The real path: a request-less writer queues the job, a huey consumer in another
    process calls the gateway, which refuses once; the retry delivers it."""
    fake = FakeProvider(answers=["isp.SYSTEM_ERROR"])
    env = {**os.environ, **GATEWAY, "SMS_GATEWAY_URL": fake.url, "SMS_RETRY_DELAY": "1", "HUEY_IMMEDIATE": "0",
           "HUEY_SQLITE": str(tmp_path / "huey.db"), "DATABASE_URL": database_url,
           "UPLOAD_DIR": str(tmp_path / "uploads"), "SECRET_KEY": "test-secret"}
    writer = ("from app import create_app\nfrom models import db\nfrom services import sms\n"
              "from services.database import transaction\n"
              "with create_app().app_context(), db.connection_context():\n"
              "    with transaction():\n        sms.send('13800000008', '【学分银行】重试')\n    sms.flush()\n")
    subprocess.run([sys.executable, "-c", writer], cwd=ROOT, env=env, check=True, timeout=60)
    consumer_bin = os.path.join(os.path.dirname(sys.executable), "huey_consumer")
    with open(tmp_path / "consumer.log", "wb") as log:
        consumer = subprocess.Popen([consumer_bin, "services.jobs.huey", "-w", "1", "-k", "thread", "-d", "0.1"],
                                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 60
            while SmsOutbox.get().status != SmsStatus.SENT:
                assert time.time() < deadline, (tmp_path / "consumer.log").read_text()
                time.sleep(0.3)
        finally:
            consumer.terminate()
            consumer.wait(timeout=20)
            fake.close()
    row = SmsOutbox.get()
    assert row.attempts == 2 and len(fake.requests) == 2 and all(valid for _f, valid in fake.requests)
    db.close()
