"""Celery tasks of campaigns: thin, take ids, safe to run twice (names kept from ``outreach.tasks``)."""

from celery import shared_task

from .messages import campaign_message_plan as campaign_message_plan_service
from .messages import campaign_messages_due as campaign_messages_due_service


@shared_task(name="outreach.tasks.campaign_message_plan", acks_late=True, soft_time_limit=1200, time_limit=1500)
def campaign_message_plan(message_id: int) -> int:
    """Plan and queue a campaign message's deliveries (the message is already marked as sending)."""
    return campaign_message_plan_service(message_id=message_id)


@shared_task(name="outreach.tasks.campaign_messages_due", acks_late=True)
def campaign_messages_due() -> dict:
    """Beat, every minute: start scheduled campaign messages whose time has come."""
    return campaign_messages_due_service()
