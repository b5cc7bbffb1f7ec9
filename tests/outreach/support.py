"""Helpers for the outreach tests: people with training, test-only providers, and a worker we can kill.

The providers below are named by dotted path in settings (``SMS_BACKEND``, ``EMAIL_BACKEND``),
so a worker subprocess started with ``tests.outreach.worker_settings`` uses them too.
"""

import contextlib
import datetime
import fcntl
import json
import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection

from accounts.models import User
from core.localtime import local_now, local_zone
from courses.models import Assignment, TrainingRequirement
from courses.training.services import assignments_sync
from lms.celery import app
from outreach.delivery.channels import FileSmsBackend, PermanentDeliveryError, TemporaryDeliveryError
from outreach.delivery.sending import deliveries_send
from outreach.models import Delivery
from tests.accounts.factories import OrganisationUnitFactory, UserFactory
from tests.courses.factories import course_create
from tests.support import worker as support_worker
from tests.support.worker import worker_database_url, worker_stop


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
        time.sleep(float(os.environ.get("TEST_EMAIL_DELAY", "0")) * len(email_messages))
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


def worker_start(database_url, queue, extra_env, log_name, hostname=None):
    """A worker (``tests.support.worker``) with the outreach test settings, consuming ``queue``."""
    return support_worker.worker_start(
        database_url, queue, extra_env, log_name, settings_module="tests.outreach.worker_settings", hostname=hostname
    )


@contextlib.contextmanager
def worker_running(django_db_blocker, prefix, extra_env, files):
    """A worker on a queue of its own (``test-<prefix>-…``), which the tasks this process sends go to meanwhile."""
    queue = f"test-{prefix}-{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        database_url = worker_database_url(connection.settings_dict)
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    process = worker_start(database_url, queue, extra_env, f"{queue}.log")
    try:
        yield {"queue": queue, "process": process, **files}
    finally:
        worker_stop(process)
        app.conf.task_default_queue = previous_queue
