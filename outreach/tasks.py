from celery import shared_task

from .services import scheduled_pages_publish as scheduled_pages_publish_service


@shared_task(name="outreach.tasks.scheduled_pages_publish")
def scheduled_pages_publish():
    """Publish pages whose go-live time has come and unpublish expired ones (run by beat every minute)."""
    return scheduled_pages_publish_service()
