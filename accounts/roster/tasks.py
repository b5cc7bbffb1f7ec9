"""The roster's Celery tasks: thin, they take ids and call the services (each safe to run twice).

Registered by ``accounts.tasks`` (which Celery autodiscovers). The old names (``accounts.tasks.*``)
stay routable until the queues drain.
"""

from celery import shared_task

from core.tasks import task_renamed

from . import invitations, services
from .services import APPLY_TASK, CHECK_TASK


@shared_task(name=CHECK_TASK, acks_late=True)
def roster_check(import_id: int) -> str | None:
    """Check (dry run) an uploaded roster; does nothing if it was already checked."""
    roster_import = services.roster_import_check(import_id=import_id)
    return roster_import.status if roster_import else None


task_renamed("accounts.tasks.roster_check", roster_check)


@shared_task(name=APPLY_TASK, acks_late=True)
def roster_apply(import_id: int) -> None:
    """Import a checked roster, all or nothing; does nothing if it was already imported."""
    services.roster_import_apply(import_id=import_id)


task_renamed("accounts.tasks.roster_apply", roster_apply)


@shared_task(name="accounts.roster.imports_forget", acks_late=True)
def roster_imports_forget() -> None:
    """Daily: forget the files of roster checks not imported within a day (privacy)."""
    services.roster_imports_expire()


task_renamed("accounts.tasks.roster_imports_forget", roster_imports_forget)


@shared_task(name="accounts.roster.imports_resume")
def roster_imports_resume() -> dict[str, list[int]]:
    """Every few minutes: re-enqueue checks and imports whose task was lost; give up after an hour."""
    resumed, given_up = services.roster_imports_resume()
    return {"resumed": resumed, "given_up": given_up}


task_renamed("accounts.tasks.roster_imports_resume", roster_imports_resume)


@shared_task(name=invitations.SEND_TASK, acks_late=True)
def invitations_send(user_ids: list[int], by_id: int | None, reference: str) -> int:
    """Send invitations to these imported people who have not activated (once per ``reference``)."""
    return invitations.invitations_send(user_ids=user_ids, by_id=by_id, reference=reference)
