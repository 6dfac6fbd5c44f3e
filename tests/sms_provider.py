"""A local SMS provider speaking the SendSms API (services/sms_gateway.py): it checks each
request's signature as the provider would, records it, and answers with scripted codes."""
import json
import threading
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
    """A local SendSms endpoint: verifies each request's signature, records it, and answers
    with the scripted codes (then OK)."""

    def __init__(self, answers=()):
        self.requests, self.answers, self.lock = [], list(answers), threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                fields = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                signature = fields.pop("Signature")
                valid = signature == sms_gateway.aliyun_signature(fields, SECRET)
                with provider.lock:
                    provider.requests.append((fields, valid))
                    scripted = provider.answers.pop(0) if provider.answers else "OK"
                code = scripted if valid else "SignatureDoesNotMatch"
                body = json.dumps({"Code": code, "Message": code, "RequestId": "r1"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()

    def valid_requests(self):
        with self.lock:
            return sum(1 for _fields, valid in self.requests if valid)

    def wait_for_code(self, phone, timeout=60):
        """The newest code delivered to ``phone``, waiting for the job consumer to send it."""
        import time

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
