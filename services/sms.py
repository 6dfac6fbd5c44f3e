"""SMS sending through a pluggable backend, and SMS verification codes (SPEC §12).

Every message is written to the outbox table (its codes masked) and delivered by the job
consumer through the gateway ``SMS_BACKEND`` names (``services/sms_gateway.py``).
Codes: 6 digits, valid 10 minutes, stored hashed, at most 5 attempts, 60 s resend cool-down,
at most 10 per number in 24 hours.
"""
import datetime as dt
import hashlib
import hmac
import logging
import secrets

from flask import current_app, g
from flask_babel import lazy_gettext as _l

from models import SmsOutbox, SmsPurpose, SmsStatus, VerificationCode, db, now
from services import bulk

log = logging.getLogger(__name__)

CODE_TTL = dt.timedelta(minutes=10)
RESEND_COOLDOWN = dt.timedelta(seconds=60)
MAX_ATTEMPTS = 5
# Per phone number, every purpose: limits SMS bombing of one number. The trade-off:
# somebody who keeps asking for a stranger's number can use up that number's codes for
# a day; the per-address limit on /sms/send (services.throttle) makes that take
# several addresses, and the center can still reset the account by hand.
MAX_CODES_PER_DAY = 10


MASK = "******"


def mask(body, secrets):
    text = str(body)
    for secret in secrets:
        if secret:
            text = text.replace(str(secret), MASK)
    return text


def send(phone, body, purpose=SmsPurpose.NOTICE, secrets=()):
    """Queue ``body`` for ``phone``. The outbox row keeps the text with ``secrets`` (codes
    inside it) masked: center staff read the outbox, and a live code there would let them
    take over the account. The clear text travels only in the delivery job's payload,
    handed to the queue when the current transaction has committed (``flush``), so a
    rolled-back decision sends nothing."""
    if not phone:
        return
    text = str(body)
    row = SmsOutbox.create(
        phone=phone, body=mask(text, secrets), purpose=purpose, backend=current_app.config["SMS_BACKEND"]
    )
    params = {"code": str(secrets[0])} if secrets else {"content": text}
    g.setdefault("sms_to_deliver", []).append((row.id, text, params))


def send_many(messages, purpose=SmsPurpose.NOTICE):
    """Queue notices ``[(phone, body)]`` at once (a set-based decision): one INSERT for the
    outbox rows, delivered after the commit as ``send`` does."""
    messages = [(phone, str(body)) for phone, body in messages if phone]
    if not messages:
        return
    rows = bulk.insert_chunked(SmsOutbox, ({"phone": phone, "body": text} for phone, text in messages),
                               returning=("id", "phone", "body"), purpose=purpose,
                               backend=current_app.config["SMS_BACKEND"], created_at=now())
    waiting = g.setdefault("sms_to_deliver", [])
    for row_id, _phone, body in rows:
        waiting.append((row_id, body, {"content": body}))


def flush():
    """Queue delivery of the messages written by this request (or job) whose rows were
    committed; those of a rolled-back transaction are gone and are dropped. Never raises:
    it runs while a request ends, and the periodic requeue catches anything left."""
    waiting = g.pop("sms_to_deliver", None)
    if not waiting:
        return
    from services import jobs

    try:
        ids = [row_id for row_id, _text, _params in waiting]
        committed = {
            row_id
            for (row_id,) in SmsOutbox.select(SmsOutbox.id)
            .where(SmsOutbox.id.in_(ids), SmsOutbox.status == SmsStatus.PENDING)
            .tuples()
        }
        for row_id, text, params in waiting:
            if row_id in committed:
                jobs.deliver_sms(row_id, text, params)
    except Exception:
        log.warning("SMS deliveries left for the periodic requeue: %s", [w[0] for w in waiting], exc_info=True)


def is_development():
    """Codes are shown on the page (so a person can try the flows without a phone) only
    with the console backend AND ``SMS_SHOW_CODES`` on, as ``make run`` sets it: shown
    anywhere else, a code would let anyone reset any account by its phone number."""
    config = current_app.config
    return config["SMS_BACKEND"] == "console" and bool(config["SMS_SHOW_CODES"])


class CodeError(Exception):
    """A verification code could not be issued or was not accepted."""


def _hash(phone, purpose, value):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{phone}:{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def _latest(phone, purpose):
    return (
        VerificationCode.select()
        .where(VerificationCode.phone == phone, VerificationCode.purpose == purpose)
        .order_by(VerificationCode.created_at.desc(), VerificationCode.id.desc())
        .first()
    )


def issue_code(phone, purpose):
    """Create and send a code; returns it (the caller shows it only in development)."""
    latest = _latest(phone, purpose)
    if latest and latest.created_at > now() - RESEND_COOLDOWN:
        wait = int((latest.created_at + RESEND_COOLDOWN - now()).total_seconds()) + 1
        raise CodeError(_l("Please wait %(seconds)s seconds before requesting another code", seconds=wait))
    sent_today = VerificationCode.select().where(
        VerificationCode.phone == phone, VerificationCode.created_at > now() - dt.timedelta(days=1)
    )
    if sent_today.count() >= MAX_CODES_PER_DAY:
        raise CodeError(_l("This number has received the most codes allowed in 24 hours; please try again tomorrow"))
    value = f"{secrets.randbelow(10**6):06d}"
    with db.atomic():
        VerificationCode.create(
            phone=phone, purpose=purpose, code_hash=_hash(phone, purpose, value), expires_at=now() + CODE_TTL
        )
        send(
            phone, _l("[Credit Bank] Your verification code is %(code)s, valid for 10 minutes.", code=value),
            purpose, secrets=(value,),
        )
    return value


def verify_code(phone, purpose, value, consume=True):
    """Consume the latest code if ``value`` matches; raise CodeError otherwise. With
    ``consume=False`` a right code is only checked (a form with other errors keeps it
    for the corrected submission); wrong ones count as attempts either way."""
    latest = _latest(phone, purpose)
    if latest is None or latest.used_at is not None:
        raise CodeError(_l("Please request a verification code first"))
    if latest.expires_at < now():
        raise CodeError(_l("The verification code has expired; please request a new one"))
    if latest.attempts >= MAX_ATTEMPTS:
        raise CodeError(_l("Too many wrong attempts; please request a new code"))
    if not hmac.compare_digest(latest.code_hash, _hash(phone, purpose, (value or "").strip())):
        VerificationCode.update(attempts=VerificationCode.attempts + 1).where(
            VerificationCode.id == latest.id
        ).execute()
        raise CodeError(_l("The verification code is wrong"))
    if not consume:
        return
    # Conditional update: a code is consumed once even under concurrent submissions.
    used = (
        VerificationCode.update(used_at=now())
        .where(VerificationCode.id == latest.id, VerificationCode.used_at.is_null())
        .execute()
    )
    if not used:
        raise CodeError(_l("Please request a verification code first"))
