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


def test_beat_runs_the_insights_tasks():
    from lms.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in (
        "insights.tasks.figures_refresh",
        "insights.tasks.figures_rebuild_recent",
        "insights.tasks.transparency_refresh",
    ):
        assert task in scheduled
        assert task in app.tasks
