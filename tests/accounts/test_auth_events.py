"""The auth event log: each kind written once by its real trigger, and read by superusers only."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.audit.models import AuthEvent
from accounts.audit.services import auth_event_record, auth_events_forget_old
from accounts.models import User
from accounts.personal_data import personal_data_erase, personal_data_export
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

Kind = AuthEvent.Kind
SIGN_IN = "/account/sign-in/"


def only(kind):
    """The one event of ``kind`` (fails when there are none or several)."""
    found = list(AuthEvent.objects.filter(kind=kind))
    assert len(found) == 1, f"{kind}: {len(found)} events"
    return found[0]


def test_sign_in_is_recorded_with_the_client(client, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    user = UserFactory()
    client.post(
        SIGN_IN,
        {"username": user.email, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 400,
    )
    event = only(Kind.SIGN_IN)
    assert (event.actor, event.subject) == (user, user)
    assert event.client_address == "203.0.113.9"
    assert len(event.user_agent) == 200


def test_admin_sign_in_is_recorded(client):
    user = UserFactory(officer=True)
    client.post("/admin/login/", {"username": user.email, "password": PASSWORD})
    assert only(Kind.SIGN_IN).subject == user


def test_failed_sign_in_is_recorded_without_the_typed_identifier(client):
    user = UserFactory()
    client.post(SIGN_IN, {"username": user.email, "password": "wrong"})
    client.post(SIGN_IN, {"username": "nobody@example.vn", "password": "wrong"})
    events = AuthEvent.objects.filter(kind=Kind.SIGN_IN_FAILED).order_by("pk")
    assert [(event.subject, event.detail["known_account"]) for event in events] == [(user, True), (None, False)]
    assert "nobody@example.vn" not in str([event.detail for event in events])
    assert not AuthEvent.objects.filter(kind=Kind.SIGN_IN).exists()


def test_lockout_is_recorded_once_when_the_limit_is_reached(client, settings):
    settings.LOGIN_RATE_LIMIT = 3
    user = UserFactory()
    for _ in range(5):
        client.post(SIGN_IN, {"username": user.email, "password": "wrong"})
    event = only(Kind.LOCKOUT)
    assert event.subject == user and event.detail == {"by": "identifier"}


def test_password_reset_requested_and_done_are_recorded(client):
    user = UserFactory()
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert only(Kind.PASSWORD_RESET_REQUESTED).subject == user
    link = re.search(r"https?://[^\s]+/password-reset/[^\s]+/", mail.outbox[0].body).group(0)
    response = client.get(link, follow=True)
    client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "Another-strong-pw-42", "new_password2": "Another-strong-pw-42"},
    )
    assert only(Kind.PASSWORD_RESET_DONE).subject == user


def test_admin_password_reset_is_rate_limited_and_recorded(client, settings):
    settings.PASSWORD_RESET_RATE_LIMIT = 1
    user = UserFactory(officer=True)
    for _ in range(3):
        assert client.post(reverse("wagtailadmin_password_reset"), {"email": user.email}).status_code == 302
    assert len(mail.outbox) == 1
    events = AuthEvent.objects.filter(kind=Kind.PASSWORD_RESET_REQUESTED).order_by("pk")
    assert [event.detail["sent"] for event in events] == [True, False, False]
    link = re.search(r"https?://\S+/admin/password_reset/confirm/\S+/", mail.outbox[0].body).group(0)
    response = client.get(link, follow=True)
    client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "Another-strong-pw-42", "new_password2": "Another-strong-pw-42"},
    )
    assert only(Kind.PASSWORD_RESET_DONE).subject == user


def test_role_change_in_the_admin_is_recorded_with_before_and_after(client):
    from django.contrib.auth.models import Group

    admin = UserFactory(superuser=True)
    person = UserFactory(officer=True)
    AuthEvent.objects.all().delete()  # the factory's group (logged as a change outside the admin form)
    client.force_login(admin)
    url = reverse("wagtailusers_users:edit", args=[person.pk])
    data = {
        "email": person.email,
        "full_name": person.full_name,
        "kind": person.kind,
        "preferred_language": "vi",
        "is_active": "on",
        "is_superuser": "on",
        "groups": [Group.objects.get(name=roles.TRAINING_ADMINISTRATOR).pk],
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    event = only(Kind.ROLE_CHANGED)
    assert (event.actor, event.subject) == (admin, person)
    assert event.detail["before"]["groups"] == [roles.COMMUNICATIONS_STAFF]
    assert event.detail["after"] == {
        "is_superuser": True,
        "is_staff": False,
        "is_active": True,
        "groups": [roles.TRAINING_ADMINISTRATOR],
    }
    # Saving again with nothing changed writes nothing.
    client.post(url, data)
    assert AuthEvent.objects.filter(kind=Kind.ROLE_CHANGED).count() == 1


def test_every_export_is_recorded(client):
    user = UserFactory(training_admin=True)
    client.force_login(user)
    response = client.get(reverse("courses_compliance_export", args=["csv"]))
    assert response.status_code == 200
    event = only(Kind.EXPORT)
    assert event.actor == user and event.detail["format"] == "csv"


def test_personal_data_download_is_recorded(client):
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("accounts:my_data_export"))
    assert only(Kind.EXPORT).subject == user


def test_erasure_is_recorded_and_detaches_the_person(client):
    person = UserFactory()
    auth_event_record(kind=Kind.SIGN_IN, actor=person, subject=person)
    admin = UserFactory(superuser=True)
    client.force_login(admin)
    assert client.post(reverse("wagtailusers_users:delete", args=[person.pk])).status_code == 302
    event = only(Kind.ERASURE)
    assert event.actor == admin and event.detail == {"user_id": person.pk, "by": "admin"}
    assert AuthEvent.objects.filter(kind=Kind.SIGN_IN, actor=None, subject=None).count() == 1


def test_self_erasure_is_recorded(client):
    person = UserFactory()
    client.force_login(person)
    client.post(reverse("accounts:account_delete"), {"password": PASSWORD, "confirm": "on"})
    assert not User.objects.filter(pk=person.pk).exists()
    assert only(Kind.ERASURE).detail == {"user_id": person.pk, "by": "self"}


def test_the_persons_events_are_in_their_export():
    person = UserFactory()
    auth_event_record(kind=Kind.SIGN_IN, actor=person, subject=person)
    assert [event["kind"] for event in personal_data_export(person)["auth_events"]] == ["sign_in"]
    personal_data_erase(person)


def test_old_events_are_forgotten(settings):
    settings.ACCOUNTS_AUTH_EVENT_RETENTION_DAYS = 30
    old = auth_event_record(kind=Kind.SIGN_IN)
    AuthEvent.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=31))
    recent = auth_event_record(kind=Kind.SIGN_IN)
    assert auth_events_forget_old() == 1
    assert list(AuthEvent.objects.all()) == [recent]
    assert auth_events_forget_old() == 0


class TestTheLogIsForSuperusersOnly:
    @pytest.fixture
    def event(self):
        person = UserFactory(full_name="Trần Thị Nhật Ký")
        return auth_event_record(kind=Kind.SIGN_IN_FAILED, subject=person, detail={"known_account": True})

    def test_superuser_reads_filters_and_inspects(self, client, event):
        client.force_login(UserFactory(superuser=True))
        response = client.get(reverse("auth_events:index"))
        assert response.status_code == 200
        body = response.content.decode()
        assert "Sự kiện xác thực" in body and "Trần Thị Nhật Ký" in body
        assert timezone.localtime(event.at).strftime("%d/%m/%Y") in body
        assert "Đăng nhập không thành công" in body
        assert "Trần Thị Nhật Ký" not in client.get(reverse("auth_events:index"), {"kind": "sign_in"}).content.decode()
        assert "Trần Thị Nhật Ký" in client.get(reverse("auth_events:index"), {"person": "nhật ký"}).content.decode()
        assert client.get(reverse("auth_events:inspect", args=[event.pk])).status_code == 200

    def test_no_add_edit_or_delete_view(self, client, event):
        from django.urls import NoReverseMatch

        for name in ("add", "edit", "delete"):
            with pytest.raises(NoReverseMatch):
                reverse(f"auth_events:{name}", args=[event.pk] if name != "add" else [])

    @pytest.mark.parametrize("role", ["officer", "lead", "training_admin", "unit_manager", "leader", "civil_servant"])
    def test_nobody_else_reads_it_even_by_id(self, client, event, role):
        client.force_login(UserFactory(**{role: True}))
        for url in (reverse("auth_events:index"), reverse("auth_events:inspect", args=[event.pk])):
            response = client.get(url)
            assert response.status_code in (302, 403), (role, url)
            assert "Trần Thị Nhật Ký" not in response.content.decode()


def test_admin_roles_given_outside_the_admin_form_are_recorded_but_not_citizens_groups(client):
    from django.contrib.auth.models import Group

    person = UserFactory()  # the citizen group is not an admin role: nothing logged
    client.post(
        reverse("accounts:sign_up"),
        {
            "full_name": "Lê Văn Mới",
            "identifier": "moi@example.vn",
            "password1": "mat-khau-dai-2026!",
            "password2": "mat-khau-dai-2026!",
            "consent": "on",
        },
    )
    assert User.objects.filter(email="moi@example.vn").exists()
    assert not AuthEvent.objects.filter(kind=Kind.ROLE_CHANGED).exists()
    person.groups.add(Group.objects.get(name=roles.TRAINING_ADMINISTRATOR))
    event = only(Kind.ROLE_CHANGED)
    assert event.subject == person and event.detail["added"] == [roles.TRAINING_ADMINISTRATOR]
    person.groups.remove(Group.objects.get(name=roles.TRAINING_ADMINISTRATOR))
    assert AuthEvent.objects.filter(kind=Kind.ROLE_CHANGED, detail__removed=[roles.TRAINING_ADMINISTRATOR]).count() == 1
