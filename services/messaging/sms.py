"""SMS sending through a pluggable backend, and SMS verification codes (SPEC §12).

Every message is written to the outbox table (its codes masked) and delivered by the job
consumer through the gateway ``SMS_BACKEND`` names (``services/messaging/sms_delivery.py``,
``services/messaging/sms_gateway.py``).
Codes: 6 digits, valid 10 minutes, stored hashed, at most 5 attempts.

Per phone, whatever the purpose and whoever asks: one requested message (a code, or the
notice that answers a code request) a minute and 10 a day; a notice that tells nothing
("this number is already registered") once a day; and at most ``DAILY_BUDGET`` messages of
any kind a day, notifications included. Rotating client addresses changes none of these.
"""
import datetime as dt
import hashlib
import hmac
import logging
import secrets

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from peewee import fn

from models import SmsOutbox, SmsPurpose, VerificationCode, db, now
from services.accounts import throttle
from services.messaging import sealing, sms_delivery

log = logging.getLogger(__name__)

CODE_TTL = sms_delivery.CODE_TTL  # a code not delivered within it is failed, not sent late
MAX_ATTEMPTS = 5
# Per phone number, every purpose: limits SMS bombing of one number. The trade-off:
# somebody who keeps asking for a stranger's number can use up that number's codes for
# a day; the per-address limit on /sms/send (services.accounts.throttle) makes that take
# several addresses, and the center can still reset the account by hand. Refused
# requests are not counted, so hammering never prolongs a wait.
PHONE_COOLDOWN = throttle.Limit("sms_phone_wait", 1, dt.timedelta(seconds=60))
PHONE_DAILY = throttle.Limit("sms_phone_day", 10, dt.timedelta(days=1))
MAX_CODES_PER_DAY = PHONE_DAILY.count
NEUTRAL_NOTICE_DAILY = throttle.Limit("sms_notice_day", 1, dt.timedelta(days=1))
# Every SMS to one number in 24 hours, notifications of decisions included: past it
# nothing more is sent that day (the inbox keeps every notification).
DAILY_BUDGET = 30


MASK = sealing.MASK
mask = sealing.mask


def send(phone, body, purpose=SmsPurpose.NOTICE, secrets=()):
    """Queue ``body`` for ``phone``. The outbox row keeps the text with ``secrets`` (codes
    inside it) masked: center staff read the outbox, and a live code there would let them
    take over the account. The clear text is kept sealed for the gateway
    (services.messaging.sms_delivery) and handed to the queue when the current transaction has
    committed (``flush``), so a rolled-back decision sends nothing. A code goes through the
    verify template; a notice — a link with a secret in it too — through the notice
    template with its whole text."""
    if not phone:
        return None
    if over_budget(phone):
        log.warning("SMS to %s not sent: %s messages in 24 hours already", phone[-4:], DAILY_BUDGET)
        return None
    text = str(body)
    params = {"code": str(secrets[0])} if secrets and purpose != SmsPurpose.NOTICE else {"content": text}
    row = sms_delivery.write(phone, mask(text, secrets), purpose, text, params)
    g.setdefault("sms_to_deliver", []).append(row.id)
    return row


def over_budget(phone):
    sent = SmsOutbox.select().where(SmsOutbox.phone == phone, SmsOutbox.created_at > now() - dt.timedelta(days=1))
    return sent.count() >= DAILY_BUDGET


def over_budget_among(phones, chunk=1000):
    """The phones of ``phones`` that had ``DAILY_BUDGET`` messages in 24 hours (one
    grouped query per chunk, for set-based decisions)."""
    phones, found = sorted(phones), set()
    since = now() - dt.timedelta(days=1)
    for start in range(0, len(phones), chunk):
        query = (SmsOutbox.select(SmsOutbox.phone)
                 .where(SmsOutbox.phone.in_(phones[start:start + chunk]), SmsOutbox.created_at > since)
                 .group_by(SmsOutbox.phone).having(fn.COUNT(SmsOutbox.id) >= DAILY_BUDGET))
        found.update(phone for (phone,) in query.tuples())
    if found:
        log.warning("SMS to %s phones not sent: %s messages in 24 hours already", len(found), DAILY_BUDGET)
    return found


def _requested(phone):
    """Count one message somebody asked for against the phone's cool-down and daily cap;
    CodeError when either is used up."""
    try:
        throttle.attempt(PHONE_COOLDOWN, f"phone:{phone}")
    except throttle.Throttled as wait:
        raise CodeError(_l("Please wait %(seconds)s seconds before requesting another code", seconds=wait.seconds))
    try:
        throttle.attempt(PHONE_DAILY, f"phone:{phone}")
    except throttle.Throttled:
        raise CodeError(_l("This number has received the most codes allowed in 24 hours; please try again tomorrow"))


def send_neutral_notice(phone, body, purpose):
    """A notice that answers a code request without a code ("already registered"): once a
    day per phone, and only within the phone's cool-down and daily cap. Says nothing
    either way to the caller."""
    try:
        throttle.attempt(NEUTRAL_NOTICE_DAILY, f"phone:{phone}")
        _requested(phone)
    except (throttle.Throttled, CodeError):
        return None
    return send(phone, body, purpose)


def send_many(messages, purpose=SmsPurpose.NOTICE):
    """Queue notices ``[(phone, body)]`` at once (a set-based decision): one INSERT for the
    outbox rows, delivered after the commit as ``send`` does."""
    messages = [(phone, str(body)) for phone, body in messages if phone]
    spent = over_budget_among({phone for phone, _body in messages})
    messages = [(phone, body) for phone, body in messages if phone not in spent]
    if messages:
        g.setdefault("sms_to_deliver", []).extend(sms_delivery.write_many(messages, purpose))


def flush():
    """Queue delivery of the messages written by this request (or job) whose rows were
    committed. Never raises: it runs while a request ends, and the sweeper delivers
    anything left."""
    waiting = g.pop("sms_to_deliver", None)
    if waiting:
        sms_delivery.hand_over(waiting)


def is_development():
    """Codes are shown on the page (so a person can try the flows without a phone) only
    with the console backend AND ``SMS_SHOW_CODES`` on, as ``make run`` sets it: shown
    anywhere else, a code would let anyone reset any account by its phone number."""
    config = current_app.config
    return config["SMS_BACKEND"] == "console" and bool(config["SMS_SHOW_CODES"])


class CodeError(Exception):
    """A verification code could not be issued or was not accepted."""


REFUSED = _l("The verification code is wrong or no longer valid; please check it or request a new one")


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
    """Create and send a code; returns it (the caller shows it only in development).
    CodeError when the phone's cool-down, daily cap or budget is used up."""
    _requested(phone)
    if over_budget(phone):
        raise CodeError(_l("This number has received the most codes allowed in 24 hours; please try again tomorrow"))
    with db.atomic():
        value = new_code(phone, purpose)
        send(phone, _l("[Credit Bank] Your verification code is %(code)s, valid for 10 minutes.", code=value),
             purpose, secrets=(value,))
    return value


def new_code(key, purpose):
    """A fresh code for ``key`` (a phone, or another channel's key), stored hashed; the
    caller delivers it."""
    value = f"{secrets.randbelow(10**6):06d}"
    VerificationCode.create(phone=key, purpose=purpose, code_hash=_hash(key, purpose, value),
                            expires_at=now() + CODE_TTL)
    return value


def verify_code(phone, purpose, value, consume=True):
    """Consume the latest code if ``value`` matches; raise CodeError otherwise. With
    ``consume=False`` a right code is only checked (a form with other errors keeps it
    for the corrected submission); wrong ones count as attempts either way. Every refusal
    says the same (no code, used, expired, too many attempts, wrong): which one would tell
    whether a code was sent, that is whether the number is registered."""
    latest = _latest(phone, purpose)
    usable = (latest is not None and latest.used_at is None and latest.expires_at >= now()
              and latest.attempts < MAX_ATTEMPTS)
    # The hash is computed whatever the state, so every answer takes as long.
    right = hmac.compare_digest(latest.code_hash if latest else "", _hash(phone, purpose, (value or "").strip()))
    if usable and not right:
        VerificationCode.update(attempts=VerificationCode.attempts + 1).where(
            VerificationCode.id == latest.id
        ).execute()
    if not (usable and right):
        raise CodeError(REFUSED)
    if not consume:
        return
    # Conditional update: a code is consumed once even under concurrent submissions.
    used = (
        VerificationCode.update(used_at=now())
        .where(VerificationCode.id == latest.id, VerificationCode.used_at.is_null())
        .execute()
    )
    if not used:
        raise CodeError(REFUSED)
