"""A fake text and e-mail provider on 127.0.0.1, speaking the shapes of Twilio's Messages
API and Postmark's e-mail API, for the real `twilio` library and anymail's Postmark
backend to talk to. It keeps what it was sent, refuses the numbers it is told to (as
Twilio refuses an invalid number: HTTP 400, code 21211), and plays Twilio's side of the
webhooks: a delivery report to the StatusCallback it was given, and a reply from a
phone, each signed as Twilio signs them (HMAC-SHA1 of the address and the sorted fields,
keyed by the account's auth token)."""

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


def twilio_signature(auth_token, url, params):
    """Twilio's X-Twilio-Signature, written from its documentation (not its library)."""
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class FakeProvider:
    def __init__(self, auth_token):
        self.auth_token = auth_token
        self.texts = []  # the form fields of each text sent
        self.emails = []  # the JSON of each e-mail sent
        self.refuse = set()  # numbers answered as Twilio answers an invalid one
        self.delay = 0.0  # seconds each text takes to be accepted (two jobs overlapping)
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length).decode()
                if self.path.startswith("/2010-04-01/Accounts/") and self.path.endswith(
                        "/Messages.json"):
                    return self._text(raw)
                if self.path == "/email":
                    return self._email(raw)
                return self._answer(404, {"message": "not found"})

            def _text(self, raw):
                expected = "Basic " + base64.b64encode(
                    f"{self.path.split('/')[3]}:{provider.auth_token}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    return self._answer(401, {"code": 20003, "message": "Authenticate",
                                              "status": 401})
                fields = {key: values[0] for key, values in parse_qs(raw).items()}
                if fields.get("To") in provider.refuse:
                    return self._answer(400, {
                        "code": 21211, "status": 400,
                        "message": f"The 'To' number {fields['To']} is not a valid phone "
                                   "number.",
                        "more_info": "https://www.twilio.com/docs/errors/21211"})
                time.sleep(provider.delay)
                sid = "SM" + uuid.uuid4().hex
                provider.texts.append(fields | {"sid": sid})
                return self._answer(201, {
                    "sid": sid, "status": "queued", "to": fields.get("To"),
                    "from": fields.get("From"), "body": fields.get("Body"),
                    "account_sid": self.path.split("/")[3], "num_segments": "1",
                    "direction": "outbound-api", "api_version": "2010-04-01"})

            def _email(self, raw):
                if not self.headers.get("X-Postmark-Server-Token"):
                    return self._answer(401, {"ErrorCode": 10, "Message": "No token"})
                payload = json.loads(raw)
                message_id = str(uuid.uuid4())
                provider.emails.append(payload | {"MessageID": message_id})
                return self._answer(200, {"To": payload.get("To"), "ErrorCode": 0,
                                          "Message": "OK", "MessageID": message_id,
                                          "SubmittedAt": "2026-12-05T12:00:00Z"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # Twilio's side of the webhooks: (url, fields, headers) for the test client to post.

    def delivery_report(self, sid, status, error_code=""):
        text = next(t for t in self.texts if t["sid"] == sid)
        fields = {"MessageSid": sid, "MessageStatus": status, "To": text["To"],
                  "From": text["From"], "AccountSid": "AC" + "0" * 32}
        if error_code:
            fields["ErrorCode"] = error_code
        return self._signed(text["StatusCallback"], fields)

    def reply(self, url, *, from_number, body):
        fields = {"MessageSid": "SM" + uuid.uuid4().hex, "From": from_number,
                  "To": "+447700900000", "Body": body, "AccountSid": "AC" + "0" * 32}
        return self._signed(url, fields)

    def _signed(self, url, fields):
        return url, fields, {"X-Twilio-Signature": twilio_signature(self.auth_token, url,
                                                                      fields)}
