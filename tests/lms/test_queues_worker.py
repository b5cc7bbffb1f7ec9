"""Queues: a large send does not hold up scheduled work (real workers laid out as in production, the
configured broker, the test database, a slow e-mail provider).

A 100,000-person campaign queues about 200 send batches. With bulk sending on a queue of its own
(``<default>.bulk``) and its own worker, a page whose go-live time has come is live within beat's tick
while most batches still wait; with everything on one queue (``ONE_QUEUE``, the layout before) the
same tick waits behind the batches, which is what the second case shows.
"""

import contextlib
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from home.models import StandardPage
from lms.celery import QUEUE_KINDS, app, queue_name
from outreach.delivery.models import Delivery
from outreach.tasks import deliveries_send, scheduled_pages_publish
from tests.support.waiting import wait_until
from tests.support.worker import worker_database_url, worker_start, worker_stop

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BATCHES = 200
SEND_SECONDS = 0.3  # a slow provider: 200 batches are a minute of sending
TICK_SECONDS = 20  # "on time": live this soon after beat sends its publishing tick (a third of a minute)


def queues_purge(queue):
    """Drop what the workers left in the test's queues (the broker is shared with other runs)."""
    with app.connection_for_write() as conn:
        for kind in QUEUE_KINDS:
            with contextlib.suppress(Exception):
                conn.default_channel.queue_purge(queue_name(kind, queue))


@contextlib.contextmanager
def workers_running(django_db_blocker, *, one_queue):
    """Production's layout (one worker for bulk sending, one for scheduled work and the rest), or the
    old one (one worker, one queue, every task on it)."""
    queue = f"test-queues-{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        database_url = worker_database_url(connection.settings_dict)
    env = {"SLOW_MAIL_SECONDS": str(SEND_SECONDS), "ONE_QUEUE": "1" if one_queue else ""}
    layout = [["default"]] if one_queue else [["bulk"], ["scheduled", "default"]]
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    processes = []
    try:
        for kinds in layout:
            processes.append(
                worker_start(
                    database_url,
                    queue,
                    env,
                    f"{queue}-{'-'.join(kinds)}.log",
                    settings_module="tests.lms.slow_worker_settings",
                    kinds=kinds,
                )
            )
        yield queue
    finally:
        for process in processes:
            worker_stop(process, kill=True)
        queues_purge(queue)
        app.conf.task_default_queue = previous_queue


def large_send_queue():
    """200 planned e-mails (campaign test sends: always wanted), each its own send batch, queued."""
    person = User.objects.create_user(email="nguoinhan@example.vn", password="x", full_name="Người nhận")
    now = timezone.now()
    Delivery.objects.bulk_create(
        Delivery(
            recipient=person,
            kind="campaign",
            channel="email",
            idempotency_key=f"queues-test:{number}",
            address="nguoinhan@example.vn",
            subject="Thông báo",
            body="Nội dung",
            context={"test": True},
            planned_at=now,
            queued_at=now,
        )
        for number in range(BATCHES)
    )
    for pk in Delivery.objects.order_by("pk").values_list("pk", flat=True):
        deliveries_send.delay([pk])


def scheduled_page(home_page):
    page = StandardPage(title="Lịch tiếp công dân tháng 12", slug="lich-tiep-cong-dan-thang-12", live=False)
    home_page.add_child(instance=page)
    revision = page.save_revision()
    revision.approved_go_live_at = timezone.now() - timedelta(seconds=1)
    revision.save(update_fields=["approved_go_live_at"])
    return page


def page_live(page):
    return StandardPage.objects.filter(pk=page.pk, live=True).exists()


def waiting_batches():
    return Delivery.objects.filter(status=Delivery.Status.PLANNED).count()


def test_a_scheduled_page_goes_live_on_time_during_a_large_send(django_db_blocker, home_page, settings):
    with workers_running(django_db_blocker, one_queue=False) as queue:
        large_send_queue()
        page = scheduled_page(home_page)
        assert wait_until(lambda: Delivery.objects.filter(status=Delivery.Status.SENT).exists(), timeout=30)

        tick = time.monotonic()
        result = scheduled_pages_publish.delay()  # what beat sends every minute
        result.get(timeout=TICK_SECONDS)
        assert page_live(page)
        assert time.monotonic() - tick < TICK_SECONDS
        # The send was still long: most batches had not run yet.
        assert waiting_batches() > BATCHES // 2
        assert app.amqp.router.route({}, scheduled_pages_publish.name)["queue"].name == f"{queue}.scheduled"


def test_on_one_queue_the_same_tick_waits_behind_the_send(django_db_blocker, home_page, settings):
    settings.TASK_QUEUE_KINDS = {}  # as before: every task on the default queue
    with workers_running(django_db_blocker, one_queue=True):
        large_send_queue()
        page = scheduled_page(home_page)
        assert wait_until(lambda: Delivery.objects.filter(status=Delivery.Status.SENT).exists(), timeout=30)

        scheduled_pages_publish.delay()
        time.sleep(TICK_SECONDS)
        assert not page_live(page)
        assert waiting_batches() > BATCHES // 2


def test_the_tests_worker_consumes_every_queue(celery_worker):
    """On the configured broker (filesystem by default, Redis when set) one worker takes all three."""
    for kind in QUEUE_KINDS:
        result = app.send_task("core.page_views_flush", queue=queue_name(kind, celery_worker["queue"]))
        assert result.get(timeout=60) == 0, kind
