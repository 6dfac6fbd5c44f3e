"""E-mail through a pluggable backend, delivered from the outbox by the job consumer.

Every e-mail is a row of ``email_outbox`` (center staff read it under 系统管理). Rows are
handed to the queue when the request or job that wrote them ends and they are committed
(``flush``), in chunks; a delivery job claims each row (pending → sending, a conditional
update, so two consumers never send one twice), sends the chunk through one connection and
marks it sent — or puts it back to pending for the job's retry, and the last failure marks
it failed. A periodic job requeues rows left behind (a lost job, a consumer that died).

``EMAIL_BACKEND=console`` (default) writes each message to the log; ``EMAIL_BACKEND=smtp``
sends through ``SMTP_HOST``:``SMTP_PORT`` (``SMTP_STARTTLS=1`` to upgrade the connection,
``SMTP_USER``/``SMTP_PASSWORD`` to log in) from ``MAIL_FROM``.
"""
import datetime as dt
import logging
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, g

from models import EmailOutbox, SmsStatus, now
from services import transitions

log = logging.getLogger(__name__)
STALE_CLAIM = dt.timedelta(minutes=10)
CHUNK = 200


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
        message["Message-ID"] = make_msgid(domain="creditbank")
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
    ``secrets`` (a code in the text) are masked in the outbox row: the clear text travels
    only in the delivery job's arguments."""
    if not email:
        return None
    from services.sms import mask

    text = str(body)
    row = EmailOutbox.create(email=email, subject=str(subject)[:200], body=mask(text, secrets))
    if secrets:
        g.setdefault("email_texts", {})[row.id] = text
    later(row.id)
    return row


def later(*row_ids):
    """Hand ``row_ids`` to the queue when this request (or job) ends (``flush``)."""
    g.setdefault("emails_to_deliver", []).extend(row_ids)


def queue(row_ids, texts=None):
    from services import jobs

    row_ids, texts = list(row_ids), texts or {}
    for start in range(0, len(row_ids), CHUNK):
        chunk = row_ids[start:start + CHUNK]
        clear = {row_id: texts[row_id] for row_id in chunk if row_id in texts}
        jobs.deliver_emails(chunk, clear or None)


def flush():
    """Queue the e-mails this request or job wrote whose rows were committed (those of a
    rolled-back transaction are gone). Never raises: the periodic requeue catches the rest."""
    waiting, texts = g.pop("emails_to_deliver", None), g.pop("email_texts", None)
    if not waiting:
        return
    try:
        committed = [
            row_id for (row_id,) in EmailOutbox.select(EmailOutbox.id)
            .where(EmailOutbox.id.in_(waiting), EmailOutbox.status == SmsStatus.PENDING).tuples()
        ]
        queue(committed, texts)
    except Exception:
        log.warning("E-mail deliveries left for the periodic requeue: %s", waiting[:20], exc_info=True)


def _claim(row_id):
    """pending → sending, one row at a time: of two consumers exactly one gets it."""
    return transitions.move(EmailOutbox, SmsStatus.SENDING, expected=(SmsStatus.PENDING,),
                            where=[EmailOutbox.id == row_id],
                            changes={"sent_at": now(), "attempts": EmailOutbox.attempts + 1}) == 1


def deliver(row_ids, last_try, texts=None):
    """Send the rows of ``row_ids`` still pending (``texts``: the clear text of rows whose
    outbox copy is masked); raise DeliveryError when some should be tried again. Returns
    the number sent."""
    texts = {int(k): v for k, v in (texts or {}).items()}
    claimed = [row_id for row_id in row_ids if _claim(row_id)]
    if not claimed:
        return 0
    rows = list(EmailOutbox.select().where(EmailOutbox.id.in_(claimed)).order_by(EmailOutbox.id))
    sent, failure = [], None
    try:
        with backend() as connection:
            for row in rows:
                try:
                    connection.send(row, texts.get(row.id))
                except DeliveryError as error:
                    failure = error
                    continue
                transitions.move(EmailOutbox, SmsStatus.SENT, where=[EmailOutbox.id == row.id],
                                 changes={"sent_at": now(), "error": None})
                sent.append(row.id)
    except DeliveryError as error:  # no connection at all
        failure = error
    unsent = [row_id for row_id in claimed if row_id not in set(sent)]
    if unsent:
        status = SmsStatus.FAILED if last_try else SmsStatus.PENDING
        transitions.move(EmailOutbox, status, expected=(SmsStatus.SENDING,), where=[EmailOutbox.id.in_(unsent)],
                         changes={"error": str(failure)[:500], "sent_at": None})
        log.warning("%s e-mails not delivered (%s): %s", len(unsent), status, failure)
        raise DeliveryError(str(failure))
    return len(sent)


def requeue_stuck():
    """Rows left pending (their job was lost) or claimed by a consumer that died."""
    cutoff = now() - STALE_CLAIM
    transitions.move(EmailOutbox, SmsStatus.PENDING, expected=(SmsStatus.SENDING,),
                     where=[EmailOutbox.sent_at < cutoff])
    stuck = [
        row_id for (row_id,) in EmailOutbox.select(EmailOutbox.id)
        .where(EmailOutbox.status == SmsStatus.PENDING, EmailOutbox.created_at < cutoff)
        .order_by(EmailOutbox.id).limit(10 * CHUNK).tuples()
    ]
    queue(stuck)
    return {"requeued": len(stuck)}
