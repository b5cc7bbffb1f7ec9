"""Logs: a request id on every line, one JSON object per line in production, Sentry when configured.

- ``RequestIdMiddleware`` takes ``X-Request-ID`` from a trusted proxy (``TRUSTED_PROXIES``) or makes
  one, keeps it in a context variable for the request, and returns it in the response header.
- A Celery task sent during a request carries its id in a message header (``request_id_publish``)
  and logs with it (``request_id_task_start``), connected in ``CoreConfig.ready``.
- ``ContextFilter`` adds ``request_id`` (and, inside a Celery task, ``task_id`` and ``task_name``)
  to every record; ``JsonFormatter`` writes a record as one JSON line.
- ``logging_config`` is the ``LOGGING`` dict of the settings (readable text or JSON to stdout);
  ``sentry_init`` switches sentry-sdk on (settings call it only when ``SENTRY_DSN`` is set).

Imported by the settings: nothing here may touch Django's models or settings at import time.
"""

import datetime
import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from email.utils import getaddresses
from typing import Any

request_id_var: ContextVar[str] = ContextVar("request_id", default="")

HEADER = "X-Request-ID"
# What a proxy's id may look like (nginx's $request_id is 32 hex digits); anything else is replaced.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Attributes every LogRecord has: the rest are a caller's ``extra=`` fields, written too.
_RECORD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id", "task_id", "task_name"}


def request_id_make() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in ``MIDDLEWARE``: every line logged while the request is handled carries its id."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        request_id = self.request_id_of(request)
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[HEADER] = request_id
        return response

    @staticmethod
    def request_id_of(request: Any) -> str:
        # Imported here: the settings import this module, before Django can load these.
        from django.conf import settings

        from .clients import _address, _networks, _trusted

        given = request.META.get("HTTP_X_REQUEST_ID", "").strip()
        peer = _address(request.META.get("REMOTE_ADDR", ""))
        networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
        if given and _VALID_ID.match(given) and peer is not None and _trusted(peer, networks):
            return given
        return request_id_make()


def request_id_publish(headers: dict | None = None, **kwargs: Any) -> None:
    """``before_task_publish``: a task sent while a request is handled carries the request's id."""
    request_id = request_id_var.get()
    if request_id and isinstance(headers, dict):
        headers.setdefault("request_id", request_id)


def request_id_task_start(task: Any = None, **kwargs: Any) -> None:
    """``task_prerun``: the task's lines carry the id of the request that sent it (if one did)."""
    request_id_var.set(str(getattr(getattr(task, "request", None), "request_id", None) or ""))


def request_id_task_end(**kwargs: Any) -> None:
    """``task_postrun``: the next task on this worker starts without the id."""
    request_id_var.set("")


def _task_context() -> tuple[str, str]:
    try:
        from celery import current_task  # imported here: a web process need not load Celery's state
    except ImportError:  # pragma: no cover (Celery is a dependency)
        return "", ""
    task = current_task
    request = getattr(task, "request", None) if task else None
    task_id = getattr(request, "id", None) or ""
    return (task_id, task.name if task_id else "") if task else ("", "")


class ContextFilter(logging.Filter):
    """Adds ``request_id``, ``task_id`` and ``task_name`` (empty when there is none) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.task_id, record.task_name = _task_context()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (UTC), level, logger, message, request_id, task id/name,
    any ``extra=`` fields, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or None,
        }
        task_id = getattr(record, "task_id", "")
        if task_id:
            entry["task_id"] = task_id
            entry["task_name"] = getattr(record, "task_name", "")
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(*, json_lines: bool, level: str = "INFO") -> dict[str, Any]:
    """The ``LOGGING`` setting: to stdout, as JSON lines or as readable text, both with the request id."""
    text = "%(asctime)s %(levelname)s %(name)s [%(request_id)s/%(task_id)s] %(message)s"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "core.logs.ContextFilter"}},
        "formatters": {
            "json": {"()": "core.logs.JsonFormatter"},
            "text": {"format": text},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "filters": ["context"],
                "formatter": "json" if json_lines else "text",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.request": {"level": "WARNING"},
            # Wagtail runs its search-index and reference-index updates as django-tasks.
            "django_tasks": {"level": "WARNING"},
            "wagtail": {"level": "WARNING"},
            "weasyprint": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
        },
    }


def admins_parse(text: str) -> list[tuple[str, str]]:
    """``ADMINS="Name <a@b>, Other <c@d>"`` as Django's [(name, address)]; a bare address is its own name."""
    return [(name or address, address) for name, address in getaddresses([text]) if "@" in address]


def sentry_init(*, dsn: str, environment: str, release: str | None, transport: Any = None) -> bool:
    """Switch sentry-sdk on with the Django and Celery integrations and no personal data."""
    import sentry_sdk  # imported here: only a deployment with SENTRY_DSN loads it
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    options: dict[str, Any] = {
        "dsn": dsn,
        "environment": environment,
        "release": release,
        "send_default_pii": False,
        "integrations": [DjangoIntegration(), CeleryIntegration()],
        "traces_sample_rate": 0.0,
    }
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(**options)
    return sentry_sdk.get_client().is_active()
