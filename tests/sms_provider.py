"""A local SMS provider speaking the SendSms and QuerySendDetails API
(services/sms_gateway.py): it checks each request's signature as the provider would,
records each message it takes, answers with scripted codes, may be slow (``delay``:
seconds it takes before answering a SendSms, the message already taken), and reports
what it took by phone, date and OutId."""
import datetime as dt
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from services import sms_gateway

SECRET = "gateway-secret"
GATEWAY = {
    "SMS_BACKEND": "aliyun",
    "SMS_ACCESS_KEY_ID": "test-key",
    "SMS_ACCESS_KEY_SECRET": SECRET,
    "SMS_SIGN_NAME": "学分银行",
    "SMS_TEMPLATE_CODE_VERIFY": "SMS_100001",
    "SMS_TEMPLATE_CODE_NOTICE": "SMS_100002",
}


class FakeProvider:
    """A local SMS endpoint: verifies each request's signature, records the SendSms
    requests (``requests``: (fields, valid)), answers them with the scripted codes (then
    OK) after ``delay`` seconds, and answers QuerySendDetails from what it took."""

    def __init__(self, answers=(), delay=0.0):
        self.requests, self.queries, self.answers, self.lock = [], [], list(answers), threading.Lock()
        self.delay = delay
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                fields = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                signature = fields.pop("Signature")
                valid = signature == sms_gateway.aliyun_signature(fields, SECRET)
                if fields.get("Action") == "QuerySendDetails":
                    answer = provider._report(fields) if valid else {"Code": "SignatureDoesNotMatch"}
                else:
                    answer = provider._send(fields, valid)
                body = json.dumps(answer).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up waiting (a slow provider)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _send(self, fields, valid):
        with self.lock:
            self.requests.append((fields, valid))
            scripted = self.answers.pop(0) if self.answers else "OK"
        if self.delay:
            time.sleep(self.delay)  # taken already: the answer is what is late
        code = scripted if valid else "SignatureDoesNotMatch"
        return {"Code": code, "Message": code, "RequestId": "r1", "BizId": f"biz{len(self.requests)}"}

    def _report(self, fields):
        with self.lock:
            self.queries.append(fields)
            taken = [f for f, valid in self.requests if valid and f["PhoneNumbers"] == fields["PhoneNumber"]]
        today = dt.datetime.now(sms_gateway.BEIJING).strftime("%Y%m%d")
        if fields["SendDate"] != today:
            taken = []
        size, page = int(fields["PageSize"]), int(fields["CurrentPage"])
        details = [{"PhoneNum": f["PhoneNumbers"], "SendStatus": 3, "ErrCode": "DELIVERED",
                    "TemplateCode": f["TemplateCode"], "OutId": f.get("OutId", "")}
                   for f in taken[(page - 1) * size: page * size]]
        return {"Code": "OK", "TotalCount": len(taken), "SmsSendDetailDTOs": {"SmsSendDetailDTO": details}}

    def close(self):
        self.server.shutdown()

    def valid_requests(self):
        with self.lock:
            return sum(1 for _fields, valid in self.requests if valid)

    def taken_by_phone(self):
        """How many messages each number was sent."""
        with self.lock:
            requests = [fields for fields, valid in self.requests if valid]
        counts = {}
        for fields in requests:
            counts[fields["PhoneNumbers"]] = counts.get(fields["PhoneNumbers"], 0) + 1
        return counts

    def wait_for_code(self, phone, timeout=60):
        """The newest code delivered to ``phone``, waiting for the job consumer to send it."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            codes = self.codes_for(phone)
            if codes:
                return codes[-1]
            time.sleep(0.2)
        raise AssertionError(f"no code reached {phone}")

    def codes_for(self, phone):
        """The verification codes delivered to ``phone``, oldest first."""
        with self.lock:
            requests = list(self.requests)
        return [
            json.loads(fields["TemplateParam"])["code"]
            for fields, valid in requests
            if valid and fields["PhoneNumbers"] == phone and "code" in json.loads(fields["TemplateParam"])
        ]
