"""Readiness (``/readyz``): can this deployment do its work now? Database, cache, broker, beat, and
whatever the higher floors add (``READINESS_CHECKS``: outreach adds the oldest due unsent message).

Each check is a function returning a ``Check``: ``ok`` and one figure (seconds, milliseconds), never a
person's data. Liveness (``/healthz``, ``core.views.healthz``) stays a bare "the process answers".
"""

import datetime
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Check:
    """One check's answer: its name, whether it passes, one figure and its unit, an error class if any."""

    name: str
    ok: bool
    value: float | None = None
    unit: str = ""
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"ok": self.ok}
        if self.value is not None:
            answer[self.unit or "value"] = round(self.value, 3)
        if self.error:
            answer["error"] = self.error
        return answer


def _timed(name: str, probe: Callable[[], None]) -> Check:
    start = time.monotonic()
    try:
        probe()
    except Exception as error:  # any failure of a dependency is "not ready"
        return Check(name, False, error=type(error).__name__)
    return Check(name, True, (time.monotonic() - start) * 1000, "ms")


def database_check() -> Check:
    """The default database answers a query."""

    def probe() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    return _timed("database", probe)


def cache_check() -> Check:
    """The default cache stores and returns a value (Redis or files, shared by the processes)."""

    def probe() -> None:
        key, token = "readiness:probe", uuid.uuid4().hex
        cache.set(key, token, 30)
        if cache.get(key) != token:
            raise RuntimeError("cache did not return what was stored")

    return _timed("cache", probe)


def broker_check() -> Check:
    """A connection to the Celery broker (Redis: a PING; filesystem: its folders are writable)."""

    def probe() -> None:
        # kombu only, not the Celery app: the ground floor does not import lms.
        from kombu import Connection

        url = settings.CELERY_BROKER_URL
        options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        timeout = float(getattr(settings, "READINESS_BROKER_TIMEOUT", 2))
        with Connection(url, transport_options=options, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            channel = conn.default_channel
            ping = getattr(getattr(channel, "client", None), "ping", None)
            if ping is not None:
                ping()
            folder = options.get("data_folder_in")
            if url.startswith("filesystem://") and folder and not os.access(folder, os.W_OK):
                raise PermissionError("broker folder is not writable")

    return _timed("broker", probe)


def beat_check() -> Check:
    """Celery beat sent a periodic task recently (django-celery-beat's ``last_run_at``, saved as it sends)."""
    # Imported here: the models need the app registry, and only this check reads them.
    from django_celery_beat.models import PeriodicTask

    try:
        last_run = PeriodicTask.objects.filter(enabled=True).aggregate(last=Max("last_run_at"))["last"]
    except Exception as error:  # the database check reports it too
        return Check("beat", False, error=type(error).__name__)
    limit = float(settings.READINESS_BEAT_MAX_AGE)
    if last_run is None:
        return Check("beat", False, error="NeverRan")
    age = max(0.0, (timezone.now() - last_run).total_seconds())
    return Check("beat", age <= limit, age, "age_seconds")


def age_check(name: str, oldest: datetime.datetime | None, limit: float) -> Check:
    """A check of how long the oldest waiting thing has waited (nothing waiting: age 0)."""
    age = 0.0 if oldest is None else max(0.0, (timezone.now() - oldest).total_seconds())
    return Check(name, age <= limit, age, "age_seconds")


def readiness_checks() -> list[Callable[[], Check]]:
    """The checks named in ``READINESS_CHECKS`` (dotted paths), in order."""
    return [import_string(path) for path in settings.READINESS_CHECKS]


def readiness() -> tuple[bool, dict[str, dict[str, Any]]]:
    """Run every check: (all passed, {name: {"ok": …, figure}})."""
    results: dict[str, dict[str, Any]] = {}
    for check in readiness_checks():
        try:
            answer = check()
        except Exception as error:  # a broken check fails, never a 500
            answer = Check(getattr(check, "__name__", "check"), False, error=type(error).__name__)
        results[answer.name] = answer.as_dict()
    return all(result["ok"] for result in results.values()), results
