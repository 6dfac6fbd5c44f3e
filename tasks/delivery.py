"""The fast path of deliveries: a row handed over right after its transaction committed.
No huey retries: a failed attempt leaves the row due again later (``next_attempt_at``,
``SMS_RETRY_DELAY`` read by the consumer), and the sweeper delivers it then."""
from services import queue
from tasks.runtime import in_app


@queue.task("deliver_sms")
@in_app
def deliver_sms(row_id, *_queued_by_an_older_release):
    from services import sms_delivery

    sms_delivery.deliver(row_id)


@queue.task("deliver_emails")
@in_app
def deliver_emails(row_ids):
    from services import mail

    mail.deliver(row_ids)


@queue.task("alert_rule_published", retries=2, retry_delay=60)
@in_app
def alert_rule_published(rule_id):
    """Tell the learners holding a newly published rule's sources (services/rule_alerts.py)."""
    from services import rule_alerts

    return rule_alerts.alert(rule_id)
