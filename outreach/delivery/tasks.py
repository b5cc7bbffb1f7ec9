"""Celery tasks of delivery: thin, take ids, safe to run twice (names kept from ``outreach.tasks``)."""

from celery import Task, shared_task
from django.conf import settings

from .outbox import deliveries_plan
from .sending import deliveries_send as deliveries_send_service

# A sending task must end well within the delivery lease (DELIVERY_LEASE_SECONDS, 600 s): a
# worker still holding claimed rows after the lease would race the one that recovers them.
SEND_SOFT_TIME_LIMIT = 240
SEND_TIME_LIMIT = 300


@shared_task(name="outreach.tasks.reminders_plan", acks_late=True)
def reminders_plan() -> dict:
    """Beat, every 5 minutes: plan due reminders, recover dead workers' rows, queue batches to send."""
    return deliveries_plan()


def max_countdown() -> float:
    """The longest countdown a task may use: half the broker's visibility timeout (Redis would
    otherwise deliver the waiting task again and again)."""
    return settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600) / 2


def _send(task: Task, delivery_ids: list[int]) -> dict:
    result = deliveries_send_service(ids=delivery_ids)
    if result.retry_ids:
        # Only the rows that failed for a temporary reason, after an exponential back-off (ten
        # minutes at most, DELIVERY_RETRY_MAX_SECONDS: far below the visibility timeout).
        raise task.retry(args=[result.retry_ids], countdown=min(result.retry_countdown, max_countdown()))
    return result.as_dict()


@shared_task(
    name="outreach.tasks.deliveries_send",
    bind=True,
    acks_late=True,
    ignore_result=True,  # the deliveries are the record; no result row per batch
    max_retries=None,  # the number of attempts is counted per message, in the database
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
    soft_time_limit=SEND_SOFT_TIME_LIMIT,
    time_limit=SEND_TIME_LIMIT,
)
def delivery_resend(self: Task, delivery_id: int) -> dict:
    """An administrator asked to resend a failed message (already planned again by the admin view)."""
    return _send(self, [delivery_id])
