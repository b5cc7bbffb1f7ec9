from celery import shared_task
from django.core.management import call_command


@shared_task(name="accounts.tasks.expired_sessions_clear")
def expired_sessions_clear():
    """Delete expired sessions (sessions hold personal data; keep only live ones)."""
    call_command("clearsessions")


@shared_task(name="accounts.tasks.roster_check", acks_late=True)
def roster_check(import_id):
    """Check (dry run) an uploaded roster; does nothing if it was already checked."""
    from .roster import roster_import_check

    roster_import = roster_import_check(import_id)
    return roster_import.status if roster_import else None


@shared_task(name="accounts.tasks.roster_apply", acks_late=True)
def roster_apply(import_id):
    """Import a checked roster, all or nothing; does nothing if it was already imported."""
    from .roster import roster_import_apply

    roster_import_apply(import_id)


@shared_task(acks_late=True)
def roster_imports_forget():
    """Daily: forget the files of roster checks not imported within a day (privacy)."""
    from .roster import roster_imports_expire

    roster_imports_expire()


@shared_task
def roster_imports_resume():
    """Every few minutes: re-enqueue checks and imports whose task was lost; give up after an hour."""
    from .roster import roster_imports_resume as resume

    resumed, given_up = resume()
    return {"resumed": resumed, "given_up": given_up}
