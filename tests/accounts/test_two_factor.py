"""Two-step verification of staff: who is asked, set-up, verify, recovery codes, limits, a superuser's reset."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit.models import AuthEvent
from accounts.twofactor import services
from tests.accounts.factories import PASSWORD, OrganisationUnitFactory, UserFactory
from tests.support.badges import badge_keys_json

pytestmark = pytest.mark.django_db

SET_UP = "/account/two-factor/set-up/"
VERIFY = "/account/two-factor/"
TEAM = "/learn/team/"


@pytest.fixture(autouse=True)
def enforced(settings):
    settings.ACCOUNTS_TWO_FACTOR_REQUIRED = True
    return settings


def code_for(device, offset=0):
    if device.pk:
        device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"


def pending_device(client, user):
    """The device being set up: not saved until a right code, its key in the session."""
    assert not TOTPDevice.objects.filter(user=user).exists()
    return TOTPDevice(user=user, key=client.session[services.SETUP_KEY_SESSION])


def sign_in(client, user, via="/account/sign-in/"):
    response = client.post(via, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return response


def set_up(client, user):
    """Sign in and set up: returns the confirmed device and the recovery codes shown."""
    sign_in(client, user)
    client.get(SET_UP)
    response = client.post(SET_UP, {"code": code_for(pending_device(client, user))}, follow=True)
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return device, codes


def events(kind, **filters):
    return AuthEvent.objects.filter(kind=kind, **filters)


@pytest.mark.parametrize("role", ["officer", "lead", "training_admin", "unit_manager", "leader", "superuser"])
def test_staff_reach_neither_admin_nor_staff_pages_until_set_up(client, role):
    user = UserFactory(**{role: True})
    sign_in(client, user)
    for url in ("/admin/", "/admin/users/", "/admin/auth_events/", TEAM, "/account/my-data/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(VERIFY), url
    # The verify step sends a person with no device to set-up.
    assert client.get(VERIFY)["Location"].startswith(SET_UP)


def test_wagtail_admin_login_is_covered(client):
    user = UserFactory(officer=True)
    response = client.post("/admin/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/")["Location"].startswith(VERIFY + "?next=%2Fadmin%2F")


def test_set_up_then_verify_with_a_valid_code_then_the_admin_opens(client):
    user = UserFactory(officer=True)
    sign_in(client, user)
    page = client.get(SET_UP)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "Thiết lập xác minh hai bước" in body
    device = pending_device(client, user)
    assert services.manual_key(device=device) in body
    assert client.get(SET_UP).content.decode().count(services.manual_key(device=device)) == 1  # the same key again
    response = client.post(SET_UP, {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:two_factor_recovery_codes")
    )
    codes_page = client.get(response["Location"]).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page)
    assert len(codes) == 10
    # Shown once only.
    assert not re.findall(r"<li><code>([a-z2-7]{8})</code></li>", client.get(response["Location"]).content.decode())
    assert client.get("/admin/").status_code == 200
    assert events(AuthEvent.Kind.TWO_FACTOR_SET_UP, subject=user).count() == 1

    # A new session: the verify step, then the admin.
    client.logout()
    sign_in(client, user)
    assert client.get("/admin/")["Location"].startswith(VERIFY)
    response = client.post(VERIFY + "?next=/admin/", {"code": code_for(device, offset=1), "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert events(AuthEvent.Kind.TWO_FACTOR_VERIFIED, subject=user).count() == 1


def test_unit_manager_by_field_only_is_asked_too(client):
    user = UserFactory(civil_servant=True)
    unit = OrganisationUnitFactory()
    unit.managers.add(user)
    sign_in(client, user)
    assert client.get(TEAM)["Location"].startswith(VERIFY)


def test_wrong_code_is_refused_translated_and_logged(client):
    user = UserFactory(training_admin=True)
    device, _codes = set_up(client, user)
    client.logout()
    sign_in(client, user)
    response = client.post(VERIFY, {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert response.status_code == 400
    assert "Mã này không đúng" in response.content.decode()
    assert events(AuthEvent.Kind.TWO_FACTOR_FAILED, subject=user).count() == 1
    assert client.get("/admin/").status_code == 302


def test_wrong_codes_are_limited_per_person_and_the_lockout_is_logged(client, settings):
    settings.TWO_FACTOR_RATE_LIMIT = 3
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # our limit alone (the device's back-off has its own test)
    user = UserFactory(officer=True)
    device, _codes = set_up(client, user)
    client.logout()
    sign_in(client, user)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    for _ in range(3):
        assert client.post(VERIFY, {"code": wrong}).status_code == 400
    # Even the right code is refused now.
    response = client.post(VERIFY, {"code": code_for(device, offset=1)})
    assert response.status_code == 429
    assert "Quá nhiều lần nhập sai mã" in response.content.decode()
    assert events(AuthEvent.Kind.LOCKOUT, subject=user).count() == 1
    assert client.get("/admin/").status_code == 302


def test_recovery_code_works_once_only(client):
    user = UserFactory(superuser=True)
    _device, codes = set_up(client, user)
    assert len(codes) == 10
    client.logout()
    sign_in(client, user)
    response = client.post(VERIFY, {"code": codes[0].upper()[:4] + "-" + codes[0].upper()[4:]})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 9
    client.logout()
    sign_in(client, user)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 400
    assert client.get("/admin/").status_code == 302
    detail = events(AuthEvent.Kind.TWO_FACTOR_VERIFIED, subject=user).get().detail
    assert detail == {"method": "recovery_code", "recovery_codes_left": 9}


def test_recovery_codes_can_be_regenerated_by_their_owner(client):
    user = UserFactory(officer=True)
    _device, old = set_up(client, user)
    response = client.post(reverse("accounts:two_factor_recovery_codes"), follow=True)
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(new)
    assert events(AuthEvent.Kind.RECOVERY_CODES_REGENERATED, subject=user).count() == 1


def test_set_up_is_refused_once_a_device_exists(client):
    """A stolen password must not let someone add their own device."""
    user = UserFactory(officer=True)
    device, _codes = set_up(client, user)
    client.logout()
    sign_in(client, user)
    response = client.get(SET_UP)
    assert response["Location"].startswith(VERIFY)
    assert client.post(SET_UP, {"code": code_for(device, offset=1)})["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("kind", ["citizen", "civil_servant"])
def test_citizens_and_civil_servants_are_not_asked(client, kind):
    user = UserFactory(**({"civil_servant": True} if kind == "civil_servant" else {}))
    sign_in(client, user)
    assert client.get(reverse("courses:my_learning")).status_code == 200
    assert client.get("/account/my-data/").status_code == 200


def test_off_when_not_enforced(client, settings):
    settings.ACCOUNTS_TWO_FACTOR_REQUIRED = False
    user = UserFactory(officer=True)
    sign_in(client, user)
    assert client.get("/admin/").status_code == 200


def test_sign_out_still_works_before_verifying(client):
    user = UserFactory(officer=True)
    sign_in(client, user)
    assert client.post("/account/sign-out/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_superuser_resets_another_persons_two_factor(client):
    officer = UserFactory(officer=True)
    set_up(client, officer)
    client.logout()
    admin = UserFactory(superuser=True)
    set_up(client, admin)
    url = reverse("accounts_two_factor_reset", args=[officer.pk])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    event = events(AuthEvent.Kind.TWO_FACTOR_RESET).get()
    assert (event.actor, event.subject) == (admin, officer)


@pytest.mark.parametrize("role", ["officer", "training_admin"])
def test_only_a_superuser_may_reset(client, role):
    victim = UserFactory(officer=True)
    set_up(client, victim)
    client.logout()
    user = UserFactory(**{role: True})
    set_up(client, user)
    response = client.post(reverse("accounts_two_factor_reset", args=[victim.pk]))
    assert response.status_code in (302, 403)
    assert TOTPDevice.objects.filter(user=victim).exists()
    assert not events(AuthEvent.Kind.TWO_FACTOR_RESET).exists()


def test_the_devices_back_off_says_how_long_to_wait(client):
    user = UserFactory(officer=True)
    device, _codes = set_up(client, user)
    client.logout()
    sign_in(client, user)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    assert client.post(VERIFY, {"code": wrong}).status_code == 400
    response = client.post(VERIFY, {"code": code_for(device, offset=1)})
    assert response.status_code == 429
    assert "Vui lòng chờ 1 giây rồi thử mã khác." in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_enforcement_is_on_in_production_and_off_in_development():
    import os
    import secrets
    import subprocess
    import sys

    from django.conf import settings as django_settings

    probe = "from django.conf import settings; print(settings.ACCOUNTS_TWO_FACTOR_REQUIRED)"
    clean = {k: v for k, v in os.environ.items() if k not in {"ACCOUNTS_TWO_FACTOR_REQUIRED", "DJANGO_SETTINGS_MODULE"}}
    answers = {}
    for module in ("lms.settings.production", "lms.settings.dev"):
        env = {
            **clean,
            "DJANGO_SETTINGS_MODULE": module,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "kynangso.example.vn",
            "WAGTAILADMIN_BASE_URL": "https://kynangso.example.vn",
            "BADGES_KEYS": badge_keys_json(),
        }
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", probe],
            cwd=django_settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        answers[module] = result.stdout.strip().splitlines()[-1]
    assert answers == {"lms.settings.production": "True", "lms.settings.dev": "False"}


def test_the_admin_account_page_links_to_recovery_codes_once_verified(client):
    user = UserFactory(officer=True)
    set_up(client, user)
    body = client.get(reverse("wagtailadmin_account")).content.decode()
    assert reverse("accounts:two_factor_recovery_codes") in body


def test_inspect_view_shows_the_time_as_dd_mm_yyyy(client):
    admin = UserFactory(superuser=True)
    set_up(client, admin)
    event = AuthEvent.objects.filter(kind=AuthEvent.Kind.TWO_FACTOR_SET_UP).get()
    body = client.get(reverse("auth_events:inspect", args=[event.pk])).content.decode()
    assert event.get_at_display() in body and re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", event.get_at_display())


def test_a_manager_without_admin_access_continues_to_the_site(client):
    user = UserFactory(civil_servant=True)
    OrganisationUnitFactory().managers.add(user)
    sign_in(client, user)
    client.get(SET_UP)
    response = client.post(SET_UP, {"code": code_for(pending_device(client, user))}, follow=True)
    assert reverse("courses:my_learning") in response.content.decode()
    assert client.get(TEAM).status_code == 200
