"""The insights' Celery tasks (beat): the daily summary and the public page's figures.

Each has an explicit name; the implicit names they had before (``insights.tasks.<function>``) stay
routable through ``core.tasks.task_renamed`` until the queues have drained.
"""

import datetime

from celery import shared_task

from core.localtime import local_today
from core.tasks import task_renamed

from .models import UnitDayFigure
from .selectors import transparency_figures
from .services import figures_rebuild

# The nightly rebuild covers this many days: certificates revoked and people erased, moved or
# deleted change past days' figures; the dashboard's periods are at most two years, the public
# page's one year.
REBUILD_DAYS = 400


@shared_task(name="insights.figures_rebuild_recent")
def figures_rebuild_recent() -> int:
    """Recount the last ``REBUILD_DAYS`` days in the daily summary (beat, nightly)."""
    today = local_today()
    return figures_rebuild(start=today - datetime.timedelta(days=REBUILD_DAYS), end=today)


task_renamed("insights.tasks.figures_rebuild_recent", figures_rebuild_recent)


@shared_task(name="insights.figures_refresh")
def figures_refresh() -> int:
    """Recount yesterday and today in the daily summary (beat, every ten minutes).

    On a fresh installation (an empty summary) it recounts the last ``REBUILD_DAYS`` days instead.
    """
    if not UnitDayFigure.objects.exists():
        return figures_rebuild_recent()
    return figures_rebuild()


task_renamed("insights.tasks.figures_refresh", figures_refresh)


@shared_task(name="insights.transparency_refresh")
def transparency_refresh() -> None:
    """Compute the public transparency page's figures ahead of visitors (beat, every 15 minutes)."""
    transparency_figures(refresh=True)


task_renamed("insights.tasks.transparency_refresh", transparency_refresh)
