from celery import shared_task
from django.core.management import call_command


@shared_task(name="accounts.tasks.expired_sessions_clear")
def expired_sessions_clear():
    """Delete expired sessions (sessions hold personal data; keep only live ones)."""
    call_command("clearsessions")
