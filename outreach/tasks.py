"""Celery tasks of the outreach layer: thin, take ids, safe to run twice.

Celery autodiscovers this module only: it imports the sub-packages' tasks (their names stay
``outreach.tasks.*``, as routed and scheduled in ``lms/settings/base.py``).
"""

from celery import shared_task

from .campaigns.tasks import campaign_message_plan, campaign_messages_due
from .delivery.tasks import deliveries_recover, deliveries_send, delivery_resend, reminders_plan
from .reminders.tasks import notices_plan
from .services import scheduled_pages_publish as scheduled_pages_publish_service
from .xapi.tasks import xapi_recover, xapi_send

__all__ = [
    "campaign_message_plan",
    "campaign_messages_due",
    "deliveries_recover",
    "deliveries_send",
    "delivery_resend",
    "notices_plan",
    "reminders_plan",
    "scheduled_pages_publish",
    "xapi_recover",
    "xapi_send",
]


@shared_task(name="outreach.tasks.scheduled_pages_publish")
def scheduled_pages_publish() -> str:
    """Publish pages whose go-live time has come and unpublish expired ones (run by beat every minute)."""
    return scheduled_pages_publish_service()
