"""SMS gateways: how a message reaches a provider, and how the provider's delivery report
is read back (the outbox's delivery is ``services/sms_delivery.py``).

``SMS_BACKEND=console`` (default) hands each message to the log with its codes masked —
development and tests. ``SMS_BACKEND=aliyun`` posts to a gateway speaking Alibaba Cloud's
SMS API (``SendSms``: a signed RPC request naming a sign, a template code and the template's
JSON parameters), the shape most Chinese SMS providers share; ``SMS_GATEWAY_URL`` points it
at the provider or at a compatible relay. Messages with a code use
``SMS_TEMPLATE_CODE_VERIFY`` with ``{"code": …}``; everything else (notices, and links
that set a password) ``SMS_TEMPLATE_CODE_NOTICE`` with ``{"content": …}``.

Every gateway offers two calls:

- ``deliver(phone, text, params, row)`` returns when the provider took the message, raises
  ``DeliveryError`` when it certainly did not (no connection, a refusal: sending again is
  safe), and ``DeliveryUnknown`` when it may have (the request left and no answer came
  back within ``SMS_TIMEOUT``): then nothing is sent again until the report decides.
- ``report(row)`` asks the provider whether it took the message (Aliyun's
  ``QuerySendDetails``, matched by the ``OutId`` each request carries — the row's
  ``reference``): ``DELIVERED`` (taken: waiting for the handset's receipt, or received),
  ``NOT_TAKEN`` (no such message, or the provider reports it failed: sending again
  delivers at most one), or None when the provider cannot be asked now.
"""
import base64
import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import urllib.parse
import uuid

from flask import current_app

log = logging.getLogger(__name__)

DELIVERED = "delivered"
NOT_TAKEN = "not_taken"
BEIJING = dt.timezone(dt.timedelta(hours=8))  # the provider's calendar (SendDate)


class DeliveryError(Exception):
    """The gateway did not take the message (no connection, or a refusal)."""


class DeliveryUnknown(DeliveryError):
    """The request may have reached the provider but no answer came back."""


class ConsoleGateway:
    name = "console"

    def deliver(self, phone, text, params, row):
        log.info("SMS to %s: %s", phone, row.body)  # the outbox copy: codes masked

    def report(self, row):
        return NOT_TAKEN  # the log keeps no record: a message lost mid-way is written again


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
    REPORT_PAGE = 50
    REPORT_PAGES = 20  # 1 000 messages to one number in a day is more than the quotas allow

    def __init__(self, config):
        self.url = config["SMS_GATEWAY_URL"]
        self.key_id = config["SMS_ACCESS_KEY_ID"]
        self.secret = config["SMS_ACCESS_KEY_SECRET"]
        self.sign_name = config["SMS_SIGN_NAME"]
        self.timeout = config["SMS_TIMEOUT"]
        self.templates = {"code": config["SMS_TEMPLATE_CODE_VERIFY"], "content": config["SMS_TEMPLATE_CODE_NOTICE"]}

    def _signed(self, action, fields):
        fields = {
            "AccessKeyId": self.key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            **fields,
        }
        fields["Signature"] = aliyun_signature(fields, self.secret)
        return fields

    def request_params(self, phone, params, reference=None):
        template = self.templates["code" if "code" in params else "content"]
        fields = {"PhoneNumbers": phone, "SignName": self.sign_name, "TemplateCode": template,
                  "TemplateParam": json.dumps(params, ensure_ascii=False)}
        if reference:
            fields["OutId"] = reference
        return self._signed("SendSms", fields)

    def _post(self, fields):
        """POST ``fields``; the answer's JSON. DeliveryError before the request left (or a
        refusal with an HTTP error), DeliveryUnknown after it left without an answer."""
        url = urllib.parse.urlsplit(self.url)
        connection_class = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(url.hostname, url.port, timeout=self.timeout)
        try:
            try:
                connection.connect()
            except OSError as error:
                raise DeliveryError(f"no connection: {type(error).__name__}: {error}") from None
            try:
                connection.request("POST", url.path or "/", urllib.parse.urlencode(fields),
                                   {"Content-Type": "application/x-www-form-urlencoded"})
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                raise DeliveryUnknown(f"no answer within {self.timeout} s: {type(error).__name__}: {error}") from None
        finally:
            connection.close()
        if response.status >= 400:
            raise DeliveryError(f"HTTP {response.status}: {body[:200]!r}")
        try:
            return json.loads(body or b"{}")
        except ValueError:
            raise DeliveryUnknown(f"an answer that is not JSON: {body[:200]!r}") from None

    def deliver(self, phone, text, params, row):
        answer = self._post(self.request_params(phone, params, row.reference))
        if answer.get("Code") != "OK":
            raise DeliveryError(f"{answer.get('Code')}: {answer.get('Message')}")

    def report(self, row):
        """QuerySendDetails for the row's number on the provider's today and yesterday, by OutId."""
        if not row.reference:
            return NOT_TAKEN  # never sent with an id: it cannot have been sent at all
        today = dt.datetime.now(BEIJING).date()
        try:
            for day in (today, today - dt.timedelta(days=1)):
                found = self._find(row, day.strftime("%Y%m%d"))
                if found is not None:
                    return found
        except DeliveryError as error:
            log.warning("SMS %s: no delivery report now (%s)", row.id, error)
            return None
        return NOT_TAKEN

    def _find(self, row, send_date):
        for page in range(1, self.REPORT_PAGES + 1):
            answer = self._post(self._signed("QuerySendDetails", {
                "PhoneNumber": row.phone, "SendDate": send_date, "PageSize": str(self.REPORT_PAGE),
                "CurrentPage": str(page)}))
            if answer.get("Code") != "OK":
                raise DeliveryError(f"{answer.get('Code')}: {answer.get('Message')}")
            details = (answer.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
            for detail in details:
                if detail.get("OutId") == row.reference:
                    # SendStatus 1: waiting for the handset's receipt, 2: failed, 3: received.
                    return NOT_TAKEN if int(detail.get("SendStatus", 0)) == 2 else DELIVERED
            if len(details) < self.REPORT_PAGE:
                return None
        return None


def gateway():
    name = current_app.config["SMS_BACKEND"]
    if name == "console":
        return ConsoleGateway()
    if name == "aliyun":
        return AliyunGateway(current_app.config)
    raise RuntimeError(f"unknown SMS_BACKEND {name!r}; known: console, aliyun")
