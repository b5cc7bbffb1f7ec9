"""Helpers for the reminder tests: people with training, test-only providers, and a worker we can kill.

The providers below are named by dotted path in settings (``SMS_BACKEND``, ``EMAIL_BACKEND``),
so a worker subprocess started with ``tests.reminder_worker_settings`` uses them too.
"""

import datetime
import fcntl
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

from accounts.models import User
from core.localtime import local_now, local_zone
from courses.models import Assignment, TrainingRequirement
from courses.training_services import assignments_sync
from outreach.delivery.channels import FileSmsBackend, PermanentDeliveryError, TemporaryDeliveryError
from outreach.delivery.sending import deliveries_send
from outreach.models import Delivery
from tests.factories import OrganisationUnitFactory, UserFactory, course_create

BASE_DIR = Path(__file__).resolve().parent.parent


def local(day, hour=10, minute=0):
    """An aware datetime at ``hour``:``minute`` in Vietnam on ``day``."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=local_zone())


def today_local():
    return local_now().date()


def tree():
    province = OrganisationUnitFactory(name="Tỉnh Nhắc", code="R", kind="province")
    commune = OrganisationUnitFactory(name="Xã Một", code="R-1", parent=province)
    other = OrganisationUnitFactory(name="Xã Hai", code="R-2", parent=province)
    return {"province": province, "commune": commune, "other": other}


def servant(unit, **kwargs):
    kwargs.setdefault("kind", User.Kind.CIVIL_SERVANT)
    return UserFactory(organisation_unit=unit, **kwargs)


def training_course(home_page, **kwargs):
    kwargs.setdefault("title", "An toàn thông tin cơ bản")
    return course_create(
        home_page, lessons=[("Mật khẩu", [{"type": "paragraph", "value": "<p>Dùng mật khẩu mạnh.</p>"}])], **kwargs
    )


def assign(course, units, **kwargs):
    """A requirement for ``units`` and its assignments (30 days by default; move due dates with ``due``)."""
    kwargs.setdefault("name", "An toàn thông tin hằng năm")
    requirement = TrainingRequirement.objects.create(
        course=course, due_rule=TrainingRequirement.DueRule.AFTER_ASSIGNED, due_days=30, **kwargs
    )
    requirement.units.set(units)
    assignments_sync(requirement_ids=[requirement.pk])
    return requirement


def due(user, due_on):
    Assignment.objects.filter(user=user, is_current=True).update(due_on=due_on)


def send_due(now):
    """Send every planned row due at ``now`` (as the queued tasks would), in one batch."""
    ids = list(Delivery.objects.filter(status=Delivery.Status.PLANNED).values_list("pk", flat=True))
    return deliveries_send(ids=ids, now=now)


# Test-only providers ------------------------------------------------------------------------


class JsonLinesEmailBackend(BaseEmailBackend):
    """Appends one JSON line per e-mail to ``TEST_EMAIL_FILE`` (shared by processes, locked)."""

    def send_messages(self, email_messages):
        path = Path(os.environ.get("TEST_EMAIL_FILE") or settings.TEST_EMAIL_FILE)
        with open(path, "a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            for message in email_messages:
                line = {
                    "to": message.to,
                    "subject": message.subject,
                    "body": message.body,
                    "message_id": message.extra_headers.get("Message-ID"),
                    "key": message.extra_headers.get("X-Idempotency-Key"),
                }
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
        return len(email_messages)


def _attempts_log(path, reference):
    """Record every call a provider receives (before its de-duplication) in ``path``."""
    with open(path, "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(reference + "\n")
        fcntl.flock(handle, fcntl.LOCK_UN)


class SlowFileSmsBackend(FileSmsBackend):
    """The file backend, slowed down (``TEST_SMS_DELAY`` seconds a message), logging every call."""

    def send(self, *, to, text, reference):
        time.sleep(float(os.environ.get("TEST_SMS_DELAY", "0.01")))
        _attempts_log(str(self.path) + ".calls", reference)
        super().send(to=to, text=text, reference=reference)


class FlakySmsBackend(FileSmsBackend):
    """For numbers starting with 0988: fails temporarily the first ``TEST_SMS_FAILURES`` (2) times it
    sees a reference, then works. Numbers starting with 0977 are refused for good (a 4xx)."""

    def send(self, *, to, text, reference):
        calls = Path(str(self.path) + ".calls")
        _attempts_log(calls, reference)
        if to.startswith("0977"):
            raise PermanentDeliveryError("gateway 400: number not in service")
        if to.startswith("0988"):
            failures = int(os.environ.get("TEST_SMS_FAILURES", "2"))
            seen = calls.read_text(encoding="utf-8").splitlines().count(reference)
            if seen <= failures:
                raise TemporaryDeliveryError("gateway 503: try again later")
        super().send(to=to, text=text, reference=reference)


def jsonl(path):
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# A worker we start and stop ourselves ----------------------------------------------------------


def worker_start(database_url, queue, extra_env, log_name):
    """A worker subprocess (solo pool) with the reminder test settings, consuming ``queue``."""
    from lms.celery import app

    hostname = f"{queue}-{uuid.uuid4().hex[:6]}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.reminder_worker_settings",
        "DATABASE_URL": database_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **extra_env,
    }
    log = open(BASE_DIR / "var" / log_name, "a")  # noqa: SIM115 (closed by worker_stop)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lms",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            f"--hostname={hostname}",
            f"--queues={queue}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[hostname], timeout=1.0):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            raise RuntimeError(f"worker did not start: {(BASE_DIR / 'var' / log_name).read_text()[-3000:]}")
    process.log = log
    return process


def worker_stop(process, *, kill=False):
    if kill:
        process.kill()
    else:
        process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    process.log.close()


def wait_until(predicate, timeout=60, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
