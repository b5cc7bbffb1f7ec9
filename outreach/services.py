"""Multi-step writes of the outreach layer."""

from io import StringIO

from django.core.management import call_command


def scheduled_pages_publish() -> str:
    """Run Wagtail's scheduled publishing once; return its report.

    Wagtail's ``publish_scheduled`` command publishes revisions whose go-live
    time has passed and unpublishes expired pages. Beat runs this every
    minute, so operators need no cron line. Running it twice is harmless.
    """
    out = StringIO()
    call_command("publish_scheduled", stdout=out)
    return out.getvalue()
