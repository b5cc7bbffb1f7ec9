"""A real worker, a real broker (filesystem by default, Redis when configured), the test database."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_results.models import TaskResult

from home.models import StandardPage
from outreach.tasks import scheduled_pages_publish
from tests.support.pages import page_add

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_broker_is_the_configured_one():
    expected = "redis://" if "redis" in (settings.CELERY_BROKER_URL or "") else "filesystem://"
    assert settings.CELERY_BROKER_URL.startswith(expected)


def test_worker_publishes_a_scheduled_page_through_the_broker(celery_worker, home_page):
    page = StandardPage(title="Lịch tiếp công dân", slug="lich-tiep-cong-dan", live=False)
    home_page.add_child(instance=page)
    revision = page.save_revision()
    revision.approved_go_live_at = timezone.now() - timedelta(minutes=1)
    revision.save(update_fields=["approved_go_live_at"])
    assert not StandardPage.objects.get(pk=page.pk).live

    result = scheduled_pages_publish.delay()
    result.get(timeout=60)

    assert StandardPage.objects.get(pk=page.pk).live
    # The result came back through the django-db backend, from the worker we started.
    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "SUCCESS"
    assert stored.worker == celery_worker["hostname"]


def test_running_the_task_twice_is_harmless(celery_worker, home_page):
    page_add(home_page, StandardPage(title="Giới thiệu", slug="gioi-thieu"))
    first = scheduled_pages_publish.delay()
    second = scheduled_pages_publish.delay()
    first.get(timeout=60)
    second.get(timeout=60)
    assert StandardPage.objects.filter(slug="gioi-thieu", live=True).count() == 1
