"""Celery tasks of reminders (thin, take ids, safe to run twice); ``outreach.tasks`` imports them."""

from celery import shared_task

from .notices import notice_plan


@shared_task(name="outreach.tasks.notices_plan", acks_late=True, ignore_result=True)
def notices_plan(event: str, pk: int) -> dict:
    """Plan and queue the notices of one event of ``courses`` (an extension request, a decision, a revocation)."""
    return notice_plan(event=event, pk=pk)
