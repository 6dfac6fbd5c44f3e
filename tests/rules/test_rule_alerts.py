"""Rule alerts (issue 19, item 6): publishing a rule tells each learner holding its sources,
wholly or in part, once per rule — an inbox message, and an e-mail when they gave an
address, delivered through the e-mail backend (a real SMTP server here: aiosmtpd)."""
import socket
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from models import AccountStatus, EmailOutbox, Message, RuleAlert, RuleStatus, SmsStatus, User, now
from services import mail, queue, rule_alerts, rules
from tests import factories
from tests.foundation.test_jobs import consumer_command
from tests.rules.conftest import has_read_commitment

pytestmark = pytest.mark.usefixtures("reference")


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free loopback port; ``.messages`` are those it received."""
    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default_policy)))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    yield handler
    controller.stop()


@pytest.fixture
def smtp(app, smtp_server):
    app.config.update(EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port,
                      MAIL_FROM="学分银行 <noreply@creditbank.test>", PUBLIC_URL="https://xfyh.example.cn")
    return smtp_server


@pytest.fixture
def world():
    college = factories.make_institution(name="广东开放大学Y")
    a, b, c = (factories.make_catalogue(name=name) for name in ("甲证书", "乙证书", "丙证书"))
    target = factories.make_catalogue("course", institution=college, name="目标课程Y")
    rule = factories.make_rule([a, b], [target], status=RuleStatus.DRAFT)
    whole = factories.make_learner(email="whole@example.cn")
    factories.make_achievement(whole, a)
    factories.make_achievement(whole, b)
    partial = factories.make_learner(email="partial@example.cn", locale="en")
    factories.make_achievement(partial, b)
    no_email = factories.make_learner(email=None)
    factories.make_achievement(no_email, a)
    outsider = factories.make_learner(email="outsider@example.cn")
    factories.make_achievement(outsider, c)
    disabled = factories.make_learner(email="gone@example.cn", status=AccountStatus.DISABLED)
    factories.make_achievement(disabled, a)
    staff = factories.make_user("institution", institution=college)
    return {"rule": rule, "whole": whole, "partial": partial, "no_email": no_email, "outsider": outsider,
            "disabled": disabled, "college": college, "staff": staff, "sources": (a, b, c), "target": target}


def alerts_of(user):
    return list(Message.select().where(Message.user == user, Message.link.contains("/me/credits")))


def test_publishing_alerts_each_holder_once_with_a_link_to_the_pathway(world, smtp):
    rule = world["rule"]
    rules.publish_rule(rule, world["staff"])
    for holder in ("whole", "partial", "no_email"):
        (message,) = alerts_of(world[holder])
        assert message.link == f"/me/credits?rule={rule.id}"
        assert rule.code in message.body
    assert alerts_of(world["whole"])[0].title == "有适用于您成果的转换规则"
    assert alerts_of(world["partial"])[0].title == "A conversion rule for your achievements"  # their language
    assert not alerts_of(world["outsider"]) and not alerts_of(world["disabled"])
    assert RuleAlert.select().where(RuleAlert.rule == rule).count() == 3
    # E-mail: delivered to the SMTP server, with the pathway's absolute link; none without an address.
    received = {tuple(rcpt): message for rcpt, message in smtp.messages}
    assert set(received) == {("whole@example.cn",), ("partial@example.cn",)}
    body = received[("whole@example.cn",)].get_content()
    assert f"https://xfyh.example.cn/me/credits?rule={rule.id}" in body and rule.code in body
    assert received[("whole@example.cn",)]["Subject"] == "有适用于您成果的转换规则"
    assert EmailOutbox.select().where(EmailOutbox.status == SmsStatus.SENT).count() == 2
    # Taking it down and publishing again, or a second job, tells nobody twice.
    rules.take_down_rule(rule, world["staff"])
    rules.publish_rule(rule, world["staff"])
    assert rule_alerts.alert(rule.id) == 0
    assert len(alerts_of(world["whole"])) == 1 and len(smtp.messages) == 2


def test_a_new_holder_is_told_at_the_next_publication_only(world, smtp):
    rule = world["rule"]
    rules.publish_rule(rule, world["staff"])
    newcomer = factories.make_learner(email="new@example.cn")
    factories.make_achievement(newcomer, world["sources"][0])
    rules.take_down_rule(rule, world["staff"])
    rules.publish_rule(rule, world["staff"])
    assert len(alerts_of(newcomer)) == 1 and len(alerts_of(world["whole"])) == 1
    assert [rcpt for rcpt, _m in smtp.messages].count(["new@example.cn"]) == 1


def test_publishing_through_the_institution_space_alerts_after_commit(world, client_as):
    client = client_as(has_read_commitment(world["staff"]))
    response = client.post("/admin/inst_rules/action/", data={"action": "publish", "rowid": world["rule"].id})
    assert response.status_code == 302
    assert len(alerts_of(world["whole"])) == 1 and len(alerts_of(world["partial"])) == 1
    assert not alerts_of(world["outsider"])
    # Console backend: the e-mails went through the log and count as sent.
    assert {row.email for row in EmailOutbox.select().where(EmailOutbox.status == SmsStatus.SENT)} == {
        "whole@example.cn", "partial@example.cn"}
    inbox = client_as(world["whole"]).get("/me/inbox").get_data(as_text=True)
    assert "有适用于您成果的转换规则" in inbox


def test_a_rolled_back_publication_alerts_nobody(world):
    from services.database import transaction

    with pytest.raises(RuntimeError), transaction():
        rules.publish_rule(world["rule"], world["staff"])
        raise RuntimeError("the surrounding work failed")
    rule_alerts.flush()
    assert not RuleAlert.select().exists() and not Message.select().exists()


def test_the_alert_is_set_based(world, app, monkeypatch):
    """The statements of one alert do not grow with the number of holders (delivering the
    e-mails afterwards is one SMTP transaction each, by nature, and is left out here)."""
    from bench.batch import counted_queries
    from models import db

    monkeypatch.setattr(mail, "queue", lambda row_ids: None)

    def statements_for(rule):
        with counted_queries(db.obj) as statements:
            rule_alerts.alert(rule.id)
        return len(statements)

    rule = world["rule"]
    rules.publish_rule(rule, world["staff"])  # queued at once and run: tells three learners
    small = factories.make_rule([world["sources"][2]], [world["target"]])
    RuleAlert.delete().where(RuleAlert.rule == small).execute()
    for n in range(30):
        factories.make_achievement(factories.make_learner(email=f"many{n}@example.cn"), world["sources"][2])
    few = factories.make_rule([world["sources"][0]], [world["target"]])
    assert statements_for(few) == statements_for(small)
    assert RuleAlert.select().where(RuleAlert.rule == small).count() == 31


def test_smtp_failures_are_retried_then_marked_failed(app, smtp):
    app.config.update(SMTP_PORT=1, SMS_RETRY_DELAY=300)  # nothing listens there
    row = EmailOutbox.create(email="x@example.cn", subject="s", body="b")
    assert mail.deliver([row.id]) == 0
    row = EmailOutbox.get_by_id(row.id)
    assert row.status == SmsStatus.PENDING and row.attempts == 1 and row.error
    assert row.next_attempt_at > now()  # due again after the consumer's SMS_RETRY_DELAY
    assert mail.deliver([row.id]) == 0 and EmailOutbox.get_by_id(row.id).attempts == 1  # not due yet
    EmailOutbox.update(attempts=mail.ATTEMPTS - 1, next_attempt_at=now()).where(EmailOutbox.id == row.id).execute()
    mail.sweep()
    assert EmailOutbox.get_by_id(row.id).status == SmsStatus.FAILED
    app.config.update(SMTP_PORT=smtp.port)
    EmailOutbox.update(status=SmsStatus.PENDING).where(EmailOutbox.id == row.id).execute()
    queue.enqueue("deliver_emails", [row.id])
    assert EmailOutbox.get_by_id(row.id).status == SmsStatus.SENT and len(smtp.messages) == 1
    assert mail.deliver([row.id]) == 0  # sent once, never twice
    (_rcpt, message), = smtp.messages
    assert message["Date"] and f".outbox{row.id}@" in message["Message-ID"]


def test_activation_emails_now_leave_through_the_backend(app, smtp):
    with app.test_request_context():
        from services import activation

        activation.email_message("zhao@example.cn", "主题", "正文")
        mail.flush()
    assert [rcpt for rcpt, _m in smtp.messages] == [["zhao@example.cn"]]
    assert User.select().count() == 0


def test_a_real_consumer_tells_the_holders_and_delivers_the_emails(world, smtp_server, database_url, tmp_path):
    """Queued by one process, run by a huey consumer in another: the alert job, then the
    delivery jobs it queues, through SMTP."""
    import os
    import subprocess
    import sys
    import time

    from models import ConversionRule

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    rule = world["rule"]
    ConversionRule.update(status=RuleStatus.PUBLISHED).where(ConversionRule.id == rule.id).execute()
    env = {**os.environ, "HUEY_IMMEDIATE": "0", "HUEY_SQLITE": str(tmp_path / "huey.db"), "DATABASE_URL": database_url,
           "UPLOAD_DIR": str(tmp_path / "uploads"), "SECRET_KEY": "test-secret", "EMAIL_BACKEND": "smtp",
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_server.port), "PUBLIC_URL": "https://xfyh.example.cn"}
    env.pop("REDIS_URL", None)
    writer = ("from app import create_app\nfrom services import queue\nwith create_app().app_context():\n"
              f"    queue.enqueue('alert_rule_published', {rule.id})\n")
    subprocess.run([sys.executable, "-c", writer], cwd=root, env=env, check=True, timeout=60)
    assert not Message.select().exists()  # queued, not run
    with open(tmp_path / "consumer.log", "wb") as log:
        consumer = subprocess.Popen(consumer_command(), cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 60
            while len(smtp_server.messages) < 2:
                assert time.time() < deadline, (tmp_path / "consumer.log").read_text()
                time.sleep(0.3)
        finally:
            consumer.terminate()
            consumer.wait(timeout=20)
    assert Message.select().where(Message.link == f"/me/credits?rule={rule.id}").count() == 3
    assert sorted(rcpt[0] for rcpt, _m in smtp_server.messages) == ["partial@example.cn", "whole@example.cn"]
