"""Celery tasks of delivery: thin, take ids, safe to run twice (names kept from ``outreach.tasks``)."""

import datetime
import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .outbox import deliveries_plan, deliveries_recover_and_requeue
from .outbox import deliveries_recover as deliveries_recover_now
from .sending import deliveries_send as deliveries_send_service

log = logging.getLogger(__name__)

# A sending task stops taking messages after DELIVERY_BATCH_BUDGET_SECONDS (120 s) and hands the
# rest back; these limits are only the net under that. The lease (DELIVERY_LEASE_SECONDS, 60 s) is
# renewed by the task while it sends (DELIVERY_HEARTBEAT_SECONDS), so it may be shorter than them.
SEND_SOFT_TIME_LIMIT = 240
SEND_TIME_LIMIT = 300
# A dependency that fails (database, Redis of the rate limiter, the broker): the batch hands back its
# rows and the task tries again later instead of vanishing.
DEPENDENCY_ERRORS = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    BrokerError,
    ConnectionError,
    TimeoutError,
)


@shared_task(name="outreach.tasks.reminders_plan", acks_late=True)
def reminders_plan() -> dict:
    """Beat, every 5 minutes: plan due reminders, recover dead workers' rows, queue batches to send."""
    return deliveries_plan()


@shared_task(name="outreach.tasks.deliveries_recover", acks_late=True, ignore_result=True)
def deliveries_recover(owner: str = "", started: str = "") -> dict:
    """Beat, every 30 s, and when a worker starts (``owner``: its node name, ``started``: when):
    rows of dead workers planned again, and planned rows whose task the broker lost queued again."""
    return deliveries_recover_and_requeue(
        owner=owner, started=datetime.datetime.fromisoformat(started) if started else None
    )


@worker_ready.connect
def _recover_on_worker_start(sender: object = None, **kwargs: object) -> None:
    """A worker (re)starts: what it held when it died is handed back at once, not after the lease.

    Done here, in the worker's main process (one UPDATE), not as a task: a task would wait behind
    the send queue's backlog. The rows handed back are taken by the next sending task (or queued
    by the recovery pass).
    """
    hostname = getattr(sender, "hostname", "") or ""
    try:
        deliveries_recover_now(owner=hostname, started=timezone.now())
    except Exception:  # the database is not there yet: the lease and beat's pass do it
        log.warning("Could not recover the deliveries of a restarted worker", exc_info=True)
    finally:
        connection.close()  # the main process keeps no connection of its own


def max_countdown() -> float:
    """The longest countdown a task may use: half the broker's visibility timeout (Redis would
    otherwise deliver the waiting task again and again)."""
    return settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600) / 2


def _send(task: Task, delivery_ids: list[int]) -> dict:
    try:
        result = deliveries_send_service(ids=delivery_ids, owner=task.request.hostname or "")
    except SoftTimeLimitExceeded:
        # The rows not sent were handed back by the sender; try them again soon.
        raise task.retry(args=[delivery_ids], countdown=5) from None
    if result.retry_ids:
        # Rows that failed for a temporary reason, after an exponential back-off (ten minutes at
        # most, DELIVERY_RETRY_MAX_SECONDS: far below the visibility timeout), and rows handed back
        # when the batch's time budget or the shared rate ran out.
        raise task.retry(args=[result.retry_ids], countdown=min(result.retry_countdown, max_countdown()))
    return result.as_dict()


@shared_task(
    name="outreach.tasks.deliveries_send",
    bind=True,
    acks_late=True,
    ignore_result=True,  # the deliveries are the record; no result row per batch
    max_retries=None,  # the number of attempts is counted per message, in the database
    autoretry_for=DEPENDENCY_ERRORS,
    retry_backoff=5,
    retry_backoff_max=60,
    retry_jitter=True,
    soft_time_limit=SEND_SOFT_TIME_LIMIT,
    time_limit=SEND_TIME_LIMIT,
)
def deliveries_send(self: Task, delivery_ids: list[int]) -> dict:
    """Send a batch of planned deliveries (ids); each is sent at most once (claim, idempotency key)."""
    return _send(self, delivery_ids)


@shared_task(
    name="outreach.tasks.delivery_resend",
    bind=True,
    acks_late=True,
    max_retries=None,
    autoretry_for=DEPENDENCY_ERRORS,
    retry_backoff=5,
    retry_backoff_max=60,
    retry_jitter=True,
    soft_time_limit=SEND_SOFT_TIME_LIMIT,
    time_limit=SEND_TIME_LIMIT,
)
def delivery_resend(self: Task, delivery_id: int) -> dict:
    """An administrator asked to resend a failed message (already planned again by the admin view)."""
    return _send(self, [delivery_id])
