"""The profile page: name and language saved at once; a new e-mail address only after its link is opened."""

import re

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone, translation

from accounts.audit.models import AuthEvent
from accounts.models import EmailChange, User
from accounts.personal_data import personal_data_export
from accounts.profile import services
from accounts.profile.views import phone_change_url
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "/en/account/profile/"


def post(client, user, **changes):
    data = {"full_name": user.full_name, "preferred_language": user.preferred_language, "email": user.email or ""}
    data.update(changes)
    return client.post(PROFILE, data)


def link_in(message):
    return re.search(r"https?://\S+/account/profile/email/\S+/", message.body).group(0)


@pytest.fixture
def person(db):
    return UserFactory(full_name="Nguyen Thi Hang", email="hang@example.vn", phone="0912345678")


@pytest.fixture
def signed_in(client, person):
    client.force_login(person)
    return client


class TestPage:
    def test_visitor_is_sent_to_sign_in(self, client):
        response = client.get(PROFILE)
        assert response.status_code == 302 and "/account/sign-in/" in response["Location"]

    def test_page_shows_the_account_and_the_header_links_to_it(self, signed_in, person):
        response = signed_in.get(PROFILE)
        assert response.status_code == 200
        text = response.content.decode()
        assert 'value="Nguyen Thi Hang"' in text and 'value="hang@example.vn"' in text and "0912345678" in text
        assert f'href="{PROFILE}"' in text  # the account menu
        with translation.override("vi"):
            assert reverse("accounts:account_profile") == "/account/profile/"

    def test_phone_change_is_linked_only_when_that_page_exists(self, signed_in):
        url = phone_change_url()
        text = signed_in.get(PROFILE).content.decode()
        if url:
            assert f'href="{url}"' in text
        else:
            assert "phone/" not in text

    def test_my_data_and_notification_pages_link_to_it(self, signed_in):
        for page in ("/en/account/my-data/", "/en/account/notifications/"):
            assert f'href="{PROFILE}"' in signed_in.get(page).content.decode()

    def test_without_csrf_token_nothing_is_saved(self, person):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(person)
        response = post(client, person, full_name="Trần Văn Bình")
        assert response.status_code == 403
        person.refresh_from_db()
        assert person.full_name == "Nguyen Thi Hang"


class TestName:
    def test_name_is_trimmed_saved_and_logged_without_the_name(self, signed_in, person):
        response = post(signed_in, person, full_name="  Nguyễn   Thị  Hằng ", preferred_language="en")
        assert response.status_code == 302
        person.refresh_from_db()
        assert person.full_name == "Nguyễn Thị Hằng" and person.preferred_language == "en"
        event = AuthEvent.objects.get(kind=AuthEvent.Kind.NAME_CHANGED)
        assert event.subject == person and event.actor == person
        assert "Hằng" not in str(event.detail)
        assert mail.outbox == []

    @pytest.mark.parametrize("name", ["", "   ", "1", "x" * 121, "Lan\x00", "12345"])
    def test_bad_names_are_refused_with_a_message_and_nothing_written(self, signed_in, person, name):
        response = post(signed_in, person, full_name=name)
        assert response.status_code == 400
        assert "error-summary" in response.content.decode()
        person.refresh_from_db()
        assert person.full_name == "Nguyen Thi Hang"
        assert not AuthEvent.objects.filter(kind=AuthEvent.Kind.NAME_CHANGED).exists()

    def test_errors_are_translated(self, client, person):
        client.force_login(person)
        data = {"full_name": "", "preferred_language": "vi", "email": person.email}
        text = client.post("/account/profile/", data).content.decode()
        assert "Nhập họ và tên" in text or "họ và tên" in text.lower()


class TestEmailChange:
    def test_new_address_is_used_only_after_its_link_is_opened(self, signed_in, person):
        response = post(signed_in, person, email="Hang.Moi@Example.VN")
        assert response.status_code == 302
        person.refresh_from_db()
        assert person.email == "hang@example.vn"  # not yet
        assert [m.to for m in mail.outbox] == [["hang.moi@example.vn"]]
        link = link_in(mail.outbox[0])
        path = link.split("testserver", 1)[1]
        # Opening the link (GET) shows what it does; a mail scanner's visit changes nothing.
        assert signed_in.get(path).status_code == 200
        person.refresh_from_db()
        assert person.email == "hang@example.vn"
        response = signed_in.post(path)
        assert response.status_code == 302
        person.refresh_from_db()
        assert person.email == "hang.moi@example.vn"
        # The old address is told.
        assert mail.outbox[-1].to == ["hang@example.vn"]
        kinds = list(AuthEvent.objects.filter(subject=person).values_list("kind", flat=True))
        assert AuthEvent.Kind.EMAIL_CHANGE_REQUESTED in kinds and AuthEvent.Kind.EMAIL_CHANGED in kinds

    def test_reused_link_changes_nothing(self, signed_in, person):
        post(signed_in, person, email="moi@example.vn")
        path = link_in(mail.outbox[0]).split("testserver", 1)[1]
        signed_in.post(path)
        User.objects.filter(pk=person.pk).update(email="khac@example.vn")
        response = signed_in.post(path)
        assert response.status_code == 400
        assert "already used" in response.content.decode()
        person.refresh_from_db()
        assert person.email == "khac@example.vn"

    def test_expired_link_is_refused(self, signed_in, person, settings):
        post(signed_in, person, email="moi@example.vn")
        path = link_in(mail.outbox[0]).split("testserver", 1)[1]
        settings.EMAIL_CHANGE_MAX_AGE = -1
        response = signed_in.post(path)
        assert response.status_code == 400 and "expired" in response.content.decode()
        person.refresh_from_db()
        assert person.email == "hang@example.vn"
        assert EmailChange.objects.get().confirmed_at is None

    def test_tampered_link_is_refused(self, signed_in, person):
        post(signed_in, person, email="moi@example.vn")
        change = EmailChange.objects.get()
        forged = signing.dumps({"c": change.pk, "u": person.pk}, salt="another-salt")
        for token in (forged, link_in(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1][:-2] + "xx", "abc"):
            response = signed_in.post(reverse("accounts:email_change_confirm", args=[token]))
            assert response.status_code == 400
        person.refresh_from_db()
        assert person.email == "hang@example.vn"

    def test_a_newer_request_replaces_the_older_link(self, signed_in, person):
        post(signed_in, person, email="mot@example.vn")
        post(signed_in, person, email="hai@example.vn")
        first = link_in(mail.outbox[0]).split("testserver", 1)[1]
        assert signed_in.post(first).status_code == 400
        person.refresh_from_db()
        assert person.email == "hang@example.vn"

    def test_address_of_another_account_is_refused_neutrally(self, signed_in, person):
        UserFactory(email="da-co@example.vn")
        response = post(signed_in, person, email="DA-CO@example.vn", full_name="Tên Mới")
        assert response.status_code == 400
        assert "cannot be used" in response.content.decode()
        person.refresh_from_db()
        assert person.full_name == "Nguyen Thi Hang"  # nothing written on refusal
        assert mail.outbox == [] and not EmailChange.objects.exists()

    def test_address_taken_between_request_and_link_is_refused(self, signed_in, person):
        post(signed_in, person, email="moi@example.vn")
        UserFactory(email="moi@example.vn")
        path = link_in(mail.outbox[0]).split("testserver", 1)[1]
        response = signed_in.post(path)
        assert response.status_code == 400
        person.refresh_from_db()
        assert person.email == "hang@example.vn"
        assert EmailChange.objects.get().confirmed_at is None

    def test_nobody_confirms_a_change_for_another_account(self, client, person):
        client.force_login(person)
        post(client, person, email="moi@example.vn")
        path = link_in(mail.outbox[0]).split("testserver", 1)[1]
        other = UserFactory(email="ke-khac@example.vn")
        client.force_login(other)
        assert client.get(path).status_code == 400
        response = client.post(path)
        assert response.status_code == 400 and "another account" in response.content.decode()
        person.refresh_from_db()
        other.refresh_from_db()
        assert person.email == "hang@example.vn" and other.email == "ke-khac@example.vn"
        assert EmailChange.objects.get().confirmed_at is None

    def test_confirmation_mails_are_rate_limited(self, signed_in, person, settings):
        settings.EMAIL_CHANGE_RATE_LIMIT = 2
        for number in range(2):
            assert post(signed_in, person, email=f"moi{number}@example.vn").status_code == 302
        response = post(signed_in, person, email="moi9@example.vn", full_name="Tên Mới")
        assert response.status_code == 429
        assert len(mail.outbox) == 2
        person.refresh_from_db()
        assert person.full_name == "Nguyen Thi Hang"

    def test_unsent_mail_writes_nothing(self, signed_in, person, settings):
        settings.EMAIL_BACKEND = "tests.accounts.test_profile.BrokenBackend"
        response = post(signed_in, person, email="moi@example.vn", full_name="Tên Mới")
        assert response.status_code == 400
        person.refresh_from_db()
        assert person.full_name == "Nguyen Thi Hang" and not EmailChange.objects.exists()


class TestEmailRemoval:
    def test_removed_when_a_phone_is_kept_and_the_old_address_is_told(self, signed_in, person):
        assert post(signed_in, person, email="").status_code == 302
        person.refresh_from_db()
        assert person.email is None
        assert mail.outbox[0].to == ["hang@example.vn"]
        assert AuthEvent.objects.filter(kind=AuthEvent.Kind.EMAIL_REMOVED, subject=person).exists()

    def test_refused_without_a_phone(self, client):
        person = UserFactory(email="chi-email@example.vn")
        client.force_login(person)
        response = post(client, person, email="")
        assert response.status_code == 400
        person.refresh_from_db()
        assert person.email == "chi-email@example.vn"


def test_personal_data_export_and_erasure_cover_email_changes(person, rf):
    request = rf.post("/")
    request.user = person
    services.profile_save(
        user=person, full_name=person.full_name, preferred_language="vi", email="moi@example.vn", request=request
    )
    exported = personal_data_export(person)["email_changes"]
    assert [row["new_email"] for row in exported] == ["moi@example.vn"]
    from accounts.personal_data import personal_data_erase

    personal_data_erase(person)
    assert not EmailChange.objects.exists()


def test_pending_change_is_shown_until_it_expires(signed_in, person, settings):
    post(signed_in, person, email="moi@example.vn")
    assert "moi@example.vn" in signed_in.get(PROFILE).content.decode()
    EmailChange.objects.update(requested_at=timezone.now() - timezone.timedelta(days=3))
    assert "Waiting for confirmation" not in signed_in.get(PROFILE).content.decode()


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("the mail server is down")
