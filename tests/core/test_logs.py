"""Logs: the request id (kept from a trusted proxy or made), JSON lines with it or the Celery task,
JSON on production's stdout; ADMINS from the environment; Sentry only with a DSN."""

import io
import json
import logging
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from core.logs import ContextFilter, JsonFormatter, RequestIdMiddleware, admins_parse
from lms.celery import app
from tests.support.badges import badge_keys_json

BASE_DIR = settings.BASE_DIR


@pytest.fixture
def json_lines():
    """A logger whose records go through the production handler's filter and formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def respond_logging(logger):
    def view(request):
        logger.info("Đã xử lý %s", "yêu cầu", extra={"status": 200})
        return HttpResponse("ok")

    return RequestIdMiddleware(view)


def test_a_request_gets_an_id_in_its_log_lines_and_response(json_lines):
    logger, lines = json_lines
    response = respond_logging(logger)(RequestFactory().get("/"))
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [line] = lines()
    assert line["request_id"] == request_id
    assert line["message"] == "Đã xử lý yêu cầu"
    assert line["level"] == "INFO"
    assert line["logger"] == "tests.logs"
    assert line["status"] == 200
    assert line["timestamp"].endswith("+00:00")
    # Outside a request: no id.
    logger.info("ngoài yêu cầu")
    assert lines()[-1]["request_id"] is None


def test_the_proxys_request_id_is_kept_only_from_a_trusted_proxy(json_lines, settings):
    logger, lines = json_lines
    middleware = respond_logging(logger)
    factory = RequestFactory()
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    from_proxy = middleware(factory.get("/", HTTP_X_REQUEST_ID="abc-123", REMOTE_ADDR="10.0.0.1"))
    assert from_proxy["X-Request-ID"] == "abc-123"
    assert lines()[-1]["request_id"] == "abc-123"
    # Anyone else's header is replaced, and so is a malformed one from the proxy.
    from_client = middleware(factory.get("/", HTTP_X_REQUEST_ID="abc-123", REMOTE_ADDR="203.0.113.9"))
    assert from_client["X-Request-ID"] != "abc-123"
    malformed = middleware(factory.get("/", HTTP_X_REQUEST_ID="a b\n{}", REMOTE_ADDR="10.0.0.1"))
    assert malformed["X-Request-ID"] != "a b\n{}" and len(malformed["X-Request-ID"]) == 32


def test_every_response_of_the_site_carries_the_id(client, db):
    assert len(client.get("/healthz")["X-Request-ID"]) == 32
    assert client.get("/no-such-page/")["X-Request-ID"]


@app.task(name="tests.logs.line_write", bind=True)
def line_write(self, logger_name):
    logging.getLogger(logger_name).warning("trong tác vụ")
    return self.request.id


def test_a_task_logs_its_id_and_name(json_lines):
    logger, lines = json_lines
    result = line_write.apply(args=[logger.name])
    [line] = lines()
    assert line["task_id"] == result.result
    assert line["task_name"] == "tests.logs.line_write"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_sent_during_a_request_logs_with_the_requests_id(celery_worker):
    """Through the real broker: the message carries the id, the worker's lines about the task show it."""
    from core.logs import request_id_var
    from tests.support.waiting import wait_until

    token = request_id_var.set("req-from-proxy-42")
    try:
        result = app.send_task("core.page_views_flush")
    finally:
        request_id_var.reset(token)
    result.get(timeout=60)
    log = BASE_DIR / "var" / f"{celery_worker['queue']}.log"
    assert wait_until(lambda: f"[req-from-proxy-42/{result.id}]" in log.read_text(), timeout=10)


def test_an_exception_is_one_line(json_lines):
    logger, lines = json_lines
    try:
        raise ValueError("hỏng")
    except ValueError:
        logger.exception("lỗi")
    [line] = lines()
    assert "ValueError: hỏng" in line["exception"]


def test_admins_from_the_environment():
    assert admins_parse("Nguyễn Văn A <a@kynangso.vn>, ops@kynangso.vn") == [
        ("Nguyễn Văn A", "a@kynangso.vn"),
        ("ops@kynangso.vn", "ops@kynangso.vn"),
    ]
    assert admins_parse("") == []


def production_run(code, **env):
    """``code`` in a fresh interpreter with the production settings and the environment they document."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "LOG_", "DJANGO_"))}
    environment = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "kynangso.example.vn",
        "WAGTAILADMIN_BASE_URL": "https://kynangso.example.vn",
        "BADGES_KEYS": badge_keys_json(),
        **env,
    }
    prelude = "import django, json, logging, sys; django.setup()\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_production_logs_json_lines_on_stdout_and_mails_admins():
    result = production_run(
        "from django.conf import settings\n"
        "logging.getLogger('kynangso').warning('xin chào')\n"
        "print(json.dumps([settings.ADMINS, settings.SERVER_EMAIL]), file=sys.stderr)\n",
        ADMINS="Trực vận hành <ops@kynangso.vn>",
        SERVER_EMAIL="loi@kynangso.vn",
    )
    [line] = [json.loads(text) for text in result.stdout.splitlines() if "xin chào" in text]
    assert line["logger"] == "kynangso" and line["level"] == "WARNING" and "request_id" in line
    admins, server_email = json.loads(result.stderr.strip().splitlines()[-1])
    assert admins == [["Trực vận hành", "ops@kynangso.vn"]]
    assert server_email == "loi@kynangso.vn"


def test_production_probes_are_answered_over_plain_http():
    result = production_run(
        "from django.test import Client\n"
        "client = Client(HTTP_HOST='kynangso.example.vn')\n"
        "print(json.dumps([client.get('/healthz').status_code, client.get('/').status_code]))\n"
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [200, 301]


SENTRY_PROBE = """
import sentry_sdk
client = sentry_sdk.get_client()
events = []

class Capture(sentry_sdk.transport.Transport):
    def capture_envelope(self, envelope):
        events.extend(item.payload.json for item in envelope.items if item.payload.json)

if client.is_active():
    client.transport = Capture(client.options)
    try:
        1 / 0
    except ZeroDivisionError:
        sentry_sdk.capture_exception()
    client.flush()
print(json.dumps({
    "active": client.is_active(),
    "integrations": sorted(client.integrations) if client.is_active() else [],
    "pii": client.options.get("send_default_pii"),
    "environment": client.options.get("environment"),
    "release": client.options.get("release"),
    "events": [
        {"exception": e["exception"]["values"][0]["type"], "environment": e.get("environment")}
        for e in events if e.get("exception")
    ],
}))
"""


def test_sentry_is_off_without_a_dsn():
    result = production_run(SENTRY_PROBE)
    assert json.loads(result.stdout.strip().splitlines()[-1])["active"] is False


def test_sentry_is_on_with_a_dsn_and_sends_no_personal_data_by_default():
    # A DSN on a closed local port; the probe swaps in a transport it reads, so nothing leaves.
    result = production_run(
        SENTRY_PROBE,
        SENTRY_DSN="http://public@127.0.0.1:9/1",
        SENTRY_ENVIRONMENT="staging",
        SENTRY_RELEASE="kynangso@1.2.3",
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["active"] is True
    assert {"django", "celery"} <= set(answer["integrations"])
    assert answer["pii"] is False
    assert answer["environment"] == "staging" and answer["release"] == "kynangso@1.2.3"
    assert answer["events"] == [{"exception": "ZeroDivisionError", "environment": "staging"}]
