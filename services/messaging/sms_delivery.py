"""The SMS outbox's delivery (SPEC §12, §15): the outbox is the source of truth.

- ``write`` stores a message: the body staff read (codes masked) and, sealed
  (services.messaging.sealing), what the gateway is sent. ``hand_over`` queues the committed rows
  when the request or job that wrote them ends; a queue that is down loses nothing.
- ``deliver`` claims a due row (pending → sending, a conditional update: of two consumers
  exactly one gets it), calls the gateway and ends the claim: sent; pending again after
  ``SMS_RETRY_DELAY`` (read by the consumer that retries) while attempts remain, failed
  after ``ATTEMPTS``; or **unknown** when the request left and no answer came back.
- An unknown row is never sent again blindly: ``resolve`` asks the provider's delivery
  report (``gateway.report``) — taken → sent; not taken → pending (sent again, same
  ``reference``); no report yet → asked again later.
- ``sweep`` (the consumer's sweeper thread, every ``SWEEP_SECONDS``) delivers every due row
  whatever happened to its task, asks the reports of unknown rows, and turns a claim
  whose consumer died mid-call (sending for longer than the timeout allows) into unknown.
A code that could not be delivered within its 10 minutes is failed, not sent late.
"""
import datetime as dt
import logging
import uuid

from flask import current_app

from models import SmsOutbox, SmsPurpose, SmsStatus, now
from services.background import queue
from services.core import transitions
from services.messaging import sealing, sms_gateway

log = logging.getLogger(__name__)
ATTEMPTS = 5  # a few tries over a few minutes, then the row is failed
GRACE = dt.timedelta(seconds=15)  # a new row's own task normally delivers it within this
REPORTS_FOR = dt.timedelta(days=1)  # an unknown row's report is asked for this long
# What services.messaging.sms writes and validates: a code's validity (one not delivered within it is
# failed, not sent late).
CODE_TTL = dt.timedelta(minutes=10)
MASK = sealing.MASK


class Undeliverable(Exception):
    """Nothing sensible can be sent: the code expired, or the sealed text is unreadable."""


def write(phone, body, purpose, text, params):
    """A new outbox row: ``body`` for staff, ``text``/``params`` sealed for the gateway."""
    return SmsOutbox.create(
        phone=phone, body=body, purpose=purpose, backend=current_app.config["SMS_BACKEND"],
        payload=sealing.seal({"text": text, "params": params}), reference=uuid.uuid4().hex,
    )


def write_many(messages, purpose):
    """Notices ``[(phone, text)]`` as outbox rows in bulk (one INSERT a page); their ids."""
    from services.core import bulk

    rows = bulk.insert_chunked(
        SmsOutbox,
        ({"phone": phone, "body": text, "payload": sealing.seal({"text": text, "params": {"content": text}}),
          "reference": uuid.uuid4().hex} for phone, text in messages),
        returning=("id",), purpose=purpose, backend=current_app.config["SMS_BACKEND"], created_at=now())
    return [row_id for (row_id,) in rows]


def hand_over(row_ids):
    """Queue delivery of the rows of ``row_ids`` that were committed and are still pending
    (those of a rolled-back transaction are gone). Never raises: it runs while a request
    ends, and the sweeper delivers anything not handed over."""
    try:
        committed = [row_id for (row_id,) in SmsOutbox.select(SmsOutbox.id).where(
            SmsOutbox.id.in_(row_ids), SmsOutbox.status == SmsStatus.PENDING).tuples()]
        for row_id in committed:
            queue.enqueue("deliver_sms", row_id)
    except Exception as error:  # the queue (or the database) is down: the sweeper delivers them
        log.warning("SMS %s left for the sweeper: %s", list(row_ids)[:20], error)


def _delay():
    return dt.timedelta(seconds=current_app.config["SMS_RETRY_DELAY"])


def _due():
    return SmsOutbox.next_attempt_at.is_null() | (SmsOutbox.next_attempt_at <= now())


def _content(row):
    if row.purpose != SmsPurpose.NOTICE and row.created_at < now() - CODE_TTL:
        raise Undeliverable("expired before delivery")
    if row.payload is None:  # written before payloads were kept: only a notice's text is whole
        if MASK in row.body:
            raise Undeliverable("expired before delivery")
        return row.body, {"content": row.body}
    try:
        sealed = sealing.unseal(row.payload)
    except sealing.Unreadable as error:
        raise Undeliverable(f"cannot be read: {error}") from None
    return sealed["text"], sealed["params"]


def _end(row_id, status, source, **changes):
    if status in (SmsStatus.SENT, SmsStatus.FAILED):
        changes["payload"] = None  # final: what the gateway was sent is not kept
    return transitions.move(SmsOutbox, status, expected=(source,), where=[SmsOutbox.id == row_id], changes=changes)


def _again_or_fail(row, source, error, at=None):
    """Pending again (due ``at``, by default after the retry delay) while attempts remain."""
    if row.attempts >= ATTEMPTS:
        _end(row.id, SmsStatus.FAILED, source, error=str(error)[:500])
        log.warning("SMS %s failed after %s attempts: %s", row.id, row.attempts, error)
    else:
        _end(row.id, SmsStatus.PENDING, source, error=str(error)[:500], sent_at=None,
             next_attempt_at=at or now() + _delay())


def deliver(row_id):
    """Deliver row ``row_id`` if it is pending and due; True when the gateway took it."""
    claimed = transitions.move(SmsOutbox, SmsStatus.SENDING, expected=(SmsStatus.PENDING,),
                               where=[SmsOutbox.id == row_id, _due()],
                               changes={"sent_at": now(), "attempts": SmsOutbox.attempts + 1})
    if not claimed:
        return False  # sent already, being sent, not due, unknown, or failed for good
    row = SmsOutbox.get_by_id(row_id)
    try:
        text, params = _content(row)
    except Undeliverable as error:
        _end(row_id, SmsStatus.FAILED, SmsStatus.SENDING, error=str(error))
        return False
    try:
        sms_gateway.gateway().deliver(row.phone, text, params, row)
    except sms_gateway.DeliveryUnknown as error:
        _end(row_id, SmsStatus.UNKNOWN, SmsStatus.SENDING, error=str(error)[:500], next_attempt_at=now() + _delay())
        log.warning("SMS %s may have been delivered (%s): its report decides", row_id, error)
        return False
    except sms_gateway.DeliveryError as error:
        _again_or_fail(row, SmsStatus.SENDING, error)
        return False
    _end(row_id, SmsStatus.SENT, SmsStatus.SENDING, sent_at=now(), error=None)
    return True


def resolve(row_id):
    """An unknown row, once due: the provider's delivery report decides."""
    row = SmsOutbox.get_or_none(SmsOutbox.id == row_id, SmsOutbox.status == SmsStatus.UNKNOWN)
    if row is None:
        return None
    report = sms_gateway.gateway().report(row)
    if report == sms_gateway.DELIVERED:
        _end(row_id, SmsStatus.SENT, SmsStatus.UNKNOWN, error=None)
    elif report == sms_gateway.NOT_TAKEN:
        # Due at once: the earlier attempt is known to have left nothing.
        _again_or_fail(row, SmsStatus.UNKNOWN, "the provider did not take it", at=now())
    else:
        SmsOutbox.update(next_attempt_at=now() + _delay()).where(SmsOutbox.id == row_id).execute()
    return report


def stale_claim():
    """How long a claim may last: the gateway's timeout and a margin."""
    return dt.timedelta(seconds=current_app.config["SMS_TIMEOUT"] + 60)


def sweep(limit=200):
    """One pass of the sweeper; returns what it did."""
    lost = transitions.move(SmsOutbox, SmsStatus.UNKNOWN, expected=(SmsStatus.SENDING,),
                            where=[SmsOutbox.sent_at < now() - stale_claim()],
                            changes={"next_attempt_at": now(), "error": "its consumer stopped mid-call"})
    unknown = [row_id for (row_id,) in SmsOutbox.select(SmsOutbox.id).where(
        SmsOutbox.status == SmsStatus.UNKNOWN, _due(), SmsOutbox.created_at > now() - REPORTS_FOR,
    ).order_by(SmsOutbox.id).limit(limit).tuples()]
    reports = [resolve(row_id) for row_id in unknown]
    waiting = SmsOutbox.select(SmsOutbox.id).where(
        SmsOutbox.status == SmsStatus.PENDING,
        (SmsOutbox.next_attempt_at <= now())
        | (SmsOutbox.next_attempt_at.is_null() & (SmsOutbox.created_at < now() - GRACE)),
    ).order_by(SmsOutbox.id).limit(limit)
    delivered = sum(1 for (row_id,) in list(waiting.tuples()) if deliver(row_id))
    return {"lost_claims": lost, "reports": len(reports), "delivered": delivered}


def late_codes(older_than=dt.timedelta(minutes=1)):
    """Codes people are waiting for that have not left after ``older_than`` (``/healthz``)."""
    return SmsOutbox.select().where(
        SmsOutbox.status.in_([SmsStatus.PENDING, SmsStatus.SENDING, SmsStatus.UNKNOWN]),
        SmsOutbox.purpose != SmsPurpose.NOTICE,
        SmsOutbox.created_at < now() - older_than, SmsOutbox.created_at > now() - CODE_TTL,
    ).count()
