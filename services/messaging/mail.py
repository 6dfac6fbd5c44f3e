"""E-mail through a pluggable backend, delivered from the outbox by the job consumer.

Every e-mail is a row of ``email_outbox`` (center staff read it under 系统管理). Rows are
handed to the queue when the request or job that wrote them ends and they are committed
(``flush``), in chunks; a delivery job claims each row (pending → sending, a conditional
update, so two consumers never send one twice), sends the chunk through one connection and
marks it sent — or puts it back to pending, due again after ``SMS_RETRY_DELAY`` (read by the
consumer), and after ``ATTEMPTS`` tries marks it failed. The consumer's sweeper
(``sweep``) delivers every due row whatever happened to its task, and puts back a claim
whose consumer died. SMTP has no delivery report: a consumer killed in the middle of a
message may send it twice (a lost e-mail would be worse).

``EMAIL_BACKEND=console`` (default) writes each message to the log; ``EMAIL_BACKEND=smtp``
sends through ``SMTP_HOST``:``SMTP_PORT`` (``SMTP_STARTTLS=1`` to upgrade the connection,
``SMTP_USER``/``SMTP_PASSWORD`` to log in) from ``MAIL_FROM``.
"""
import datetime as dt
import logging
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from flask import current_app, g

from models import EmailOutbox, SmsStatus, now
from services.background import queue as job_queue
from services.core import transitions
from services.messaging import sealing

log = logging.getLogger(__name__)
STALE_CLAIM = dt.timedelta(minutes=10)
CHUNK = 200
ATTEMPTS = 5
GRACE = dt.timedelta(seconds=15)  # a new row's own task normally delivers it within this


# (setting, default, type): the e-mail settings of ``app.config.default_config``, from the environment.
# PUBLIC_URL: links in e-mails need the site's address (a job has no request to take it
# from); verifiable credentials name their issuer by it. Unset: the development address
# for e-mails, the request's address for credentials.
DEVELOPMENT_URL = "http://127.0.0.1:5000"
SETTINGS = (
    ("EMAIL_BACKEND", "console", str), ("SMTP_HOST", "localhost", str), ("SMTP_PORT", "25", int),
    ("SMTP_USER", "", str), ("SMTP_PASSWORD", "", str), ("SMTP_STARTTLS", "0", lambda v: v == "1"),
    ("SMTP_TIMEOUT", "20", int), ("MAIL_FROM", "学分银行 <noreply@localhost>", str),
    ("PUBLIC_URL", "", str),
)


def settings_from_env(env):
    return {name: kind(env(name, default)) for name, default, kind in SETTINGS}


class DeliveryError(Exception):
    """The backend did not take the message (network error or a refusal)."""


class ConsoleBackend:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send(self, row, body=None):
        log.info("E-mail to %s: %s\n%s", row.email, row.subject, row.body)  # the outbox copy: codes masked


class SmtpBackend:
    def __init__(self, config):
        self.config = config
        self.connection = None

    def __enter__(self):
        config = self.config
        try:
            self.connection = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"])
            if config["SMTP_STARTTLS"]:
                self.connection.starttls()
            if config["SMTP_USER"]:
                self.connection.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"{type(error).__name__}: {error}") from None
        return self

    def __exit__(self, *exc):
        try:
            self.connection.quit()
        except (OSError, smtplib.SMTPException):
            pass
        return False

    def send(self, row, body=None):
        message = EmailMessage()
        message["From"] = self.config["MAIL_FROM"]
        message["To"] = formataddr(("", row.email))
        message["Subject"] = row.subject
        message["Date"] = formatdate(localtime=True)
        # The sender's own domain: a Message-ID under a made-up one scores as spam.
        domain = parseaddr(self.config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
        message["Message-ID"] = make_msgid(idstring=f"outbox{row.id}", domain=domain)
        message.set_content(body or row.body)
        try:
            self.connection.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"{type(error).__name__}: {error}") from None


BACKENDS = {"console": lambda config: ConsoleBackend(), "smtp": SmtpBackend}


def backend():
    name = current_app.config["EMAIL_BACKEND"]
    if name not in BACKENDS:
        raise RuntimeError(f"unknown EMAIL_BACKEND {name!r}; known: {', '.join(BACKENDS)}")
    return BACKENDS[name](current_app.config)


def send(email, subject, body, secrets=()):
    """Queue one e-mail; it leaves when the current transaction has committed. As with SMS,
    ``secrets`` (a code or a link's token in the text) are masked in the body staff read;
    the clear text waits sealed (services.messaging.sealing) for the delivery."""
    if not email:
        return None
    text = str(body)
    row = EmailOutbox.create(email=email, subject=str(subject)[:200], body=sealing.mask(text, secrets),
                             payload=sealing.seal({"text": text}) if secrets else None)
    later(row.id)
    return row


def later(*row_ids):
    """Hand ``row_ids`` to the queue when this request (or job) ends (``flush``)."""
    g.setdefault("emails_to_deliver", []).extend(row_ids)


def queue(row_ids):
    """Hand ``row_ids`` to the job queue in chunks (a queue that is down: the sweeper)."""
    row_ids = list(row_ids)
    try:
        for start in range(0, len(row_ids), CHUNK):
            job_queue.enqueue("deliver_emails", row_ids[start:start + CHUNK])
    except job_queue.QueueUnavailable as error:
        log.warning("E-mails left for the sweeper: %s", error)


def flush():
    """Queue the e-mails this request or job wrote whose rows were committed (those of a
    rolled-back transaction are gone). Never raises: the sweeper delivers the rest."""
    waiting = g.pop("emails_to_deliver", None)
    if not waiting:
        return
    try:
        committed = [
            row_id for (row_id,) in EmailOutbox.select(EmailOutbox.id)
            .where(EmailOutbox.id.in_(waiting), EmailOutbox.status == SmsStatus.PENDING).tuples()
        ]
        queue(committed)
    except Exception:
        log.warning("E-mail deliveries left for the sweeper: %s", waiting[:20], exc_info=True)


def _due():
    return EmailOutbox.next_attempt_at.is_null() | (EmailOutbox.next_attempt_at <= now())


def _claim(row_id):
    """pending → sending, one row at a time: of two consumers exactly one gets it."""
    return transitions.move(EmailOutbox, SmsStatus.SENDING, expected=(SmsStatus.PENDING,),
                            where=[EmailOutbox.id == row_id, _due()],
                            changes={"sent_at": now(), "attempts": EmailOutbox.attempts + 1}) == 1


def deliver(row_ids):
    """Send the rows of ``row_ids`` that are pending and due; returns the number sent.
    Rows the backend did not take are due again later, or failed after ``ATTEMPTS``."""
    claimed = [row_id for row_id in row_ids if _claim(row_id)]
    if not claimed:
        return 0
    rows = list(EmailOutbox.select().where(EmailOutbox.id.in_(claimed)).order_by(EmailOutbox.id))
    sent, failure = set(), None
    try:
        with backend() as connection:
            for row in rows:
                try:
                    connection.send(row, _clear_text(row))
                except DeliveryError as error:
                    failure = error
                    continue
                transitions.move(EmailOutbox, SmsStatus.SENT, where=[EmailOutbox.id == row.id],
                                 changes={"sent_at": now(), "error": None, "payload": None})
                sent.add(row.id)
    except DeliveryError as error:  # no connection at all
        failure = error
    unsent = [row for row in rows if row.id not in sent]
    if unsent:
        _again_or_fail(unsent, failure)
    return len(sent)


def _clear_text(row):
    """The text to send when the body staff read is masked (None: send the body)."""
    if not row.payload:
        return None
    try:
        return sealing.unseal(row.payload)["text"]
    except sealing.Unreadable as error:  # sealed under another SECRET_KEY: the masked body is all there is
        raise DeliveryError(str(error)) from None


def _again_or_fail(rows, failure):
    delay = dt.timedelta(seconds=current_app.config["SMS_RETRY_DELAY"])
    last = [row.id for row in rows if row.attempts >= ATTEMPTS]
    again = [row.id for row in rows if row.attempts < ATTEMPTS]
    # A final row keeps no secret: its sealed text is erased.
    for status, ids, changes in ((SmsStatus.FAILED, last, {"payload": None}), (SmsStatus.PENDING, again,
                                                               {"next_attempt_at": now() + delay})):
        if ids:
            transitions.move(EmailOutbox, status, expected=(SmsStatus.SENDING,), where=[EmailOutbox.id.in_(ids)],
                             changes={"error": str(failure)[:500], "sent_at": None, **changes})
    log.warning("%s e-mails not delivered (%s failed for good): %s", len(rows), len(last), failure)


def sweep(limit=10 * CHUNK):
    """One pass of the sweeper: put back claims of consumers that died, deliver every due row."""
    transitions.move(EmailOutbox, SmsStatus.PENDING, expected=(SmsStatus.SENDING,),
                     where=[EmailOutbox.sent_at < now() - STALE_CLAIM])
    waiting = [
        row_id for (row_id,) in EmailOutbox.select(EmailOutbox.id).where(
            EmailOutbox.status == SmsStatus.PENDING,
            (EmailOutbox.next_attempt_at <= now())
            | (EmailOutbox.next_attempt_at.is_null() & (EmailOutbox.created_at < now() - GRACE)),
        ).order_by(EmailOutbox.id).limit(limit).tuples()
    ]
    delivered = sum(deliver(waiting[start:start + CHUNK]) for start in range(0, len(waiting), CHUNK))
    return {"delivered": delivered, "waiting": len(waiting)}
