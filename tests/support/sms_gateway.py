"""An SMS gateway stub speaking our gateway's contract over real HTTP (``outreach.delivery.channels.
HttpGatewaySmsBackend``): ``POST`` JSON ``{to, text, sender, client_reference}`` with a bearer token;
2xx accepted, 4xx refused for good, 5xx or 429 try again later.

It de-duplicates on ``client_reference`` as the real gateway does, refuses numbers starting
``refused_prefix`` (400 ``invalid_number``), can hang every ``hang_every``-th call for ``hang``
seconds, or answer a scripted list of statuses (``"slow"``: 200 after ``slow_seconds``). Every
call is kept in ``calls`` (and appended to ``out_path`` as a JSON line when given, for a stub run
in another process). Used by the delivery tests and by ``bench/worker_kill.py``.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class GatewayBehaviour:
    refused_prefix: str = "0977"
    hang: float = 0.0
    hang_every: int = 5
    answers: list = field(default_factory=list)  # scripted statuses, taken in order before the rules
    slow_seconds: float = 1.5
    out_path: Path | None = None
    calls: list = field(default_factory=list)  # {"authorization", "body", "key", "kind", "hung"}
    seen: set = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _answer(behaviour: GatewayBehaviour, payload: dict, authorization: str | None) -> tuple[int, bytes]:
    reference = payload.get("client_reference")
    with behaviour.lock:
        number = len(behaviour.calls) + 1
        hangs = bool(behaviour.hang) and number % behaviour.hang_every == 0
        scripted = behaviour.answers.pop(0) if behaviour.answers else None
        call = {"authorization": authorization, "body": payload, "key": reference, "hung": hangs}
        behaviour.calls.append(call)
    if hangs:
        time.sleep(behaviour.hang)
    if scripted == "slow":
        time.sleep(behaviour.slow_seconds)
        scripted = 200
    if scripted is not None:
        status, kind = int(scripted), "scripted"
    elif str(payload.get("to", "")).startswith(behaviour.refused_prefix):
        status, kind = 400, "refused"
    else:
        with behaviour.lock:
            kind = "repeat" if reference in behaviour.seen else "sent"
            behaviour.seen.add(reference)
        status = 200
    call["kind"] = kind
    if behaviour.out_path:
        with behaviour.lock, open(behaviour.out_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"key": reference, "kind": kind, "hung": hangs}) + "\n")
    body = b'{"error": "invalid_number"}' if kind == "refused" else b'{"status": "accepted"}'
    return status, body


def gateway_server(behaviour: GatewayBehaviour, port: int = 0) -> ThreadingHTTPServer:
    """The stub's HTTP server on 127.0.0.1 (``port`` 0: a free one); call ``serve_forever``."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status, body = _answer(behaviour, payload, self.headers.get("Authorization"))
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


def gateway_start(behaviour: GatewayBehaviour) -> tuple[ThreadingHTTPServer, str]:
    """The stub serving in a thread of this process; returns the server and its URL."""
    server = gateway_server(behaviour)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/sms"


def gateway_stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()
