import datetime

from celery import shared_task

# The nightly rebuild covers this many days: certificates revoked and people erased, moved or
# deleted change past days' figures; the dashboard's periods are at most two years, the public
# page's one year.
REBUILD_DAYS = 400


@shared_task
def figures_refresh():
    """Recount yesterday and today in the daily summary (beat, every ten minutes).

    On a fresh installation (an empty summary) it recounts the last ``REBUILD_DAYS`` days instead.
    """
    from .models import UnitDayFigure
    from .services import figures_rebuild

    if not UnitDayFigure.objects.exists():
        return figures_rebuild_recent()
    return figures_rebuild()


@shared_task
def figures_rebuild_recent():
    """Recount the last ``REBUILD_DAYS`` days in the daily summary (beat, nightly)."""
    from core.localtime import local_today

    from .services import figures_rebuild

    today = local_today()
    return figures_rebuild(start=today - datetime.timedelta(days=REBUILD_DAYS), end=today)


@shared_task
def transparency_refresh():
    """Compute the public transparency page's figures ahead of visitors (beat, every 15 minutes)."""
    from .selectors import transparency_figures

    transparency_figures(refresh=True)
