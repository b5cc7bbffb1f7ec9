"""Celery tasks of xAPI (named ``outreach.tasks.xapi_*``, imported by ``outreach.tasks``): thin, safe twice."""

import logging

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from .sending import lease_free as sender_lease_free
from .sending import queue_due, statements_send

log = logging.getLogger(__name__)

# Dependency errors: the task is retried with back-off (the rows stay in the outbox meanwhile).
DEPENDENCY_ERRORS = (OperationalError, InterfaceError, ConnectionError)


@shared_task(
    name="outreach.tasks.xapi_send",
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=None,
    autoretry_for=DEPENDENCY_ERRORS,
    retry_backoff=5,
    retry_backoff_max=60,
    retry_jitter=True,
    soft_time_limit=240,
    time_limit=300,
)
def xapi_send(self: Task, statement_ids: list[int]) -> dict:
    """Send the xAPI queue in order, ``statement_ids`` among it (the rows just written: the ids are a
    hint, the sender sends whatever is due before and after them). Safe twice: a second run finds them sent
    or the lease held."""
    result = statements_send(owner=self.request.hostname or "")
    if result.more:
        xapi_send.apply_async(args=[statement_ids], countdown=0)
    elif result.retry_in is not None and result.batches:
        # This run tried and met a temporary error: it comes back after the back-off. A run that only found
        # the queue waiting leaves (one retry chain, not one per statement; beat's xapi_recover covers a lost one).
        xapi_send.apply_async(args=[statement_ids], countdown=min(result.retry_in + 0.5, 1800))
    return result.as_dict()


@shared_task(name="outreach.tasks.xapi_recover", acks_late=True, ignore_result=True)
def xapi_recover() -> bool:
    """Beat (every minute): when something is due and no live sender holds the lease (its task was
    lost, its worker died), queue the sender. True if queued."""
    if sender_lease_free() and queue_due():
        xapi_send.delay([])
        return True
    return False
