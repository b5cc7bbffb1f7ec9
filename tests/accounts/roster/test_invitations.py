"""Invitations for imported people (accounts.roster.invitations): after an import the training office
sees who has not activated, sends invitations (SMS to phone-only people, e-mail where there is an
address), and each invitation's code lets the person choose a password, once; re-sending supersedes.
tests/accounts/roster/test_phone_only.py walks the three walls of a phone-only imported person."""

import pytest
from celery import current_app
from django.test import Client
from django.urls import reverse

from accounts.codes.models import OneTimeCode
from accounts.models import RosterImport, User
from accounts.roster import invitations
from outreach.account_messages import ACCOUNT_INVITATION
from outreach.models import Delivery
from tests.accounts.codes_support import code_in
from tests.accounts.factories import UserFactory
from tests.accounts.roster.test_roster import csv_bytes, import_file, person

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "mot-mat-khau-rat-dai-2026"


@pytest.fixture
def sent_tasks(monkeypatch):
    """The invitation tasks the views queue, run here instead of on a worker (their arguments kept)."""
    calls = []

    def send_task(name, args=None, kwargs=None, **options):
        calls.append((name, args))
        if name == invitations.SEND_TASK:
            invitations.invitations_send(user_ids=args[0], by_id=args[1], reference=args[2])

    monkeypatch.setattr(current_app, "send_task", send_task)
    return calls


@pytest.fixture
def imported(units):
    import_file(csv_bytes([person(1, Email=""), person(2), person(3, Email="")]))
    return {n: User.objects.get(employee_code=f"CB{n:04d}") for n in (1, 2, 3)}


def activate(client, identifier, code):
    data = {"identifier": identifier, "code": code, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    return client.post("/account/activate/", data)


def invitation_text(user):
    return Delivery.objects.filter(recipient=user, kind=ACCOUNT_INVITATION).latest("pk").body


def test_import_then_invite_then_activate_then_sign_in(
    client, trainer, imported, sent_tasks, django_capture_on_commit_callbacks
):
    client.force_login(trainer)
    result = client.get(reverse("accounts_roster_detail", args=[RosterImport.objects.get().pk])).content.decode()
    assert 'data-not-activated="3"' in result and 'id="roster-invite"' in result
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts_roster_invite"), {"everyone": "1"})
    assert response.status_code == 302
    by_sms = Delivery.objects.get(recipient=imported[1], kind=ACCOUNT_INVITATION)
    by_email = Delivery.objects.get(recipient=imported[2], kind=ACCOUNT_INVITATION)
    assert (by_sms.channel, by_sms.address) == ("sms", imported[1].phone)
    assert (by_email.channel, by_email.address) == ("email", imported[2].email)
    assert "http://testserver/account/activate/" in by_sms.body
    # The phone-only person activates with the code and signs in.
    visitor = Client()
    assert activate(visitor, imported[1].phone, code_in(by_sms.body)).status_code == 302
    assert visitor.login(username=imported[1].phone, password=NEW_PASSWORD)
    # The e-mail person with the e-mail address and their code.
    assert activate(Client(), imported[2].email, code_in(by_email.body)).status_code == 302
    page = client.get(reverse("accounts_roster_activation")).content.decode()
    assert 'data-count="activated">2<' in page and 'data-count="not_activated">1<' in page
    assert f'data-person="{imported[3].pk}"' in page and f'data-person="{imported[1].pk}"' not in page
    activated = client.get(reverse("accounts_roster_activation") + "?status=activated").content.decode()
    assert f'data-person="{imported[1].pk}" data-activated="yes"' in activated


def test_re_sending_supersedes_the_old_invitation(
    client, trainer, imported, sent_tasks, django_capture_on_commit_callbacks
):
    client.force_login(trainer)
    user = imported[1]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts_roster_invite"), {"user": [str(user.pk)]})
    first = code_in(invitation_text(user))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts_roster_invite"), {"user": [str(user.pk)]})
    second = code_in(invitation_text(user))
    assert OneTimeCode.objects.filter(user=user, spent_at__isnull=True).count() == 1
    assert OneTimeCode.objects.filter(user=user, outcome=OneTimeCode.Outcome.SUPERSEDED).count() == 1
    if first != second:
        assert activate(Client(), user.phone, first).status_code == 400
    assert activate(Client(), user.phone, second).status_code == 302
    # Used: it does not work twice.
    assert activate(Client(), user.phone, second).status_code == 400


def test_sending_twice_with_the_same_run_invites_once(imported, trainer):
    ids = [user.pk for user in imported.values()]
    assert invitations.invitations_send(user_ids=ids, by_id=trainer.pk, reference="run-1") == 3
    assert invitations.invitations_send(user_ids=ids, by_id=trainer.pk, reference="run-1") == 0
    assert Delivery.objects.filter(kind=ACCOUNT_INVITATION).count() == 3


def test_ids_of_people_who_are_not_imported_and_not_activated_reach_nothing(
    client, trainer, imported, sent_tasks, django_capture_on_commit_callbacks
):
    citizen = UserFactory(email=None, phone="0912000999")
    citizen.set_unusable_password()
    citizen.save()
    admin = UserFactory(superuser=True)
    client.force_login(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts_roster_invite"), {"user": [str(citizen.pk), str(admin.pk), str(trainer.pk), "x"]})
    assert not OneTimeCode.objects.exists() and not Delivery.objects.exists()


@pytest.mark.parametrize("role", ["citizen", "civil_servant", "unit_manager", "officer"])
def test_only_the_training_office_sees_activation_and_invites(client, imported, role, sent_tasks):
    client.force_login(UserFactory(**({role: True} if role != "citizen" else {})))
    assert client.get(reverse("accounts_roster_activation")).status_code in {302, 403}
    response = client.post(reverse("accounts_roster_invite"), {"everyone": "1"})
    assert response.status_code in {302, 403}
    assert [name for name, _args in sent_tasks if name == invitations.SEND_TASK] == []
    assert not OneTimeCode.objects.exists()


def test_the_invite_form_needs_someone(client, trainer, imported):
    client.force_login(trainer)
    response = client.post(reverse("accounts_roster_invite"), {}, follow=True)
    assert "Tick the people to invite" in response.content.decode() or response.status_code == 200
    assert not OneTimeCode.objects.exists()
