"""The accounts app's Celery tasks (the module Celery autodiscovers)."""

from celery import shared_task
from django.core.management import call_command

from .audit.services import auth_events_forget_old
from .codes.flows import sign_ups_abandoned_forget
from .codes.services import codes_forget as codes_forget_old
from .roster import tasks as roster_tasks  # noqa: F401 (registers the roster's tasks)


@shared_task(name="accounts.tasks.expired_sessions_clear")
def expired_sessions_clear() -> None:
    """Delete expired sessions (sessions hold personal data; keep only live ones)."""
    call_command("clearsessions")


@shared_task(name="accounts.auth_events_forget")
def auth_events_forget() -> int:
    """Delete auth events older than ``ACCOUNTS_AUTH_EVENT_RETENTION_DAYS`` (safe to run twice)."""
    return auth_events_forget_old()


@shared_task(name="accounts.codes_forget")
def codes_forget() -> dict[str, int]:
    """Daily: delete one-time codes long expired, and sign-ups by phone never confirmed (safe to run twice)."""
    return {"codes": codes_forget_old(), "sign_ups": sign_ups_abandoned_forget()}
