"""Consent under concurrent requests: real parallel transactions on PostgreSQL (two tabs, a double
click, an unsubscribe link opened twice at once)."""

import itertools

import pytest
from django.db import connection

from accounts.consent.services import consent_give, consent_withdraw
from accounts.models import Consent, ConsentRecord
from tests.accounts.factories import UserFactory
from tests.courses.learning.test_concurrency import run_in_threads

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs parallel writers (PostgreSQL)"),
]

CAMPAIGNS = Consent.Purpose.CAMPAIGNS


def test_a_double_give_makes_one_current_answer_and_one_record():
    person = UserFactory(with_phone=True)
    errors = run_in_threads(
        8, lambda: consent_give(user=person, purpose=CAMPAIGNS, channels=["email", "sms"], source="signup")
    )
    assert errors == []
    assert sorted(Consent.objects.filter(user=person).values_list("channel", "granted")) == [
        ("email", True),
        ("sms", True),
    ]
    assert ConsentRecord.objects.filter(user=person).count() == 2


def test_give_and_withdraw_at_once_leave_one_answer_that_the_record_ends_with():
    person = UserFactory()
    turns = itertools.cycle([consent_give, consent_withdraw])
    calls = [next(turns) for _ in range(8)]

    def one():
        change = calls.pop()
        change(user=person, purpose=CAMPAIGNS, channels=["email"], source="settings")

    errors = run_in_threads(8, one)
    assert errors == []
    current = Consent.objects.get(user=person, purpose=CAMPAIGNS, channel="email")
    last = ConsentRecord.objects.filter(user=person).order_by("-at", "-pk").first()
    assert last.granted == current.granted
    # Records alternate: nothing is recorded twice in a row.
    records = list(ConsentRecord.objects.filter(user=person).order_by("at", "pk").values_list("granted", flat=True))
    assert all(a != b for a, b in itertools.pairwise(records))
