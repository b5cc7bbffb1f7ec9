"""Celery tasks of the LTI tool (thin, take ids, safe to run twice), and what enqueues them.

``courses.tasks`` imports this module. A completed course records its score facts inside the
completing transaction (``scores_record``) and queues them after commit; ``score_send`` posts each
once (the fact's row is locked while it is sent, and a sent one is never sent again).
"""

from celery import shared_task
from django.db import transaction

from courses.learning import events

from . import services

RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600


@shared_task(name="courses.lti.score_send", bind=True, acks_late=True, max_retries=10)
def score_send(self, score_id: int) -> bool:
    """Post one score to its platform's line item; on a refusal or a network error, again with back-off."""
    try:
        return services.score_send(score_id=score_id)
    except services.ScoreNotSent as error:
        countdown = min(RETRY_BASE_SECONDS * 2**self.request.retries, RETRY_MAX_SECONDS)
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task(name="courses.lti.context_members_sync", acks_late=True)
def context_members_sync(context_id: int) -> int:
    """Names and roles: fetch a context's members from its platform."""
    return services.context_members_sync(context_id=context_id)


@shared_task(name="courses.lti.entry_tickets_forget")
def entry_tickets_forget() -> int:
    """Beat, daily: hand-over tickets expired over a day ago (used or not) are deleted."""
    return services.entry_tickets_forget()


def context_members_enqueue(context_id: int) -> None:
    transaction.on_commit(lambda: context_members_sync.delay(context_id))


def course_completed(*, enrolment, **facts) -> None:
    """learning's ``course_completed``: the score facts now, their sending after commit."""
    ids = services.scores_record(enrolment=enrolment)
    for score_id in ids:
        transaction.on_commit(lambda score_id=score_id: score_send.delay(score_id))


def subscribe_to_learning() -> None:
    events.course_completed.subscribe(course_completed)
