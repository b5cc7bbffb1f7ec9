"""The demo's badges (seed_demo, twice: nothing added the second time) and the migration's backfill."""

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command

from courses.certificates.badges.services import badge_credential_jwt
from courses.models import BadgeStatusEntry, Certificate, LessonCompletion, QuizAttempt
from tests.accounts.factories import UserFactory

from .test_badges import certificate, course, credential_fetch, issue, jws_verify, learner, status_bit  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_every_demo_certificate_has_its_badge_and_seeding_twice_adds_none(client):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    certificates = list(Certificate.objects.order_by("pk"))
    assert len(certificates) >= 2
    assert all(BadgeStatusEntry.objects.filter(certificate=c).exists() for c in certificates)
    entries = BadgeStatusEntry.objects.count()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Certificate.objects.count() == len(certificates)
    assert BadgeStatusEntry.objects.count() == entries
    revoked = {c.revoked_at is not None for c in certificates}
    assert revoked == {True, False}  # a valid and a revoked badge to show
    for demo in certificates:
        # The revoked one's badge is no longer downloaded (its copies read revoked): sign it as it was.
        token = badge_credential_jwt(certificate=demo) if demo.revoked_at else credential_fetch(client, demo)
        _header, claims = jws_verify(client, token)
        assert status_bit(client, claims["credentialStatus"]) == (demo.revoked_at is not None)


def test_the_migration_gives_existing_certificates_an_index_in_issue_order(course, learner):  # noqa: F811
    first = issue(learner, course)
    second = issue(UserFactory(full_name="Trần Văn Bình"), course)
    BadgeStatusEntry.objects.all().delete()  # as before badges existed
    migration = importlib.import_module("courses.migrations.0016_badge_status_entry")
    migration.entries_for_existing_certificates(apps, None)
    assert BadgeStatusEntry.objects.get(certificate=first).pk < BadgeStatusEntry.objects.get(certificate=second).pk
    assert BadgeStatusEntry.objects.count() == 2


def test_the_demo_holders_progress_matches_their_certificates(client):
    # "0/4 lessons done" beside "you completed this course" was the demo's certificate without progress.
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    certificates = list(Certificate.objects.select_related("user", "course"))
    assert certificates
    for demo in certificates:
        demo_course = demo.course.specific
        lessons = list(demo_course.lessons())
        assert lessons  # the package demos' lessons too: the badges demo is seeded after them
        done = LessonCompletion.objects.filter(user=demo.user, course=demo_course)
        assert sorted(done.values_list("lesson_id", flat=True)) == sorted(lesson.pk for lesson in lessons)
        finals = QuizAttempt.objects.filter(user=demo.user, course=demo_course, lesson__isnull=True, passed=True)
        assert finals.count() == (1 if demo_course.has_final_quiz else 0)
        for lesson in lessons:
            if lesson.has_quiz:
                assert QuizAttempt.objects.filter(user=demo.user, lesson=lesson, passed=True).count() == 1
    holder = next(c for c in certificates if c.revoked_at is None)
    client.force_login(holder.user)
    page = client.get(holder.course.url).content.decode()
    total = len(holder.course.specific.lessons())
    assert f"{total}/{total}" in page and f"0/{total}" not in page
