"""Outreach's readiness check: the age of the oldest due message not yet sent (no personal data)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from outreach.delivery.models import Delivery
from outreach.health import oldest_due_delivery_check
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def planned(person, number, **fields):
    return Delivery.objects.create(
        recipient=person, kind="campaign", channel="email", idempotency_key=f"health:{number}", **fields
    )


def test_nothing_due_is_ready():
    person = UserFactory()
    now = timezone.now()
    planned(person, 1, status=Delivery.Status.SENT, planned_at=now - timedelta(days=2), sent_at=now)
    # Held for quiet hours until tomorrow: not due, however long ago it was planned.
    planned(person, 2, planned_at=now - timedelta(hours=5), not_before=now + timedelta(hours=8))
    check = oldest_due_delivery_check()
    assert check.ok
    assert check.value == 0


def test_an_old_due_unsent_message_is_not_ready(client, settings):
    settings.READINESS_DELIVERY_MAX_AGE = 3600
    person = UserFactory()
    now = timezone.now()
    planned(person, 1, planned_at=now - timedelta(minutes=10))
    assert oldest_due_delivery_check().ok
    # Its quiet hours ended two hours ago: it has been due, unsent, for two hours.
    planned(person, 2, planned_at=now - timedelta(hours=9), not_before=now - timedelta(hours=2))
    check = oldest_due_delivery_check()
    assert not check.ok
    assert check.value == pytest.approx(7200, abs=30)

    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["oldest_due_delivery"] == {"ok": False, "age_seconds": pytest.approx(7200, abs=30)}
    # A figure only: nobody's address or name.
    assert person.email not in response.content.decode()
