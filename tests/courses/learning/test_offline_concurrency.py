"""The same queued submission sent at once from two tabs: real parallel transactions on PostgreSQL."""

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from courses.models import LessonCompletion, SubmissionKey
from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create
from tests.courses.learning.test_concurrency import run_in_threads

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs parallel writers (PostgreSQL)"),
]


def test_one_key_sent_at_once_from_four_tabs_is_recorded_once(home_page):
    course = course_create(home_page, lessons=[("Bài 1", []), ("Bài 2", [])])
    lesson = course.get_children().first()
    user = UserFactory()
    key = str(uuid.uuid4())
    statuses = []

    def replay():
        client = Client()
        client.force_login(user)
        response = client.post(reverse("courses:lesson_complete", args=[lesson.pk]), headers={"X-Idempotency-Key": key})
        statuses.append(response.status_code)

    assert run_in_threads(4, replay) == []
    assert statuses == [302] * 4
    assert SubmissionKey.objects.filter(user=user, key=key).count() == 1
    assert LessonCompletion.objects.filter(user=user, lesson=lesson).count() == 1
