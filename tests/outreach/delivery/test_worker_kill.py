"""A real worker killed with SIGKILL in the middle of an e-mail batch (a channel that cannot
de-duplicate): a second worker sends the rest within the (test-shortened) lease, or at once when
the dead worker is started again under its name. Nothing is lost, at most one e-mail goes twice.
"""

import datetime
import time
import uuid
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import ContactPreference
from courses.models import Assignment
from lms.celery import app
from outreach.delivery.outbox import deliveries_enqueue, deliveries_plan, deliveries_recover_and_requeue
from outreach.models import Delivery
from tests.outreach.support import assign, jsonl, servant, today_local, training_course, tree, worker_start
from tests.support.waiting import wait_until
from tests.support.worker import worker_database_url, worker_stop

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

UNFINISHED = ("planned", "sending")
COUNT = 120


@pytest.fixture
def campaign(home_page):
    """``COUNT`` planned e-mails (no quiet hours for e-mail), keyed by idempotency key."""
    units = tree()
    course = training_course(home_page)
    people = [servant(units["commune"]) for _number in range(COUNT)]
    ContactPreference.objects.bulk_create(
        [ContactPreference(user=person, use_email=True, use_sms=False, use_in_app=False) for person in people]
    )
    assign(course, [units["commune"]])
    Assignment.objects.update(due_on=today_local() + datetime.timedelta(days=1))
    deliveries_plan(enqueue=False)
    keys = set(Delivery.objects.filter(status="planned").values_list("idempotency_key", flat=True))
    assert len(keys) == COUNT
    return keys


@pytest.fixture
def queue():
    name = f"test-wkill-{uuid.uuid4().hex[:8]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = name
    yield name
    app.conf.task_default_queue = previous


def _kill_mid_batch(tmp_path, queue, env, hostname=None):
    database_url = worker_database_url(connection.settings_dict)
    # Not due while the worker starts (its start-up recovery pass would queue them, and a solo worker
    # busy sending answers no ping).
    Delivery.objects.update(not_before=timezone.now() + datetime.timedelta(hours=1))
    first = worker_start(database_url, queue, env, f"{queue}.log", hostname=hostname)
    try:
        Delivery.objects.update(not_before=None)
        assert deliveries_enqueue(batch_size=50) == COUNT
        assert wait_until(lambda: len(jsonl(tmp_path / "email.jsonl")) >= 20, timeout=90)
    finally:
        worker_stop(first, kill=True)
    killed = time.monotonic()
    left = Delivery.objects.filter(status="sending").count()
    assert left > 0, "the kill should interrupt a batch"
    return database_url, first.hostname, killed


def _check(tmp_path, keys, label, seconds):
    received = Counter(line["key"] for line in jsonl(tmp_path / "email.jsonl"))
    assert set(received) == keys  # nothing lost
    duplicates = sum(count - 1 for count in received.values())
    assert duplicates <= 1  # at most the one e-mail in flight when the worker died
    assert Delivery.objects.filter(status="sent").count() == COUNT
    print(f"\n{label}: all {COUNT} sent {seconds:.1f} s after SIGKILL, {duplicates} e-mail(s) twice")


def test_a_killed_workers_rows_are_sent_by_another_worker_once_its_lease_runs_out(campaign, queue, tmp_path, settings):
    lease = 5
    settings.DELIVERY_LEASE_SECONDS = lease
    settings.DELIVERY_REQUEUE_SECONDS = 2
    env = {
        "TEST_EMAIL_FILE": str(tmp_path / "email.jsonl"),
        "TEST_EMAIL_DELAY": "0.15",
        "DELIVERY_LEASE_SECONDS": str(lease),
        "DELIVERY_HEARTBEAT_SECONDS": "1",
        "DELIVERY_REQUEUE_SECONDS": "2",
        "DELIVERY_BATCH_SIZE": "50",
    }
    database_url, _hostname, killed = _kill_mid_batch(tmp_path, queue, env)
    second = worker_start(database_url, queue, env, f"{queue}.log")
    try:
        # This process plays beat: the recovery pass every second.
        def done():
            deliveries_recover_and_requeue()
            return not Delivery.objects.filter(status__in=UNFINISHED).exists()

        assert wait_until(done, timeout=lease + 60, interval=1.0), list(
            Delivery.objects.filter(status__in=UNFINISHED).values_list("pk", "status")
        )
        seconds = time.monotonic() - killed
    finally:
        worker_stop(second)
    _check(tmp_path, campaign, "lease", seconds)
    assert seconds < lease + 45


def test_a_killed_worker_started_again_hands_back_its_rows_at_once(campaign, queue, tmp_path, settings):
    """The lease is long (10 minutes): only the recovery that a starting worker queues can explain
    the rows being sent within seconds."""
    env = {
        "TEST_EMAIL_FILE": str(tmp_path / "email.jsonl"),
        "TEST_EMAIL_DELAY": "0.15",
        "DELIVERY_LEASE_SECONDS": "600",
        "DELIVERY_REQUEUE_SECONDS": "1",
        "DELIVERY_BATCH_SIZE": "50",
    }
    hostname = f"{queue}-again@localhost"
    database_url, _hostname, killed = _kill_mid_batch(tmp_path, queue, env, hostname=hostname)
    again = worker_start(database_url, queue, env, f"{queue}.log", hostname=hostname)
    try:
        assert wait_until(
            lambda: not Delivery.objects.filter(status__in=UNFINISHED).exists(), timeout=90, interval=0.5
        ), list(Delivery.objects.filter(status__in=UNFINISHED).values_list("pk", "status", "queued_at"))
        seconds = time.monotonic() - killed
    finally:
        worker_stop(again)
    _check(tmp_path, campaign, "restart", seconds)
