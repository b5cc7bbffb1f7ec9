"""One-time codes (accounts.codes): hashed, expiring, a few tries, single use, one live per purpose and
number, rate-limited per number and per client; and the flows built on them: sign-up by phone, password
by SMS code (the phone change on the profile page: tests/accounts/test_profile.py). Without a worker the
code is read from the planned outbox row (the text the person would get); the browser test
(tests/accounts/test_phone_browser.py) reads it from the SMS provider's file."""

import datetime

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.codes import flows
from accounts.codes.models import OneTimeCode
from accounts.codes.services import CodeRefused, code_issue, code_use
from accounts.landing import welcome_url
from accounts.models import User
from accounts.personal_data import personal_data_export
from outreach.account_messages import ACCOUNT_CODE
from outreach.delivery.kinds import REDACTED
from outreach.delivery.sending import deliveries_send
from outreach.models import Delivery, ReminderSetting
from tests.accounts.codes_support import code_in, planned_code
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PHONE = "0912345678"
NEW_PASSWORD = "mot-mat-khau-rat-dai-2026"
Purpose = OneTimeCode.Purpose


@pytest.fixture(autouse=True)
def _no_hooks(settings):
    settings.ACCOUNTS_SIGN_IN_HOOKS = []


def request_from(rf, address="203.0.113.7"):
    return rf.post("/", REMOTE_ADDR=address)


def issue(user, rf, *, address=PHONE, purpose=Purpose.PASSWORD_RESET, client="203.0.113.7", **kwargs):
    return code_issue(purpose=purpose, user=user, address=address, request=request_from(rf, client), **kwargs)


def use(code, rf, *, address=PHONE, purposes=(Purpose.PASSWORD_RESET,), client="203.0.113.7"):
    return code_use(purposes=purposes, address=address, code=code, request=request_from(rf, client), then=lambda r: r)


def signed_in(client):
    pk = client.session.get(SESSION_KEY)
    return User.objects.get(pk=pk) if pk else None


class TestCodes:
    def test_the_code_is_stored_hashed_and_its_text_is_blanked_once_sent(self, rf, settings, tmp_path):
        settings.SMS_BACKEND = "outreach.delivery.channels.FileSmsBackend"
        settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
        user = UserFactory(email=None, phone=PHONE)
        row = issue(user, rf)
        code = planned_code(PHONE)
        assert code not in row.code_hash and len(row.code_hash) == 64
        assert not OneTimeCode.objects.filter(code_hash__contains=code).exists()
        delivery = Delivery.objects.get(kind=ACCOUNT_CODE)
        assert (delivery.recipient_id, delivery.channel, delivery.address) == (user.pk, "sms", PHONE)
        deliveries_send(ids=[delivery.pk])
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.SENT
        assert delivery.body == REDACTED  # the delivery log keeps no code
        assert code_in((tmp_path / "sms.jsonl").read_text()) == code

    def test_a_right_code_works_once(self, rf):
        user = UserFactory(email=None, phone=PHONE)
        issue(user, rf)
        code = planned_code(PHONE)
        assert use(code, rf).user_id == user.pk
        with pytest.raises(CodeRefused):
            use(code, rf)
        assert OneTimeCode.objects.get().outcome == OneTimeCode.Outcome.USED

    def test_it_expires(self, rf):
        user = UserFactory(email=None, phone=PHONE)
        row = issue(user, rf)
        code = planned_code(PHONE)
        OneTimeCode.objects.filter(pk=row.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        with pytest.raises(CodeRefused) as refused:
            use(code, rf)
        assert refused.value.reason == "dead"

    def test_five_wrong_tries_kill_it(self, rf, settings):
        user = UserFactory(email=None, phone=PHONE)
        issue(user, rf)
        code = planned_code(PHONE)
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        for _attempt in range(settings.ACCOUNTS_CODE_MAX_TRIES):
            with pytest.raises(CodeRefused):
                use(wrong, rf)
        row = OneTimeCode.objects.get()
        assert (row.attempts, row.outcome) == (5, OneTimeCode.Outcome.TOO_MANY_TRIES)
        with pytest.raises(CodeRefused):
            use(code, rf)  # even the right one, now

    def test_one_live_code_per_purpose_and_number_the_new_one_supersedes(self, rf, settings):
        settings.ACCOUNTS_CODE_RESEND_SECONDS = 0
        user = UserFactory(email=None, phone=PHONE)
        issue(user, rf)
        first = planned_code(PHONE)
        issue(user, rf)
        second = planned_code(PHONE)
        assert OneTimeCode.objects.filter(spent_at__isnull=True).count() == 1
        assert OneTimeCode.objects.filter(outcome=OneTimeCode.Outcome.SUPERSEDED).count() == 1
        if first != second:
            with pytest.raises(CodeRefused):
                use(first, rf)
        assert use(second, rf).user_id == user.pk

    def test_a_new_code_waits_for_the_cool_down_and_nothing_is_written(self, rf):
        user = UserFactory(email=None, phone=PHONE)
        issue(user, rf)
        with pytest.raises(CodeRefused) as refused:
            issue(user, rf)
        assert refused.value.reason == "cooldown"
        assert "60" in refused.value.message  # the seconds to wait, in whatever language
        assert OneTimeCode.objects.count() == 1 and Delivery.objects.count() == 1

    def test_codes_are_limited_per_number(self, rf, settings):
        settings.ACCOUNTS_CODE_RESEND_SECONDS = 0
        settings.ACCOUNTS_CODE_RATE_LIMIT = 2
        user = UserFactory(email=None, phone=PHONE)
        issue(user, rf, client="203.0.113.1")
        issue(user, rf, client="203.0.113.2")
        with pytest.raises(CodeRefused) as refused:
            issue(user, rf, client="203.0.113.3")  # another client: the number's limit holds
        assert refused.value.reason == "rate_limited"
        assert OneTimeCode.objects.count() == 2

    def test_codes_are_limited_per_client_seen_behind_the_proxy(self, rf, settings):
        settings.ACCOUNTS_CODE_RATE_LIMIT = 1  # ten per client
        settings.TRUSTED_PROXIES = ["127.0.0.1"]
        people = [UserFactory(email=None, phone=f"09123450{n:02d}") for n in range(12)]

        def from_client(client_ip):
            return rf.post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=client_ip)

        for person in people[:10]:
            code_issue(
                purpose=Purpose.PASSWORD_RESET, user=person, address=person.phone, request=from_client("198.51.100.9")
            )
        with pytest.raises(CodeRefused):
            code_issue(
                purpose=Purpose.PASSWORD_RESET,
                user=people[10],
                address=people[10].phone,
                request=from_client("198.51.100.9"),
            )
        # Another client behind the same proxy is not held back.
        code_issue(
            purpose=Purpose.PASSWORD_RESET,
            user=people[11],
            address=people[11].phone,
            request=from_client("198.51.100.10"),
        )
        assert OneTimeCode.objects.count() == 11

    def test_wrong_codes_are_limited_per_client(self, rf, settings):
        settings.ACCOUNTS_CODE_MAX_TRIES = 1  # ten wrong codes per client
        for _attempt in range(10):
            with pytest.raises(CodeRefused):
                use("000000", rf, address=f"09123450{_attempt:02d}")
        user = UserFactory(email=None, phone=PHONE)
        issue(user, rf, client="198.51.100.1")
        with pytest.raises(CodeRefused) as refused:
            use(planned_code(PHONE), rf)  # the right code, from the client over its limit
        assert refused.value.reason == "check_limited"
        assert use(planned_code(PHONE), rf, client="198.51.100.1").user_id == user.pk

    def test_an_expired_code_is_not_sent_and_a_code_is_not_held_by_quiet_hours(self, rf, settings, tmp_path):
        settings.SMS_BACKEND = "outreach.delivery.channels.FileSmsBackend"
        settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
        config = ReminderSetting.load()
        now = timezone.localtime()
        # Quiet hours now (this hour to the next): reminders wait, codes do not.
        config.quiet_hours_start = now.replace(minute=0, second=0, microsecond=0).time()
        config.quiet_hours_end = (now + datetime.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0).time()
        config.save()
        pending = UserFactory(email=None, phone=PHONE, is_active=False)  # a sign-up waiting for its code
        fresh = issue(pending, rf, purpose=Purpose.SIGN_UP)
        other = UserFactory(email=None, phone="0912000111")
        old = issue(other, rf, address="0912000111")
        OneTimeCode.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        deliveries_send(ids=list(Delivery.objects.values_list("pk", flat=True)))
        sent = Delivery.objects.get(context__code_id=fresh.pk)
        expired = Delivery.objects.get(context__code_id=old.pk)
        assert sent.status == Delivery.Status.SENT
        assert (expired.status, expired.reason, expired.body) == (Delivery.Status.CANCELLED, "code_expired", REDACTED)


class TestSignUpByPhone:
    def sign_up(self, client, phone=PHONE, **extra):
        data = {
            "full_name": "Lò Văn Mến",
            "identifier": phone,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "consent": "on",
            **extra,
        }
        return client.post("/account/sign-up/", data)

    @pytest.mark.usefixtures("english_interface")
    def test_the_account_is_usable_only_after_the_right_code(self, client):
        response = self.sign_up(client, next="/learn/abc/")
        assert response.url == reverse("accounts:sign_up_confirm")
        user = User.objects.get(phone=PHONE)
        assert not user.is_active and signed_in(client) is None
        # It cannot sign in yet, even with its password.
        assert not Client().login(username=PHONE, password=NEW_PASSWORD)
        page = client.get("/account/sign-up/confirm/")
        assert "0912•••678" in page.content.decode()
        response = client.post(
            "/account/sign-up/confirm/", {"code": "000000" if planned_code(PHONE) != "000000" else "111111"}
        )
        assert response.status_code == 400 and "not right" in response.content.decode()
        response = client.post("/account/sign-up/confirm/", {"code": planned_code(PHONE)})
        assert response.status_code == 302 and response.url == english_welcome("/learn/abc/")
        user.refresh_from_db()
        assert user.is_active and signed_in(client) == user

    def test_without_next_it_lands_on_the_welcome_page_or_my_learning(self, client):
        self.sign_up(client)
        response = client.post("/account/sign-up/confirm/", {"code": planned_code(PHONE)})
        assert response.url == flows_after_url()

    @pytest.mark.usefixtures("english_interface")
    def test_resend_waits_for_the_cool_down_then_supersedes(self, client, settings):
        self.sign_up(client)
        first = planned_code(PHONE)
        response = client.post("/account/sign-up/confirm/", {"resend": "1"})
        assert response.status_code == 429 and "Wait" in response.content.decode()
        assert OneTimeCode.objects.count() == 1
        settings.ACCOUNTS_CODE_RESEND_SECONDS = 0
        response = client.post("/account/sign-up/confirm/", {"resend": "1"})
        assert response.status_code == 302
        assert OneTimeCode.objects.filter(spent_at__isnull=True).count() == 1
        second = planned_code(PHONE)
        if first != second:
            assert client.post("/account/sign-up/confirm/", {"code": first}).status_code == 400
        assert client.post("/account/sign-up/confirm/", {"code": second}).status_code == 302

    def test_a_sign_up_never_confirmed_does_not_keep_the_number(self, client):
        self.sign_up(client)
        other = Client()
        response = self.sign_up(other)  # the number's real owner
        assert response.status_code == 302
        assert User.objects.filter(phone=PHONE).count() == 1
        assert other.post("/account/sign-up/confirm/", {"code": planned_code(PHONE)}).status_code == 302
        # The first browser's session waits for an account that is no longer waiting.
        assert client.get("/account/sign-up/confirm/").status_code == 302

    def test_an_imported_person_is_guided_to_activation(self, client):
        imported = UserFactory(email=None, phone="0366777888", civil_servant=True)
        imported.set_unusable_password()
        imported.save()
        response = self.sign_up(client, phone="0366 777 888")
        html = response.content.decode()
        assert response.status_code == 200
        assert response.context["form"].errors.as_data()["identifier"][0].code == "needs_activation"
        assert reverse("accounts:activate_request") in html
        assert User.objects.count() == 1 and not OneTimeCode.objects.exists()

    def test_a_person_with_a_password_still_gets_already_exists(self, client):
        UserFactory(email=None, phone=PHONE)
        response = self.sign_up(client)
        assert response.context["form"].errors.as_data()["identifier"][0].code == "duplicate_phone"

    def test_a_refused_code_page_writes_nothing_but_the_try(self, client):
        self.sign_up(client)
        before = list(User.objects.values_list("pk", "is_active", "password"))
        client.post("/account/sign-up/confirm/", {"code": "abc"})
        assert list(User.objects.values_list("pk", "is_active", "password")) == before
        assert OneTimeCode.objects.get().attempts == 0  # not even a try: the form refused it

    def test_the_confirm_page_without_a_sign_up_goes_back_to_sign_up(self, client):
        assert client.get("/account/sign-up/confirm/").url == reverse("accounts:sign_up")


def english_welcome(next_url):
    with translation.override("en"):
        return welcome_url(next_url=next_url)


def flows_after_url():
    return welcome_url()


class TestPasswordBySms:
    @pytest.mark.usefixtures("english_interface")
    def test_same_answer_whether_the_number_has_an_account_or_not(self, client):
        UserFactory(email=None, phone=PHONE)
        known = client.post("/account/password-reset/phone/", {"phone": "0912 345 678"}, follow=True)
        unknown = Client().post("/account/password-reset/phone/", {"phone": "0912 000 999"}, follow=True)
        assert known.redirect_chain == unknown.redirect_chain == [("/account/password-reset/phone/code/", 302)]
        assert "If an account uses this number" in known.content.decode()
        assert "If an account uses this number" in unknown.content.decode()
        assert Delivery.objects.filter(address=PHONE).count() == 1
        assert not Delivery.objects.filter(address="0912000999").exists()
        assert not OneTimeCode.objects.filter(address="0912000999").exists()

    def test_the_code_sets_a_new_password_and_the_person_signs_in(self, client):
        user = UserFactory(email=None, phone=PHONE)
        client.post("/account/password-reset/phone/", {"phone": PHONE})
        data = {"identifier": PHONE, "code": planned_code(PHONE), "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        response = client.post("/account/password-reset/phone/code/", data)
        assert response.status_code == 302 and response.url == reverse("accounts:sign_in")
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
        assert Client().login(username=PHONE, password=NEW_PASSWORD)
        # The code worked once.
        assert client.post("/account/password-reset/phone/code/", data).status_code == 400

    @pytest.mark.usefixtures("english_interface")
    def test_a_wrong_code_changes_no_password(self, client):
        user = UserFactory(email=None, phone=PHONE)
        client.post("/account/password-reset/phone/", {"phone": PHONE})
        wrong = "000000" if planned_code(PHONE) != "000000" else "111111"
        data = {"identifier": PHONE, "code": wrong, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        response = client.post("/account/password-reset/phone/code/", data)
        assert response.status_code == 400 and "not right" in response.content.decode()
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

    def test_someone_elses_code_reaches_nothing(self, client):
        """A code sent to one number does not set the password of another account."""
        UserFactory(email=None, phone=PHONE)
        victim = UserFactory(email=None, phone="0912000111")
        client.post("/account/password-reset/phone/", {"phone": PHONE})
        data = {
            "identifier": "0912000111",
            "code": planned_code(PHONE),
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        }
        assert client.post("/account/password-reset/phone/code/", data).status_code == 400
        victim.refresh_from_db()
        assert victim.check_password(PASSWORD)

    @pytest.mark.usefixtures("english_interface")
    def test_an_imported_person_activates_by_sms_and_signs_in(self, client):
        imported = UserFactory(email=None, phone="0366777888", civil_servant=True)
        imported.set_unusable_password()
        imported.save()
        # Sign-in points to activation (as it does for any phone number).
        response = client.post("/account/sign-in/", {"username": "0366777888", "password": "anything"})
        assert "activate it with a code by SMS" in response.content.decode()
        client.post("/account/activate/by-sms/", {"phone": "0366777888"})
        assert OneTimeCode.objects.get().purpose == Purpose.ACTIVATION
        data = {
            "identifier": "0366777888",
            "code": planned_code("0366777888"),
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        }
        assert client.post("/account/activate/", data).status_code == 302
        assert Client().login(username="0366777888", password=NEW_PASSWORD)


def test_codes_are_in_the_personal_data_export_without_their_hash(rf):
    user = UserFactory(email=None, phone=PHONE)
    row = issue(user, rf)
    exported = personal_data_export(user)["one_time_codes"]
    assert exported == [
        {
            "purpose": "password_reset",
            "sent_to": PHONE,
            "created_at": exported[0]["created_at"],
            "expires_at": exported[0]["expires_at"],
            "outcome": "",
        }
    ]
    assert row.code_hash not in str(exported)


def test_flows_module_has_the_reset_request_refusing_landlines(rf):
    UserFactory(email=None, phone="02439123456")
    flows.phone_password_code_request(phone="02439123456", request=request_from(rf))
    assert not OneTimeCode.objects.exists()
