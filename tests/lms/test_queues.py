"""Task routing: bulk sending, scheduled work and everything else on separate queues, named after
the default queue in force (so that a test run's own default queue brings its own)."""

import pytest
from django.conf import settings

from lms.celery import QUEUE_KINDS, app, queue_name, queue_names


def routed(name):
    return app.amqp.router.route({}, name)["queue"].name


@pytest.fixture
def default_queue():
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = "celery"
    yield "celery"
    app.conf.task_default_queue = previous


def test_bulk_sending_scheduled_work_and_the_rest_have_separate_queues(default_queue):
    assert routed("outreach.tasks.deliveries_send") == "celery.bulk"
    assert routed("outreach.tasks.campaign_message_plan") == "celery.bulk"
    assert routed("outreach.tasks.scheduled_pages_publish") == "celery.scheduled"
    assert routed("outreach.tasks.campaign_messages_due") == "celery.scheduled"
    # Roster checks, assignment work and a resend: the default queue.
    assert routed("accounts.roster.import_check") == "celery"
    assert routed("courses.training.assign_people") == "celery"
    assert routed("outreach.tasks.delivery_resend") == "celery"
    # A queue the caller names wins.
    assert app.amqp.router.route({"queue": "elsewhere"}, "outreach.tasks.deliveries_send")["queue"].name == "elsewhere"


def test_queue_names_follow_the_default_queue(default_queue):
    assert queue_names() == ["celery", "celery.bulk", "celery.scheduled"]
    app.conf.task_default_queue = "test-abc"
    assert routed("outreach.tasks.deliveries_send") == "test-abc.bulk"
    assert queue_name("scheduled") == "test-abc.scheduled"


def test_every_routed_name_is_a_registered_task_and_every_beat_entry_is_routed_on_purpose():
    app.loader.import_default_modules()
    assert set(settings.TASK_QUEUE_KINDS) <= set(app.tasks)
    assert set(settings.TASK_QUEUE_KINDS.values()) <= set(QUEUE_KINDS)
    # Beat's short ticks are on the scheduled queue; the long nightly recomputations are not.
    scheduled = {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values() if isinstance(entry["schedule"], float)
    }
    on_default = {"insights.figures_refresh", "insights.transparency_refresh"}
    for name in scheduled - on_default:
        assert settings.TASK_QUEUE_KINDS.get(name) == "scheduled", name
