"""SMS gateways and the delivery of outbox rows (run by the job consumer, SPEC §12, §15).

``SMS_BACKEND=console`` (default) hands each message to the log with its codes masked —
development and tests. ``SMS_BACKEND=aliyun`` posts to a gateway speaking Alibaba Cloud's
SMS API (``SendSms``: a signed RPC request naming a sign, a template code and the template's
JSON parameters), the shape most Chinese SMS providers share; ``SMS_GATEWAY_URL`` points it
at the provider or at a compatible relay. Messages with a code use
``SMS_TEMPLATE_CODE_VERIFY`` with ``{"code": …}``; notices ``SMS_TEMPLATE_CODE_NOTICE`` with
``{"content": …}``.

Delivery is exactly-once per outbox row under concurrent consumers: a row is claimed
(pending → sending) by a conditional update before the gateway is called; a failed call
puts it back to pending for the job's retry, and the last failure marks it failed.
"""
import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid

from flask import current_app

from models import SmsOutbox, SmsStatus, now
from services import transitions

log = logging.getLogger(__name__)
# A row claimed longer ago than this belongs to a consumer that died mid-call.
STALE_CLAIM = dt.timedelta(minutes=10)


class DeliveryError(Exception):
    """The gateway did not accept the message (network error or a refusal)."""


class ConsoleGateway:
    name = "console"

    def deliver(self, phone, text, params, row):
        log.info("SMS to %s: %s", phone, row.body)  # the outbox copy: codes masked


def _percent(value):
    # Alibaba Cloud's RPC signature: RFC 3986 encoding, "~" kept, space as %20.
    return urllib.parse.quote(str(value), safe="~")


def aliyun_signature(params, secret, method="POST"):
    """Signature of an Alibaba Cloud RPC request (SignatureVersion 1.0, HMAC-SHA1)."""
    canonical = "&".join(f"{_percent(k)}={_percent(params[k])}" for k in sorted(params))
    to_sign = f"{method}&{_percent('/')}&{_percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunGateway:
    name = "aliyun"
    TIMEOUT = 10

    def __init__(self, config):
        self.url = config["SMS_GATEWAY_URL"]
        self.key_id = config["SMS_ACCESS_KEY_ID"]
        self.secret = config["SMS_ACCESS_KEY_SECRET"]
        self.sign_name = config["SMS_SIGN_NAME"]
        self.templates = {"code": config["SMS_TEMPLATE_CODE_VERIFY"], "content": config["SMS_TEMPLATE_CODE_NOTICE"]}

    def request_params(self, phone, params):
        template = self.templates["code" if "code" in params else "content"]
        fields = {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "TemplateParam": json.dumps(params, ensure_ascii=False),
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        fields["Signature"] = aliyun_signature(fields, self.secret)
        return fields

    def deliver(self, phone, text, params, row):
        body = urllib.parse.urlencode(self.request_params(phone, params)).encode()
        request = urllib.request.Request(
            self.url, data=body, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.TIMEOUT) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise DeliveryError(f"HTTP {error.code}: {error.read()[:200]!r}") from None
        except (OSError, ValueError) as error:
            raise DeliveryError(f"{type(error).__name__}: {error}") from None
        if answer.get("Code") != "OK":
            raise DeliveryError(f"{answer.get('Code')}: {answer.get('Message')}")


def gateway():
    name = current_app.config["SMS_BACKEND"]
    if name == "console":
        return ConsoleGateway()
    if name == "aliyun":
        return AliyunGateway(current_app.config)
    raise RuntimeError(f"unknown SMS_BACKEND {name!r}; known: console, aliyun")


def deliver(row_id, text, params, last_try):
    """Deliver outbox row ``row_id``; raise DeliveryError when it should be tried again."""
    claimed = transitions.move(SmsOutbox, SmsStatus.SENDING, where=[SmsOutbox.id == row_id],
                               changes={"sent_at": now(), "attempts": SmsOutbox.attempts + 1})
    if not claimed:
        return False  # sent already, being sent, or failed for good
    row = SmsOutbox.get_by_id(row_id)
    try:
        gateway().deliver(row.phone, text, params, row)
    except DeliveryError as error:
        status = SmsStatus.FAILED if last_try else SmsStatus.PENDING
        transitions.move(SmsOutbox, status, expected=(SmsStatus.SENDING,), where=[SmsOutbox.id == row_id],
                         changes={"error": str(error)[:500], "sent_at": None})
        log.warning("SMS %s not delivered (%s): %s", row_id, status, error)
        raise
    transitions.move(SmsOutbox, SmsStatus.SENT, where=[SmsOutbox.id == row_id], changes={"sent_at": now(), "error": None})
    return True


def requeue_stuck():
    """Rows left pending (their job was lost) or claimed by a consumer that died: a notice
    is queued again from its stored text; a message with a code cannot be (the outbox
    keeps it masked, and the code has expired by now) and is marked failed."""
    from services import jobs
    from services.sms import MASK

    cutoff = now() - STALE_CLAIM
    stuck = SmsOutbox.select().where(
        ((SmsOutbox.status == SmsStatus.PENDING) & (SmsOutbox.created_at < cutoff))
        | ((SmsOutbox.status == SmsStatus.SENDING) & (SmsOutbox.sent_at < cutoff))
    )
    requeued = expired = 0
    for row in stuck.iterator():
        if MASK in row.body:
            transitions.move(SmsOutbox, SmsStatus.FAILED, expected=(row.status,), where=[SmsOutbox.id == row.id],
                             changes={"error": "expired before delivery"})
            expired += 1
            continue
        # A lost claim goes back to pending; a pending row is queued again as it is (the
        # delivery's own claim keeps it sent once).
        reset = row.status == SmsStatus.PENDING or transitions.move(
            SmsOutbox, SmsStatus.PENDING, expected=(SmsStatus.SENDING,), where=[SmsOutbox.id == row.id]
        )
        if reset:
            jobs.deliver_sms(row.id, row.body, {"content": row.body})
            requeued += 1
    return {"requeued": requeued, "expired": expired}
