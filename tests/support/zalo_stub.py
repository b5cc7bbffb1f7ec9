"""A Zalo ZNS stub speaking Zalo's contract over real HTTP (``outreach.delivery.zalo.channel.HttpZaloBackend``).

``POST /message/template`` with the header ``access_token`` and JSON ``{phone, template_id,
template_data, tracking_id}``; it answers HTTP 200 with ``{"error": 0, "message": "Success", "data":
{"msg_id", "sent_time", "quota": {...}}}`` or a negative code as Zalo does: -124 for another access
token, -118 (Zalo account not existed) for a number in ``not_on_zalo``, -109 (template id invalid)
for a template in ``refused_templates``, -108 for a phone not of the form ``84…``. ``answers`` scripts
what comes first: an int is Zalo's error code (0: success), ``"http:503"`` an HTTP status,
``"slow"`` success after ``slow_seconds``. Every call is kept in ``calls`` (and appended to
``out_path`` as a JSON line when given, for a stub run by another process's test).
"""

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MESSAGES = {
    -100: "Unknown error",
    -108: "Phone number invalid",
    -109: "Template ID invalid",
    -112: "Template data invalid",
    -114: "User is inactive, or reject the message, or using an outdated Zalo version",
    -115: "Out of quota",
    -118: "Zalo account not existed",
    -124: "Access token invalid",
}


@dataclass
class ZaloBehaviour:
    token: str = "test-zalo-token"
    not_on_zalo: set = field(default_factory=set)  # phones as sent ("84…")
    refused_templates: set = field(default_factory=set)
    answers: list = field(default_factory=list)
    slow_seconds: float = 1.5
    out_path: Path | None = None
    daily_quota: int = 100000
    sent: int = 0
    calls: list = field(default_factory=list)  # {"token", "body", "tracking_id", "error", "kind"}
    lock: threading.Lock = field(default_factory=threading.Lock)


def _code(behaviour: ZaloBehaviour, payload: dict, token: str | None) -> int:
    phone = str(payload.get("phone", ""))
    if token != behaviour.token:
        return -124
    if not phone.startswith("84") or not phone.isdigit():
        return -108
    if phone in behaviour.not_on_zalo:
        return -118
    if str(payload.get("template_id")) in behaviour.refused_templates:
        return -109
    if not payload.get("template_data"):
        return -112
    return 0


def _answer(behaviour: ZaloBehaviour, payload: dict, token: str | None) -> tuple[int, dict]:
    with behaviour.lock:
        scripted = behaviour.answers.pop(0) if behaviour.answers else None
        call = {"token": token, "body": payload, "tracking_id": payload.get("tracking_id")}
        behaviour.calls.append(call)
    if scripted == "slow":
        time.sleep(behaviour.slow_seconds)
        scripted = 0
    if isinstance(scripted, str) and scripted.startswith("http:"):
        status = int(scripted.removeprefix("http:"))
        call.update(kind="http", error=status)
        return status, {"message": "stub HTTP error"}
    code = int(scripted) if scripted is not None else _code(behaviour, payload, token)
    with behaviour.lock:
        behaviour.sent += code == 0
        sent = behaviour.sent
        call.update(kind="sent" if code == 0 else "refused", error=code)
    if behaviour.out_path:
        with behaviour.lock, open(behaviour.out_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"tracking_id": call["tracking_id"], "error": code, "body": payload}) + "\n")
    if code:
        return 200, {"error": code, "message": MESSAGES.get(code, "error")}
    data = {
        "msg_id": uuid.uuid4().hex,
        "sent_time": str(int(time.time() * 1000)),
        "quota": {"dailyQuota": str(behaviour.daily_quota), "remainingQuota": str(behaviour.daily_quota - sent)},
    }
    return 200, {"error": 0, "message": "Success", "data": data}


def zalo_server(behaviour: ZaloBehaviour, port: int = 0) -> ThreadingHTTPServer:
    """The stub's HTTP server on 127.0.0.1 (``port`` 0: a free one); call ``serve_forever``."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            if self.path != "/message/template":
                status, answer = 404, {"message": "not found"}
            else:
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, answer = _answer(behaviour, payload, self.headers.get("access_token"))
            body = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (its timeout); the call is recorded all the same

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


def zalo_start(behaviour: ZaloBehaviour) -> tuple[ThreadingHTTPServer, str]:
    """The stub serving in a thread of this process; returns the server and its send URL."""
    server = zalo_server(behaviour)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/message/template"


def zalo_stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


def sent_calls(behaviour: ZaloBehaviour) -> list[dict]:
    return [call for call in behaviour.calls if call.get("error") == 0]
