"""Issue 13, dead end 2: "phone-only people are locked out for good". A civil servant imported with only
a phone number (0366777888, no e-mail) used to get "wrong password" at sign-in, "already has an account"
at sign-up and "ask an administrator" at password reset. Each wall, gone, on the real import."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.codes.models import OneTimeCode
from accounts.models import User
from outreach.models import Delivery
from tests.accounts.codes_support import planned_code
from tests.accounts.roster.test_roster import csv_bytes, import_file, person

pytestmark = pytest.mark.django_db

PHONE = "0366777888"
NEW_PASSWORD = "mot-mat-khau-rat-dai-2026"


@pytest.fixture(autouse=True)
def _no_hooks(settings):
    settings.ACCOUNTS_SIGN_IN_HOOKS = []


@pytest.fixture
def imported(units):
    import_file(csv_bytes([person(1, Email="", Phone="0366 777 888")]))
    user = User.objects.get(employee_code="CB0001")
    assert (user.phone, user.email, user.has_usable_password(), user.is_active) == (PHONE, None, False, True)
    return user


WRONG_PASSWORD = "not-the-password"


def sign_in(client, username, password=WRONG_PASSWORD):
    return client.post("/account/sign-in/", {"username": username, "password": password})


def sign_up(client, identifier):
    data = {
        "full_name": "Nguyễn Văn Một",
        "identifier": identifier,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "consent": "on",
    }
    return client.post("/account/sign-up/", data)


def test_sign_in_says_how_to_activate(client, imported):
    response = sign_in(client, "0366 777 888")
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["__all__"]
    assert errors[0].code == "invalid_login"
    with translation.override("en"):
        assert "activate it with a code by SMS" in str(errors[0].message)
    assert f'href="{reverse("accounts:activate_request")}"' in response.content.decode()
    # The same words for a number nobody has: sign-in tells nothing about the number.
    other = sign_in(Client(), "0366 000 111").context["form"].errors.as_data()["__all__"][0]
    assert other.message == errors[0].message


def test_sign_up_says_how_to_activate_and_creates_nothing(client, imported):
    response = sign_up(client, "0366777888")
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["identifier"][0].code == "needs_activation"
    assert response.context["needs_activation"]
    assert f'href="{reverse("accounts:activate_request")}"' in response.content.decode()
    assert User.objects.count() == 1 and not OneTimeCode.objects.exists() and not Delivery.objects.exists()


@pytest.mark.usefixtures("english_interface")
def test_password_reset_points_to_sms_and_the_sms_code_lets_them_in(client, imported):
    for page in ("/account/password-reset/", "/account/password-reset/sent/"):
        html = client.get(page).content.decode()
        assert f'href="{reverse("accounts:phone_reset")}"' in html
    response = client.post("/account/password-reset/phone/", {"phone": "0366 777 888"})
    assert response.status_code == 302 and response.url == "/account/password-reset/phone/code/"
    code = OneTimeCode.objects.get(address=PHONE)
    assert code.purpose == OneTimeCode.Purpose.ACTIVATION  # never had a password: an activation
    form = client.get(response.url).content.decode()
    assert f'value="{PHONE}"' in form  # the number is filled in
    data = {"identifier": PHONE, "code": planned_code(PHONE), "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = client.post("/account/password-reset/phone/code/", data)
    assert response.status_code == 302 and response.url == reverse("accounts:sign_in")
    imported.refresh_from_db()
    assert imported.has_usable_password() and imported.check_password(NEW_PASSWORD)
    visitor = Client()
    response = sign_in(visitor, "0366 777 888", NEW_PASSWORD)
    assert response.status_code == 302
    # Activated now: sign-up says the account exists (sign in instead), and the office sees it activated.
    assert sign_up(Client(), PHONE).context["form"].errors.as_data()["identifier"][0].code == "duplicate_phone"


@pytest.mark.usefixtures("english_interface")
def test_the_reset_answer_is_the_same_for_imported_citizen_and_unknown_numbers(imported):
    from tests.accounts.factories import UserFactory

    UserFactory(email=None, phone="0366555444")
    answers = []
    for number in (PHONE, "0366555444", "0366000111"):
        response = Client().post("/account/password-reset/phone/", {"phone": number}, follow=True)
        answers.append((response.status_code, response.redirect_chain, [str(m) for m in response.context["messages"]]))
    assert answers[0] == answers[1] == answers[2]
    assert not OneTimeCode.objects.filter(address="0366000111").exists()


@pytest.mark.usefixtures("english_interface")
@pytest.mark.parametrize(
    "query",
    ["?for=0366777889", "?for=%00", "?for=%3Cscript%3E", "?for=" + "9" * 5000, "?for=", "?for=a@b", "?code=1&for=x"],
)
def test_a_tampered_activation_link_is_a_plain_form(client, imported, query):
    response = client.get("/account/activate/" + query)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


@pytest.mark.usefixtures("english_interface")
def test_wrong_expired_or_someone_elses_code_sets_no_password(client, imported):
    client.post("/account/activate/by-sms/", {"phone": PHONE})
    code = planned_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    cases = [
        {"identifier": PHONE, "code": wrong},
        {"identifier": "0366777889", "code": code},  # another number
        {"identifier": "nobody@example.vn", "code": code},
        {"identifier": "<script>", "code": code},
        {"identifier": PHONE, "code": "12345"},
        {"identifier": PHONE, "code": "x" * 3000},
        {"identifier": "", "code": ""},
    ]
    for case in cases:
        response = client.post("/account/activate/", {**case, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert response.status_code == 400, case
        assert 'class="error-summary"' in response.content.decode()
    OneTimeCode.objects.update(expires_at=OneTimeCode.objects.get().created_at)
    data = {"identifier": PHONE, "code": code, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post("/account/activate/", data).status_code == 400
    imported.refresh_from_db()
    assert not imported.has_usable_password()
