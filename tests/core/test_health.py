"""Liveness and readiness: /healthz answers without dependencies, /readyz names each check and its
figure and turns 503 when one of them fails."""

import socket
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

pytestmark = pytest.mark.django_db


def beat_ran(seconds_ago):
    every = IntervalSchedule.objects.create(every=60, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(
        name="publish-scheduled-pages",
        task="outreach.tasks.scheduled_pages_publish",
        interval=every,
        last_run_at=timezone.now() - timedelta(seconds=seconds_ago),
    )


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ready(client):
    response = client.get("/readyz")
    return response.status_code, response.json()


def test_ready_when_every_check_passes(client):
    beat_ran(20)
    status, body = ready(client)
    assert status == 200, body
    assert body["status"] == "ok"
    assert list(body["checks"]) == ["database", "cache", "broker", "beat", "oldest_due_delivery"]
    assert all(check["ok"] for check in body["checks"].values())
    assert 19 <= body["checks"]["beat"]["age_seconds"] < 60
    assert body["checks"]["oldest_due_delivery"]["age_seconds"] == 0
    assert "ms" in body["checks"]["database"]


def test_readiness_is_never_cached_and_only_read(client):
    beat_ran(5)
    response = client.get("/readyz")
    assert "no-store" in response["Cache-Control"]
    assert "X-Page-Cache" not in response
    assert client.head("/readyz").status_code == 200
    assert client.post("/readyz").status_code == 405


def test_beat_stale_is_not_ready(client, settings):
    settings.READINESS_BEAT_MAX_AGE = 300
    beat_ran(301)
    status, body = ready(client)
    assert status == 503
    assert body["status"] == "fail"
    assert body["checks"]["beat"] == {"ok": False, "age_seconds": pytest.approx(301, abs=5)}
    assert body["checks"]["database"]["ok"]


def test_beat_that_never_ran_is_not_ready(client):
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["beat"] == {"ok": False, "error": "NeverRan"}


def test_unreachable_broker_is_not_ready(client, settings):
    beat_ran(5)
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    settings.READINESS_BROKER_TIMEOUT = 1
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"] and body["checks"]["beat"]["ok"]


def test_unwritable_filesystem_broker_is_not_ready(client, settings, tmp_path):
    beat_ran(5)
    missing = tmp_path / "no-such-folder"
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(missing), "data_folder_out": str(missing)}
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["broker"]["ok"] is False


def test_unreachable_cache_is_not_ready(client, settings):
    beat_ran(5)
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        },
    }
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"]["ok"]


def test_a_broken_check_is_a_failed_check_not_a_500(client, settings):
    beat_ran(5)
    settings.READINESS_CHECKS = ["core.health.database_check", "tests.core.test_health.check_that_raises"]
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["check_that_raises"] == {"ok": False, "error": "ZeroDivisionError"}


def check_that_raises():
    return 1 / 0


def test_liveness_needs_no_dependency(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
