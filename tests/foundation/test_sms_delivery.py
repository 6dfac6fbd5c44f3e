"""SMS leave the outbox through the job consumer: after commit only, exactly once, with
retries and a failed state, through a signed gateway request (tested against a local
HTTP server that checks the signature as the provider would). The outbox is the source of
truth: the sweeper delivers what the queue lost, and a message the provider may have
taken (a timeout) is settled by its delivery report, never sent twice."""
import datetime as dt
import json
import os
import subprocess
import sys
import time

import pytest

from models import SmsOutbox, SmsStatus, db, now
from services import queue, sealing, sms, sms_delivery, sweeper
from services.database import transaction
from tests.foundation.test_jobs import ROOT, consumer_command
from tests.sms_provider import GATEWAY, FakeProvider


@pytest.fixture
def provider(app):
    fake = FakeProvider()
    app.config.update(GATEWAY, SMS_GATEWAY_URL=fake.url)
    yield fake
    fake.close()


def write(phone="13800000003", text="【学分银行】通知"):
    """An outbox row whose own task is not run (as when the queue was down)."""
    from flask import g

    sms.send(phone, text)
    g.pop("sms_to_deliver")
    return SmsOutbox.get(SmsOutbox.phone == phone)


def test_a_notice_is_delivered_after_the_request_that_wrote_it(app):
    with app.test_request_context():
        with transaction():
            sms.send("13800000001", "【学分银行】通知")
        app.do_teardown_request()
    row = SmsOutbox.get()
    assert (row.status, row.attempts) == (SmsStatus.SENT, 1) and row.sent_at is not None
    assert row.payload is None  # a final row keeps no clear text


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
    assert row.status == SmsStatus.SENT and value not in row.body and fields["OutId"] == row.reference


def test_a_waiting_code_is_sealed_and_never_readable_in_the_outbox(app):
    from flask import g

    value = sms.issue_code("13800000012", "register")
    g.pop("sms_to_deliver")
    row = SmsOutbox.get()
    assert value not in row.body and value not in row.payload
    assert sealing.unseal(row.payload)["params"] == {"code": value}
    app.config["SECRET_KEY"] = "another-key"
    with pytest.raises(sealing.Unreadable):
        sealing.unseal(row.payload)


def test_a_notice_with_a_secret_link_uses_the_notice_template(app, provider):
    with app.test_request_context():
        sms.send("13800000013", "【学分银行】请打开 https://x/p/SECRET123 设置密码", secrets=("SECRET123",))
        app.do_teardown_request()
    (fields, _valid), = provider.requests
    assert fields["TemplateCode"] == "SMS_100002"
    assert "SECRET123" in json.loads(fields["TemplateParam"])["content"]
    assert "SECRET123" not in SmsOutbox.get().body


def test_refusals_are_retried_after_the_delay_then_marked_failed(app, provider):
    provider.answers = ["isv.BUSINESS_LIMIT_CONTROL"] * sms_delivery.ATTEMPTS
    app.config["SMS_RETRY_DELAY"] = 120
    row = write()
    assert sms_delivery.deliver(row.id) is False
    row = SmsOutbox.get_by_id(row.id)
    assert (row.status, row.attempts) == (SmsStatus.PENDING, 1) and "BUSINESS_LIMIT" in row.error
    assert row.next_attempt_at >= now() + dt.timedelta(seconds=100)  # the consumer's own setting
    assert sms_delivery.deliver(row.id) is False and len(provider.requests) == 1  # not due yet
    for attempt in range(2, sms_delivery.ATTEMPTS + 1):
        SmsOutbox.update(next_attempt_at=now()).where(SmsOutbox.id == row.id).execute()
        sms_delivery.sweep()
        assert SmsOutbox.get_by_id(row.id).attempts == attempt
    row = SmsOutbox.get_by_id(row.id)
    assert (row.status, row.attempts, row.payload) == (SmsStatus.FAILED, sms_delivery.ATTEMPTS, None)
    # A failed row is final: a late duplicate task sends nothing.
    assert sms_delivery.deliver(row.id) is False
    assert len(provider.requests) == sms_delivery.ATTEMPTS


def test_a_row_is_delivered_once_when_two_jobs_race(app, provider):
    row = write("13800000004")
    assert sms_delivery.deliver(row.id) is True
    assert sms_delivery.deliver(row.id) is False
    assert len(provider.requests) == 1


def test_the_sweeper_delivers_what_the_queue_lost(app, provider):
    """Rows whose task never reached the queue leave with the next sweep (codes too: their
    text is sealed in the row); a fresh row is left to its own task for a few seconds."""
    from flask import g

    code = sms.issue_code("13800000005", "register")
    notice = write("13800000006")
    g.pop("sms_to_deliver", None)
    assert sms_delivery.sweep()["delivered"] == 0  # within the grace: their tasks may still run
    SmsOutbox.update(created_at=now() - dt.timedelta(seconds=20)).execute()
    assert sms_delivery.sweep()["delivered"] == 2
    assert provider.codes_for("13800000005") == [code]
    assert SmsOutbox.get_by_id(notice.id).status == SmsStatus.SENT
    assert sms_delivery.sweep()["delivered"] == 0 and len(provider.requests) == 2


def test_a_code_that_could_not_leave_in_time_is_failed_not_sent_late(app, provider):
    from flask import g

    sms.issue_code("13800000007", "register")
    g.pop("sms_to_deliver")
    SmsOutbox.update(created_at=now() - dt.timedelta(minutes=11)).execute()
    sms_delivery.sweep()
    row = SmsOutbox.get()
    assert (row.status, row.error) == (SmsStatus.FAILED, "expired before delivery") and provider.requests == []


def test_a_timeout_marks_the_row_unknown_and_the_report_decides(app):
    """A provider slower than SMS_TIMEOUT took the message: the row is 状态未知 until its
    delivery report says it was taken — then sent, with exactly one message at the provider."""
    slow = FakeProvider(delay=2.5)
    app.config.update(GATEWAY, SMS_GATEWAY_URL=slow.url, SMS_TIMEOUT=1, SMS_RETRY_DELAY=0)
    try:
        row = write("13800000008")
        assert sms_delivery.deliver(row.id) is False
        row = SmsOutbox.get_by_id(row.id)
        assert row.status == SmsStatus.UNKNOWN and "no answer" in row.error
        assert SmsStatus.label(row.status) == "状态未知"
        for _ in range(3):  # sweeps never send it again
            sms_delivery.sweep()
        row = SmsOutbox.get_by_id(row.id)
        assert (row.status, row.attempts) == (SmsStatus.SENT, 1)
        assert slow.valid_requests() == 1 and slow.queries[0]["PhoneNumber"] == "13800000008"
    finally:
        slow.close()


def test_an_unknown_row_the_provider_never_took_is_sent_again(app, provider):
    row = write("13800000009")
    SmsOutbox.update(status=SmsStatus.UNKNOWN, attempts=1, sent_at=now(), next_attempt_at=now()).where(
        SmsOutbox.id == row.id).execute()
    sms_delivery.sweep()
    row = SmsOutbox.get_by_id(row.id)
    assert (row.status, row.attempts) == (SmsStatus.SENT, 2) and provider.valid_requests() == 1


def test_an_unknown_row_waits_while_the_report_cannot_be_read(app, provider):
    row = write("13800000010")
    SmsOutbox.update(status=SmsStatus.UNKNOWN, attempts=1, next_attempt_at=now()).where(
        SmsOutbox.id == row.id).execute()
    provider.close()  # the provider does not answer at all
    app.config["SMS_GATEWAY_URL"] = "http://127.0.0.1:9/"
    sms_delivery.sweep()
    row = SmsOutbox.get_by_id(row.id)
    assert row.status == SmsStatus.UNKNOWN and row.next_attempt_at > now() - dt.timedelta(seconds=1)


def test_a_claim_whose_consumer_died_is_settled_by_the_report(app, provider):
    row = write("13800000011")
    SmsOutbox.update(status=SmsStatus.SENDING, attempts=1, sent_at=now() - dt.timedelta(minutes=5)).where(
        SmsOutbox.id == row.id).execute()
    result = sms_delivery.sweep()
    assert result["lost_claims"] == 1
    # Not in the provider's report: sent (once) on the same pass's delivery step or the next.
    sms_delivery.sweep()
    assert SmsOutbox.get_by_id(row.id).status == SmsStatus.SENT and provider.valid_requests() == 1


def test_the_queue_being_down_loses_nothing(app, provider, monkeypatch):
    """Handing a message to a queue that is down is logged, not shown; the sweep sends it."""

    def down(*args):
        raise queue.QueueUnavailable("ConnectionError: Redis is down")

    monkeypatch.setattr(queue, "enqueue", down)
    with app.test_request_context():
        sms.send("13800000014", "【学分银行】通知")
        app.do_teardown_request()
    assert SmsOutbox.get().status == SmsStatus.PENDING and provider.requests == []
    SmsOutbox.update(created_at=now() - dt.timedelta(seconds=30)).execute()
    sweeper.sweep()
    assert SmsOutbox.get().status == SmsStatus.SENT and provider.valid_requests() == 1


def test_a_consumer_retries_until_the_gateway_accepts(app, database_url, tmp_path):
    """The real path: a request-less writer queues the task, a huey consumer in another
    process calls the gateway, which refuses once; its sweeper retries after the delay
    the consumer's own SMS_RETRY_DELAY sets."""
    fake = FakeProvider(answers=["isp.SYSTEM_ERROR"])
    env = {**os.environ, **GATEWAY, "SMS_GATEWAY_URL": fake.url, "HUEY_IMMEDIATE": "0",
           "HUEY_SQLITE": str(tmp_path / "huey.db"), "DATABASE_URL": database_url,
           "UPLOAD_DIR": str(tmp_path / "uploads"), "SECRET_KEY": "test-secret"}
    writer = ("from app import create_app\nfrom models import db\nfrom services import sms\n"
              "from services.database import transaction\n"
              "with create_app().app_context(), db.connection_context():\n"
              "    with transaction():\n        sms.send('13800000008', '【学分银行】重试')\n    sms.flush()\n")
    subprocess.run([sys.executable, "-c", writer], cwd=ROOT, env={**env, "SMS_RETRY_DELAY": "600"}, check=True,
                   timeout=60)
    with open(tmp_path / "consumer.log", "wb") as log:
        consumer = subprocess.Popen(consumer_command(), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                    env={**env, "SMS_RETRY_DELAY": "1", "SWEEP_SECONDS": "0.5"})
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
