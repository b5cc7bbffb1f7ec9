"""Renamed Celery tasks stay routable: a message still in the broker under an old name is run, not lost.

``core.tasks.task_renamed(old, task)`` registers ``old`` as an alias that sends the same arguments
again under the new name. The worker test sends a message under an old name, as a worker of the
previous release would have found it in the queue after an upgrade.
"""

import pytest
from celery.result import AsyncResult
from django.conf import settings
from django_celery_results.models import TaskResult

from core.tasks import RENAMED_TASKS
from lms.celery import app as celery_app

OLD_FLUSH = "outreach.tasks.campaign_page_views_flush"
NEW_FLUSH = "core.page_views_flush"


@pytest.fixture(scope="module")
def registered():
    """Every task name the worker knows: autodiscovery imports each app's ``tasks`` module."""
    celery_app.loader.import_default_modules()
    return set(celery_app.tasks)


def test_every_renamed_task_maps_to_a_registered_task(registered):
    assert RENAMED_TASKS.get(OLD_FLUSH) == NEW_FLUSH
    unknown = {old: new for old, new in RENAMED_TASKS.items() if new not in registered or old not in registered}
    assert not unknown, f"old name -> new name, one of them not registered: {unknown}"
    # An alias never points at another alias: the message takes one hop.
    assert not set(RENAMED_TASKS.values()) & set(RENAMED_TASKS)


def test_beat_and_routes_name_current_tasks(registered):
    """The schedule and the routes use the new names (the old ones are kept for messages already queued)."""
    beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    routes = set(settings.TASK_QUEUE_KINDS)  # lms.celery.task_route routes by these names
    assert not (beat | routes) - registered, "beat/routes name tasks nobody registers"
    assert not (beat | routes) & set(RENAMED_TASKS), "beat/routes still use an old task name"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_message_under_an_old_name_is_run_by_the_renamed_task(celery_worker):
    """The worker runs the alias, which re-sends the message under the new name; the new task runs.

    The test settings keep page-view counters in a per-process LocMemCache, so the worker's flush
    cannot see counts made in this process; the result backend (django-db) shows both hops instead:
    which task ran, on which worker, and what it returned.
    """
    sent = celery_app.send_task(OLD_FLUSH)
    new_id = sent.get(timeout=60)  # the alias returns the id of the message it sent under the new name
    assert new_id and new_id != sent.id
    moved = AsyncResult(new_id, app=celery_app).get(timeout=60)
    assert isinstance(moved, int)

    alias_run = TaskResult.objects.get(task_id=sent.id)
    new_run = TaskResult.objects.get(task_id=new_id)
    assert (alias_run.task_name, alias_run.status) == (OLD_FLUSH, "SUCCESS")
    assert (new_run.task_name, new_run.status) == (NEW_FLUSH, "SUCCESS")
    assert alias_run.worker == new_run.worker == celery_worker["hostname"]
