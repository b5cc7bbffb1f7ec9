"""Notices planned at once: what ``courses`` announces (``COURSES_NOTICE_HOOKS``) becomes a message.

``courses`` cannot import outreach (a lower floor): its services call ``courses.hooks``, which
calls ``notice_planned`` (named in ``settings.COURSES_NOTICE_HOOKS``) inside the transaction that
wrote the fact. Once it commits, the task ``outreach.tasks.notices_plan`` runs the planner of
that event for that row only, writes the rows to the outbox (the same idempotency keys as the
planning pass) and queues them. Safe to run twice: the second run inserts nothing. If the
broker is down the planning pass (every 5 minutes) plans the notice anyway.
"""

import logging
from functools import partial

from django.db import connection, transaction

from courses import hooks
from outreach.delivery.outbox import enqueue_fresh, outbox_open

from .certificates import plan_certificates_revoked
from .extensions import plan_extension_decided, plan_extension_requested

log = logging.getLogger(__name__)

PLANNERS = {
    hooks.EXTENSION_REQUESTED: plan_extension_requested,
    hooks.EXTENSION_DECIDED: plan_extension_decided,
    hooks.CERTIFICATE_REVOKED: plan_certificates_revoked,
}


def notice_plan(*, event: str, pk: int) -> dict:
    """Plan and queue the notices of one event (an unknown event plans nothing). Returns counts."""
    planner = PLANNERS.get(event)
    if planner is None:
        return {"planned": 0, "queued": 0}
    outbox = outbox_open(queue=True)
    with transaction.atomic():
        planner(outbox=outbox, pk=pk)
        outbox.flush()
        # PostgreSQL queues what each flush inserted; elsewhere what this pass wrote is queued here.
        queued = outbox.queued + enqueue_fresh(outbox=outbox)
    inserted = outbox.inserted if connection.vendor == "postgresql" else queued
    return {"planned": inserted, "queued": queued}


def _enqueue(event: str, pk: int) -> None:
    from .tasks import notices_plan  # the tasks module imports this one

    try:
        notices_plan.delay(event, pk)
    except Exception:  # the broker is down: the fact is committed; the planning pass sends the notice
        log.warning("Could not queue the notice of %s %s; the planning pass will", event, pk, exc_info=True)


def notice_planned(*, event: str, pk: int) -> None:
    """Hook (``COURSES_NOTICE_HOOKS``): plan the notice of ``event`` about row ``pk`` once committed."""
    transaction.on_commit(partial(_enqueue, event, pk))
