"""Learner accounts on the public site: sign-up, sign-in, sign-out, password reset, sign-in hooks."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts import roles
from accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory

NEW_PASSWORD = "mot-mat-khau-rat-dai-2025"
hook_calls = []


def record_hook(request, user):
    """A sign-in hook for the tests: remembers who was signed in, and that the session knew them."""
    hook_calls.append((user.pk, request.user.pk, str(request.session.get(SESSION_KEY))))


@pytest.fixture(autouse=True)
def _hooks(settings):
    settings.ACCOUNTS_SIGN_IN_HOOKS = ["tests.accounts.test_sign_up.record_hook"]
    hook_calls.clear()
    yield
    hook_calls.clear()


def sign_up_data(identifier="lan@example.vn", **overrides):
    data = {
        "full_name": "  Hoàng   Thị Lan ",
        "identifier": identifier,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def signed_in_user(client):
    pk = client.session.get(SESSION_KEY)
    return User.objects.get(pk=pk) if pk else None


SIGN_UP = "/account/sign-up/"
SIGN_IN = "/account/sign-in/"
SIGN_OUT = "/account/sign-out/"
RESET = "/account/password-reset/"


def test_urls_are_named_and_translated():
    assert reverse("accounts:sign_up") == SIGN_UP
    assert reverse("accounts:sign_in") == SIGN_IN
    assert reverse("accounts:sign_out") == SIGN_OUT
    assert reverse("accounts:password_reset") == RESET
    assert reverse("accounts:password_reset_done") == "/account/password-reset/sent/"
    assert reverse("accounts:password_reset_complete") == "/account/password-reset/complete/"
    assert reverse("accounts:password_reset_confirm", args=["MQ", "tok-en"]) == "/account/password-reset/MQ/tok-en/"


@pytest.mark.django_db
class TestSignUp:
    @pytest.mark.usefixtures("english_interface")
    def test_page_in_english_has_labels_consent_and_privacy_link(self, client):
        response = client.get("/account/sign-up/")
        assert response.status_code == 200
        html = response.content.decode()
        for text in ("Create an account", "Full name", "Email or phone number", "Password", "privacy notice"):
            assert text in html
        assert 'href="/chinh-sach-bao-ve-du-lieu-ca-nhan/"' in html
        assert 'autocomplete="new-password"' in html
        assert 'autocomplete="name"' in html
        assert 'type="checkbox" name="consent"' in html

    def test_vietnamese_page_links_the_vietnamese_privacy_notice(self, client):
        response = client.get(SIGN_UP)
        assert response.status_code == 200
        assert 'href="/chinh-sach-bao-ve-du-lieu-ca-nhan/"' in response.content.decode()

    def test_sign_up_with_email(self, client):
        response = client.post(SIGN_UP, sign_up_data("  Lan.Hoang@Example.VN "))
        assert response.status_code == 302
        assert response.url == reverse("accounts:account_welcome")
        user = User.objects.get()
        assert user.email == "lan.hoang@example.vn"
        assert user.phone is None
        assert user.full_name == "Hoàng Thị Lan"
        assert user.kind == User.Kind.CITIZEN
        assert user.privacy_consent_at is not None
        assert user.preferred_language == "vi"
        assert list(user.groups.values_list("name", flat=True)) == [roles.CITIZEN]
        assert user.check_password(NEW_PASSWORD)
        assert signed_in_user(client) == user

    @pytest.mark.parametrize("raw", ["0912345678", "0912 345 678", "091.234.5678", "+84 912 345 678", "84912345678"])
    def test_sign_up_with_phone_in_any_format(self, client, raw):
        response = client.post(SIGN_UP, sign_up_data(raw))
        assert response.status_code == 302
        user = User.objects.get()
        assert user.phone == "0912345678"
        assert user.email is None
        assert user.has_privacy_consent
        assert user.groups.filter(name=roles.CITIZEN).exists()
        # By phone, the account waits for the code sent by SMS (tests/accounts/test_codes.py).
        assert response.url == reverse("accounts:sign_up_confirm")
        assert not user.is_active
        assert signed_in_user(client) is None

    @pytest.mark.usefixtures("english_interface")
    def test_english_sign_up_prefers_english(self, client):
        client.post("/account/sign-up/", sign_up_data("0912345678"))
        assert User.objects.get().preferred_language == "en"

    @pytest.mark.usefixtures("english_interface")
    def test_consent_is_required(self, client):
        response = client.post("/account/sign-up/", sign_up_data(consent=None))
        assert response.status_code == 200
        assert list(response.context["form"].errors) == ["consent"]
        assert "you must accept the privacy notice" in response.content.decode()
        assert 'role="alert"' in response.content.decode()
        assert not User.objects.exists()
        assert signed_in_user(client) is None

    @pytest.mark.parametrize("raw", ["12345", "not a number", "lan@", "@example.vn"])
    def test_identifier_must_be_an_email_or_a_phone_number(self, client, raw):
        response = client.post(SIGN_UP, sign_up_data(raw))
        assert response.status_code == 200
        assert response.context["form"].errors.as_data()["identifier"][0].code == "invalid_identifier"
        assert not User.objects.exists()

    @pytest.mark.usefixtures("english_interface")
    def test_duplicate_email_is_refused_and_nothing_is_written(self, client):
        UserFactory(email="lan@example.vn")
        response = client.post("/account/sign-up/", sign_up_data("LAN@example.vn"))
        assert response.status_code == 200
        assert response.context["form"].errors.as_data()["identifier"][0].code == "duplicate_email"
        assert "already exists" in response.content.decode()
        assert User.objects.count() == 1
        assert signed_in_user(client) is None
        assert hook_calls == []

    def test_duplicate_phone_is_refused_and_nothing_is_written(self, client):
        UserFactory(email=None, phone="0912345678")
        response = client.post(SIGN_UP, sign_up_data("+84 912 345 678"))
        assert response.status_code == 200
        assert response.context["form"].errors.as_data()["identifier"][0].code == "duplicate_phone"
        assert User.objects.count() == 1

    def test_duplicate_found_only_by_the_database_is_refused_too(self, client, monkeypatch):
        """Two sign-ups at once: both pass validation, the unique constraint refuses the second."""
        from accounts.forms import SignUpForm

        def clean_identifier_without_duplicate_check(form):
            form.cleaned_data.update(email=None, phone="0912345678")
            return "0912345678"

        UserFactory(email=None, phone="0912345678")
        monkeypatch.setattr(SignUpForm, "clean_identifier", clean_identifier_without_duplicate_check)
        response = client.post(SIGN_UP, sign_up_data("0912345678"))
        assert response.status_code == 200
        assert response.context["form"].errors.as_data()["identifier"][0].code == "duplicate_phone"
        assert User.objects.count() == 1
        assert not User.objects.filter(full_name="Hoàng Thị Lan").exists()

    @pytest.mark.parametrize("password", ["12345678", "password", "short"])
    def test_weak_password_is_refused(self, client, password):
        response = client.post(SIGN_UP, sign_up_data(password1=password, password2=password))
        assert response.status_code == 200
        assert "password1" in response.context["form"].errors
        assert not User.objects.exists()

    def test_passwords_must_match(self, client):
        response = client.post(SIGN_UP, sign_up_data(password2=NEW_PASSWORD + "x"))
        assert list(response.context["form"].errors) == ["password2"]
        assert not User.objects.exists()

    def test_safe_next_is_carried_to_the_welcome_page(self, client):
        response = client.post(SIGN_UP, sign_up_data(next="/learn/some-course/?step=2"))
        assert response.status_code == 302
        assert response.url == "/account/welcome/?next=%2Flearn%2Fsome-course%2F%3Fstep%3D2"

    @pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
    def test_next_to_another_host_is_ignored(self, client, target):
        response = client.post(f"{SIGN_UP}?next={target}", sign_up_data())
        assert response.status_code == 302
        assert response.url == reverse("accounts:account_welcome")

    def test_next_is_kept_in_the_form(self, client):
        response = client.get(f"{SIGN_UP}?next=/learn/abc/")
        assert 'name="next" value="/learn/abc/"' in response.content.decode()
        response = client.get(f"{SIGN_UP}?next=https://evil.example/")
        assert 'name="next"' not in response.content.decode()

    def test_hooks_run_on_sign_up_with_the_new_user(self, client):
        client.post(SIGN_UP, sign_up_data())
        user = User.objects.get()
        assert hook_calls == [(user.pk, user.pk, str(user.pk))]

    def test_signed_in_people_are_sent_on(self, client):
        client.force_login(UserFactory())
        response = client.get(SIGN_UP)
        assert response.status_code == 302
        assert response.url == reverse("courses:my_learning")

    def test_csrf_is_enforced(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(SIGN_UP, sign_up_data())
        assert response.status_code == 403
        assert not User.objects.exists()


@pytest.mark.django_db
class TestSignIn:
    @pytest.mark.usefixtures("english_interface")
    def test_page_in_english(self, client):
        response = client.get("/account/sign-in/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Email or phone number" in html
        assert 'autocomplete="current-password"' in html
        assert 'autocomplete="username"' in html
        assert 'href="/account/password-reset/"' in html

    def test_sign_in_with_email(self, client):
        user = UserFactory(email="lan@example.vn")
        response = client.post(SIGN_IN, {"username": "LAN@example.vn", "password": PASSWORD})
        assert response.status_code == 302
        assert response.url == reverse("courses:my_learning")
        assert signed_in_user(client) == user

    def test_sign_in_with_phone(self, client):
        user = UserFactory(email=None, phone="0912345678")
        response = client.post(SIGN_IN, {"username": "+84 912 345 678", "password": PASSWORD})
        assert response.status_code == 302
        assert signed_in_user(client) == user

    @pytest.mark.usefixtures("english_interface")
    def test_wrong_password(self, client):
        UserFactory(email="lan@example.vn")
        response = client.post("/account/sign-in/", {"username": "lan@example.vn", "password": "wrong"})
        assert response.status_code == 200
        assert response.context["form"].errors.as_data()["__all__"][0].code == "invalid_login"
        assert "Please enter a correct email address or phone number and password." in response.content.decode()
        assert signed_in_user(client) is None
        assert hook_calls == []

    @pytest.mark.usefixtures("english_interface")
    def test_rate_limited_message(self, client, settings):
        settings.LOGIN_RATE_LIMIT = 2
        UserFactory(email="lan@example.vn")
        for _ in range(2):
            client.post(SIGN_IN, {"username": "lan@example.vn", "password": "wrong"})
        response = client.post("/account/sign-in/", {"username": "lan@example.vn", "password": PASSWORD})
        assert response.status_code == 200
        assert response.context["form"].errors.as_data()["__all__"][0].code == "rate_limited"
        assert "Too many failed sign-in attempts" in response.content.decode()
        assert signed_in_user(client) is None

    def test_safe_next_is_honoured(self, client):
        UserFactory(email="lan@example.vn")
        response = client.post(
            f"{SIGN_IN}?next=/learn/abc/", {"username": "lan@example.vn", "password": PASSWORD, "next": "/learn/abc/"}
        )
        assert response.url == "/learn/abc/"

    def test_next_to_another_host_is_ignored(self, client):
        UserFactory(email="lan@example.vn")
        response = client.post(
            SIGN_IN, {"username": "lan@example.vn", "password": PASSWORD, "next": "https://evil.example/"}
        )
        assert response.status_code == 302
        assert response.url == reverse("courses:my_learning")

    def test_hooks_run_on_sign_in_with_the_user(self, client):
        user = UserFactory(email="lan@example.vn")
        client.post(SIGN_IN, {"username": "lan@example.vn", "password": PASSWORD})
        assert hook_calls == [(user.pk, user.pk, str(user.pk))]

    def test_signed_in_people_are_sent_on(self, client):
        client.force_login(UserFactory())
        response = client.get(SIGN_IN)
        assert response.status_code == 302
        assert response.url == reverse("courses:my_learning")

    def test_page_query_count_is_bounded(self, client, django_assert_max_num_queries):
        with django_assert_max_num_queries(6):
            response = client.get(SIGN_IN)
        assert response.status_code == 200

    def test_csrf_is_enforced(self):
        UserFactory(email="lan@example.vn")
        client = Client(enforce_csrf_checks=True)
        response = client.post(SIGN_IN, {"username": "lan@example.vn", "password": PASSWORD})
        assert response.status_code == 403
        assert signed_in_user(client) is None


@pytest.mark.django_db
class TestSignOut:
    def test_get_is_refused(self, client):
        user = UserFactory()
        client.force_login(user)
        assert client.get(SIGN_OUT).status_code == 405
        assert signed_in_user(client) == user

    def test_post_signs_out_and_goes_home(self, client):
        client.force_login(UserFactory())
        response = client.post(SIGN_OUT)
        assert response.status_code == 302
        assert response.url == "/"
        assert signed_in_user(client) is None


@pytest.mark.django_db
class TestAccountNav:
    def render(self, rf, user, path="/learn/abc/?x=1"):
        from django.contrib.auth.models import AnonymousUser
        from django.template.loader import render_to_string

        request = rf.get(path)
        request.user = user or AnonymousUser()
        return render_to_string("includes/account_nav.html", request=request)

    def test_anonymous_gets_sign_in_and_sign_up_with_next(self, rf):
        html = self.render(rf, None)
        assert 'href="/account/sign-in/?next=/learn/abc/%3Fx%3D1"' in html
        assert 'href="/account/sign-up/?next=/learn/abc/%3Fx%3D1"' in html
        assert "sign-out" not in html

    def test_signed_in_gets_my_learning_and_a_sign_out_form(self, rf):
        html = self.render(rf, UserFactory())
        assert f'href="{reverse("courses:my_learning")}"' in html
        assert re.search(
            r'<form method="post" action="/account/sign-out/">\s*<input type="hidden" name="csrfmiddlewaretoken"', html
        )
        assert "sign-in" not in html


def _imported(**kwargs):
    """A civil servant as a roster import makes them: an e-mail, an employee code, no password."""
    user = UserFactory(civil_servant=True, employee_code=kwargs.pop("employee_code", "CB-0001"), **kwargs)
    user.set_unusable_password()
    user.save()
    return user


@pytest.mark.django_db
class TestPasswordReset:
    @pytest.mark.usefixtures("english_interface")
    def test_page_in_english_says_what_phone_only_people_do(self, client):
        response = client.get("/account/password-reset/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Signed up with a phone number" in html
        assert reverse("accounts:phone_reset") in html
        assert 'autocomplete="email"' in html

    def test_email_user_gets_one_email_and_the_link_sets_a_new_password(self, client):
        user = UserFactory(email="lan@example.vn")
        response = client.post(RESET, {"email": "LAN@example.vn"})
        assert response.status_code == 302
        assert response.url == reverse("accounts:password_reset_done")
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["lan@example.vn"]
        assert "\n" not in message.subject
        link = re.search(r"http://testserver(/account/password-reset/[^/\s]+/[^/\s]+/)", message.body).group(1)

        response = client.get(link)
        assert response.status_code == 302  # Django hides the token from the address bar
        set_password_url = response.url
        response = client.get(set_password_url)
        assert response.context["validlink"] is True
        response = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert response.status_code == 302
        assert response.url == reverse("accounts:password_reset_complete")
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        # The link works once.
        assert client.get(link, follow=True).context["validlink"] is False

    @pytest.mark.usefixtures("english_interface")
    def test_english_request_sends_an_english_link(self, client):
        UserFactory(email="lan@example.vn")
        client.post("/account/password-reset/", {"email": "lan@example.vn"})
        assert "http://testserver/account/password-reset/" in mail.outbox[0].body
        assert "Reset your Digital Skills password" in mail.outbox[0].subject

    @pytest.mark.usefixtures("english_interface")
    @pytest.mark.parametrize("email", ["nobody@example.vn", "inactive@example.vn", "imported@example.vn"])
    def test_the_same_answer_for_unknown_inactive_and_never_activated_accounts(self, client, email):
        """Nothing tells which addresses have accounts; only the never-activated one is sent a message."""
        UserFactory(email="inactive@example.vn", is_active=False)
        _imported(email="imported@example.vn")
        response = client.post("/account/password-reset/", {"email": email}, follow=True)
        assert response.redirect_chain == [("/account/password-reset/sent/", 302)]
        assert "we have sent it a link" in response.content.decode()
        assert [message.to for message in mail.outbox] == ([[email]] if email == "imported@example.vn" else [])

    @pytest.mark.usefixtures("english_interface")
    def test_a_never_activated_imported_person_gets_an_activation_link_and_chooses_a_first_password(self, client):
        """Issue 13: imported people were told "ask an administrator"; now the e-mail reset activates them."""
        from accounts.codes.models import OneTimeCode
        from accounts.roster.invitations import invitations_send, not_activated

        user = _imported(email="nam@example.vn")
        invitations_send(user_ids=[user.pk], by_id=None, reference="r1")  # an invitation already sent
        mail.outbox.clear()
        with translation.override("en"):
            response = client.post("/account/password-reset/", {"email": "NAM@example.vn"})
        assert response.url == "/account/password-reset/sent/"
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["nam@example.vn"]
        assert message.subject == "Activate your Digital Skills account"
        assert "has no password yet" in message.body
        link = re.search(r"http://testserver(/account/password-reset/[^/\s]+/[^/\s]+/)", message.body).group(1)
        set_password_url = client.get(link).url
        assert client.get(set_password_url).context["validlink"] is True
        response = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert not not_activated().filter(pk=user.pk).exists()  # the training office sees them activated
        # The invitation's code is void now, and the link works once.
        assert not OneTimeCode.objects.filter(user=user, spent_at__isnull=True).exists()
        assert client.get(link, follow=True).context["validlink"] is False
        response = Client().post(SIGN_IN, {"username": "nam@example.vn", "password": NEW_PASSWORD})
        assert response.status_code == 302
        # Once activated, the next request is an ordinary reset.
        mail.outbox.clear()
        client.post(RESET, {"email": "nam@example.vn"})
        assert mail.outbox[0].body.count("/account/password-reset/") == 1
        assert "has no password yet" not in mail.outbox[0].body

    def test_activation_links_are_rate_limited_like_resets(self, client, settings):
        settings.PASSWORD_RESET_RATE_LIMIT = 2
        _imported(email="nam@example.vn")
        for _ in range(4):
            assert client.post(RESET, {"email": "nam@example.vn"}).url == reverse("accounts:password_reset_done")
        assert len(mail.outbox) == 2

    def test_phone_only_people_get_no_email(self, client):
        UserFactory(email=None, phone="0912345678")
        response = client.post(RESET, {"email": "0912345678"})
        assert response.status_code == 200
        assert "email" in response.context["form"].errors
        assert mail.outbox == []

    @pytest.mark.usefixtures("english_interface")
    def test_bad_link_says_so(self, client):
        response = client.get("/account/password-reset/MQ/bad-token/")
        assert response.status_code == 200
        assert response.context["validlink"] is False
        assert "This link does not work" in response.content.decode()

    def test_links_per_address_are_limited_with_the_same_answer(self, client, settings):
        settings.PASSWORD_RESET_RATE_LIMIT = 2
        UserFactory(email="lan@example.vn")
        UserFactory(email="hoa@example.vn")
        for _ in range(4):
            response = client.post(RESET, {"email": "lan@example.vn"})
            assert response.status_code == 302
            assert response.url == reverse("accounts:password_reset_done")
        assert [message.to for message in mail.outbox] == [["lan@example.vn"]] * 2
        # Another address from the same client is not affected by the first one's limit.
        client.post(RESET, {"email": "hoa@example.vn"})
        assert mail.outbox[-1].to == ["hoa@example.vn"]

    def test_one_client_cannot_flood_many_addresses(self, client, settings):
        settings.PASSWORD_RESET_RATE_LIMIT = 1  # ten per client address
        for number in range(12):
            UserFactory(email=f"person{number}@example.vn")
            client.post(RESET, {"email": f"person{number}@example.vn"})
        assert len(mail.outbox) == 10

    def test_csrf_is_enforced(self):
        UserFactory(email="lan@example.vn")
        client = Client(enforce_csrf_checks=True)
        assert client.post(RESET, {"email": "lan@example.vn"}).status_code == 403
        assert mail.outbox == []


def test_accounts_never_imports_higher_layers():
    from pathlib import Path

    accounts = Path(__file__).resolve().parents[2] / "accounts"
    for path in accounts.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for other in ("courses", "outreach"):
            assert f"from {other}" not in text, path
            assert f"import {other}" not in text, path
