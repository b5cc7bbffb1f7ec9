"""The insights' beat tasks run in a real Celery worker on the configured broker."""

import pytest
from django.conf import settings

from insights.models import UnitDayFigure
from insights.tasks import figures_rebuild_recent, figures_refresh, transparency_refresh
from tests.insights.world import build

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_daily_summary_is_rebuilt_by_the_worker(celery_worker, home_page):
    build(home_page)
    rows = sorted(UnitDayFigure.objects.values_list("day", "unit_id", "lessons", "certificates", "signups"), key=str)
    assert rows
    UnitDayFigure.objects.all().delete()
    assert figures_rebuild_recent.delay().get(timeout=120) == len(rows)
    after = sorted(UnitDayFigure.objects.values_list("day", "unit_id", "lessons", "certificates", "signups"), key=str)
    assert after == rows
    figures_refresh.delay().get(timeout=60)  # yesterday and today again: nothing older changes
    assert (
        sorted(UnitDayFigure.objects.values_list("day", "unit_id", "lessons", "certificates", "signups"), key=str)
        == after
    )
    transparency_refresh.delay().get(timeout=60)


RENAMED = {
    "insights.tasks.figures_refresh": "insights.figures_refresh",
    "insights.tasks.figures_rebuild_recent": "insights.figures_rebuild_recent",
    "insights.tasks.transparency_refresh": "insights.transparency_refresh",
}


def test_beat_runs_the_insights_tasks():
    from lms.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for old, task in RENAMED.items():
        assert task in scheduled and old not in scheduled
        assert task in app.tasks
        assert old in app.tasks  # still routable until the queues drain


def test_a_message_under_an_old_task_name_is_run_by_the_renamed_task(celery_worker, home_page):
    """A message sent before the upgrade (implicit name ``insights.tasks.<function>``) is not lost."""
    from lms.celery import app

    build(home_page)
    UnitDayFigure.objects.all().delete()
    handed_on = app.send_task("insights.tasks.figures_rebuild_recent").get(timeout=60)
    assert app.AsyncResult(handed_on).get(timeout=120) == UnitDayFigure.objects.count() > 0
