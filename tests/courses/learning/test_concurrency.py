"""Once-facts under concurrent requests: real parallel transactions on PostgreSQL."""

import threading
import uuid

import pytest
from django.db import connection, connections
from django.utils.datastructures import MultiValueDict

from courses.learning import services
from courses.learning.quiz import quiz_questions
from courses.models import Enrolment, LessonCompletion, QuizAttempt
from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create, question

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs parallel writers (PostgreSQL)"),
]


def run_in_threads(count, target):
    barrier = threading.Barrier(count)
    errors = []

    def worker():
        try:
            barrier.wait()
            target()
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_two_tabs_completing_the_same_lesson_record_one_completion(home_page):
    course = course_create(home_page, lessons=[("Một", []), ("Hai", [])], issues_certificate=False)
    user = UserFactory()
    lesson = course.lessons().first()
    errors = run_in_threads(8, lambda: services.lesson_complete(user=user, lesson=lesson))
    assert errors == []
    assert LessonCompletion.objects.filter(user=user, lesson=lesson).count() == 1
    assert Enrolment.objects.filter(user=user, course=course).count() == 1


def test_course_completion_is_recorded_once_under_races(home_page):
    course = course_create(home_page, lessons=[("Một", [])], issues_certificate=False)
    user = UserFactory()
    lesson = course.lessons().first()
    errors = run_in_threads(8, lambda: services.lesson_complete(user=user, lesson=lesson))
    assert errors == []
    enrolment = Enrolment.objects.get(user=user, course=course)
    assert enrolment.completed_at is not None


def test_double_submitted_quiz_records_one_attempt_per_token(home_page):
    course = course_create(home_page, lessons=[("Kiểm tra", [question()])], issues_certificate=False)
    user = UserFactory()
    lesson = course.lessons().first()
    questions = quiz_questions(lesson.body)
    right = next(c for c in questions[0].choices if c.correct)
    token = uuid.uuid4()

    data = MultiValueDict({f"q-{questions[0].id}": [right.id]})
    errors = run_in_threads(
        6, lambda: services.quiz_submit(user=user, course=course, lesson=lesson, token=token, data=data)
    )
    assert errors == []
    assert QuizAttempt.objects.filter(user=user, submission_token=token).count() == 1
    assert LessonCompletion.objects.filter(user=user, lesson=lesson).count() == 1
