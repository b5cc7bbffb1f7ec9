"""The profile page: name and language saved at once; a new e-mail address only after its link is opened;
a new phone number only after the code sent to it is typed."""

import datetime
import re

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.audit.models import AuthEvent
from accounts.codes.models import OneTimeCode
from accounts.models import EmailChange, User
from accounts.personal_data import personal_data_export
from accounts.profile import services
from outreach.account_messages import ACCOUNT_NOTICE
from outreach.models import Delivery
from tests.accounts.codes_support import CODE, planned_code
from tests.accounts.factories import PASSWORD, UserFactory

# Written against the msgids, as when the profile was read at /en/ (tests/conftest.py, english_interface).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_interface")]

PROFILE = "/account/profile/"


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

    def test_the_phone_change_is_on_the_page(self, signed_in):
        text = signed_in.get(PROFILE).content.decode()
        assert 'id="phone-change-form"' in text and 'action="/account/profile/phone/"' in text
        assert "phone-confirm-form" not in text  # nothing waiting for a code

    def test_my_data_and_notification_pages_link_to_it(self, signed_in):
        for page in ("/account/my-data/", "/account/notifications/"):
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

    def test_errors_are_translated(self, client, person, settings, monkeypatch):
        monkeypatch.undo()  # the site's own language, not english_interface's
        settings.LANGUAGE_CODE, settings.LANGUAGES = "vi", [("vi", "Vietnamese")]
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


class TestPhone:
    """A new phone number replaces the old one only once the code sent to it is typed on the profile page."""

    NEW = "0987654321"
    PHONE_URL = "/account/profile/phone/"
    CONFIRM_URL = "/account/profile/phone/confirm/"

    def ask(self, client, phone="0987 654 321"):
        return client.post(self.PHONE_URL, {"phone": phone})

    def test_replaced_only_after_the_code_and_the_old_number_is_told(self, signed_in, person):
        response = self.ask(signed_in)
        assert response.status_code == 302 and response["Location"].endswith("/account/profile/#phone")
        person.refresh_from_db()
        assert person.phone == "0912345678"
        page = signed_in.get(PROFILE).content.decode()
        assert f'data-phone-pending="{self.NEW}"' in page and 'id="phone-confirm-form"' in page
        code = planned_code(self.NEW)

        wrong = "000000" if code != "000000" else "111111"
        response = signed_in.post(self.CONFIRM_URL, {"code": wrong})
        assert response.status_code == 400 and 'id="id_code_error"' in response.content.decode()
        person.refresh_from_db()
        assert person.phone == "0912345678"

        response = signed_in.post(self.CONFIRM_URL, {"code": code})
        assert response.status_code == 302
        person.refresh_from_db()
        assert person.phone == self.NEW
        notice = Delivery.objects.get(kind=ACCOUNT_NOTICE)
        assert notice.address == "0912345678" and notice.recipient == person and not CODE.search(notice.body)
        kinds = set(AuthEvent.objects.filter(subject=person).values_list("kind", flat=True))
        assert {AuthEvent.Kind.PHONE_CHANGE_REQUESTED, AuthEvent.Kind.PHONE_CHANGED} <= kinds
        # Used once: the same code again finds nothing waiting.
        assert signed_in.post(self.CONFIRM_URL, {"code": code}).status_code == 400
        assert User.objects.filter(phone="0912345678").count() == 0
        # Signs in with the new number, not the old one.
        assert Client().login(username=self.NEW, password=PASSWORD)
        assert not Client().login(username="0912345678", password=PASSWORD)

    def test_an_expired_code_changes_nothing(self, signed_in, person):
        self.ask(signed_in)
        code = planned_code(self.NEW)
        OneTimeCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        with translation.override("en"):
            response = signed_in.post(self.CONFIRM_URL, {"code": code})
        assert response.status_code == 400
        person.refresh_from_db()
        assert person.phone == "0912345678"
        assert "data-phone-pending" not in response.content.decode()

    def test_five_wrong_codes_kill_it(self, signed_in, person):
        self.ask(signed_in)
        code = planned_code(self.NEW)
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            assert signed_in.post(self.CONFIRM_URL, {"code": wrong}).status_code == 400
        assert signed_in.post(self.CONFIRM_URL, {"code": code}).status_code == 400
        person.refresh_from_db()
        assert person.phone == "0912345678"
        assert OneTimeCode.objects.get().outcome == OneTimeCode.Outcome.TOO_MANY_TRIES

    def test_only_the_last_number_asked_for_can_be_confirmed(self, signed_in, person):
        self.ask(signed_in)
        first = planned_code(self.NEW)
        assert self.ask(signed_in, "0977 111 222").status_code == 302
        assert signed_in.post(self.CONFIRM_URL, {"code": first}).status_code == 400
        person.refresh_from_db()
        assert person.phone == "0912345678"
        assert signed_in.post(self.CONFIRM_URL, {"code": planned_code("0977111222")}).status_code == 302
        person.refresh_from_db()
        assert person.phone == "0977111222"

    def test_a_number_of_another_account_is_refused_and_nothing_is_written(self, signed_in):
        UserFactory(email=None, phone=self.NEW)
        response = self.ask(signed_in)
        assert response.status_code == 400 and 'id="id_phone_error"' in response.content.decode()
        assert not OneTimeCode.objects.exists() and not Delivery.objects.exists()

    def test_a_number_taken_meanwhile_is_refused_at_the_confirmation_with_nothing_written(self, signed_in, person):
        self.ask(signed_in)
        code = planned_code(self.NEW)
        UserFactory(email=None, phone=self.NEW)
        response = signed_in.post(self.CONFIRM_URL, {"code": code})
        assert response.status_code == 400 and 'id="id_code_error"' in response.content.decode()
        person.refresh_from_db()
        assert person.phone == "0912345678"
        assert OneTimeCode.objects.get().spent_at is None  # nothing written, not even the spending
        assert not Delivery.objects.filter(kind=ACCOUNT_NOTICE).exists()

    def test_the_same_number_or_a_landline_or_nonsense_sends_nothing(self, signed_in):
        assert self.ask(signed_in, "0912 345 678").status_code == 302
        assert self.ask(signed_in, "024 3825 2525").status_code == 400  # a Hà Nội landline gets no SMS
        for junk in ("", "abc", "0" * 40, "<script>", "\x00", "١٢٣"):
            assert self.ask(signed_in, junk).status_code == 400
        assert not OneTimeCode.objects.exists() and not Delivery.objects.exists()

    def test_bad_codes_are_form_errors(self, signed_in, person):
        assert signed_in.post(self.CONFIRM_URL, {"code": "123456"}).status_code == 400  # nothing waiting
        self.ask(signed_in)
        for junk in ("", "12345", "abcdef", "1234567", "１２３４５６", "x" * 5000):
            assert signed_in.post(self.CONFIRM_URL, {"code": junk}).status_code == 400
        person.refresh_from_db()
        assert person.phone == "0912345678"
        assert signed_in.get(self.CONFIRM_URL).status_code == 405

    def test_cancel(self, signed_in, person):
        self.ask(signed_in)
        code = planned_code(self.NEW)
        assert signed_in.post(self.PHONE_URL, {"cancel": "1"}).status_code == 302
        assert signed_in.post(self.CONFIRM_URL, {"code": code}).status_code == 400
        person.refresh_from_db()
        assert person.phone == "0912345678"

    def test_limited_per_person(self, signed_in, settings):
        settings.ACCOUNTS_CODE_RATE_LIMIT = 2
        assert self.ask(signed_in, "0987 654 321").status_code == 302
        assert self.ask(signed_in, "0977 111 222").status_code == 302
        assert self.ask(signed_in, "0966 333 444").status_code == 429
        assert not OneTimeCode.objects.filter(address="0966333444").exists()

    def test_a_phone_only_person_adds_nothing_without_the_code(self, client):
        person = UserFactory(email="lan@example.vn", phone=None)
        client.force_login(person)
        self.ask(client)
        person.refresh_from_db()
        assert person.phone is None
        assert client.post(self.CONFIRM_URL, {"code": planned_code(self.NEW)}).status_code == 302
        person.refresh_from_db()
        assert person.phone == self.NEW
        assert not Delivery.objects.filter(kind=ACCOUNT_NOTICE).exists()  # no old number to tell

    def test_visitors_are_sent_to_sign_in(self, client):
        assert client.post(self.PHONE_URL, {"phone": self.NEW}).status_code == 302
        assert client.post(self.CONFIRM_URL, {"code": "123456"}).status_code == 302
        assert not OneTimeCode.objects.exists()
