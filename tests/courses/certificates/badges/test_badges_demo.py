"""The demo's badges (seed_demo, twice: nothing added the second time) and the migration's backfill."""

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from courses.models import BadgeStatusEntry, Certificate
from tests.accounts.factories import UserFactory

from .test_badges import certificate, course, issue, jws_verify, learner, status_bit  # noqa: F401 (fixtures)

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
        token = client.get(reverse("certificates:badge", args=[demo.code])).content.decode()
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
