"""The training office registers a platform in the admin; nobody else can."""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from lti_tool.models import LtiDeployment, LtiRegistration

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Moodle Sở Nội vụ",
    "issuer": "https://moodle.example.gov.vn",
    "client_id": "abc123",
    "audience": "",
    "auth_url": "https://moodle.example.gov.vn/mod/lti/auth.php",
    "token_url": "https://moodle.example.gov.vn/mod/lti/token.php",
    "keyset_url": "https://moodle.example.gov.vn/mod/lti/certs.php",
    "is_active": "on",
    "deployment_ids": "7\n 8 \n7\n",
}


def test_the_training_office_registers_a_platform_with_its_deployments(client):
    client.force_login(UserFactory(training_admin=True))
    response = client.post("/admin/lti/platforms/new/", FORM)
    assert response.status_code == 302, response.content[:2000]
    registration = LtiRegistration.objects.get(client_id="abc123")
    assert sorted(registration.deployments.filter(is_active=True).values_list("deployment_id", flat=True)) == ["7", "8"]

    edited = client.post(f"/admin/lti/platforms/edit/{registration.pk}/", {**FORM, "deployment_ids": "8"})
    assert edited.status_code == 302
    assert list(registration.deployments.filter(is_active=True).values_list("deployment_id", flat=True)) == ["8"]
    assert LtiDeployment.objects.get(deployment_id="7").is_active is False  # kept, refused at launch


@pytest.mark.parametrize("role", [{}, {"civil_servant": True}, {"officer": True}, {"unit_manager": True}])
def test_other_roles_cannot_register_a_platform(client, role):
    client.force_login(UserFactory(**role))
    response = client.post("/admin/lti/platforms/new/", FORM)
    assert response.status_code in (302, 403)
    assert not LtiRegistration.objects.exists()
    assert client.get("/admin/lti/courses/").status_code in (302, 403)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("issuer", "moodle thai nguyen"),
        ("issuer", "http://moodle.example.gov.vn"),
        ("issuer", "https://moodle.example.gov.vn/?a=1"),
        ("issuer", "https://moodle.example.gov.vn/#top"),
        ("issuer", "ftp://moodle.example.gov.vn"),
        ("auth_url", "http://moodle.example.gov.vn/mod/lti/auth.php"),
        ("token_url", "http://moodle.example.gov.vn/mod/lti/token.php"),
        ("keyset_url", "http://moodle.example.gov.vn/mod/lti/certs.php"),
    ],
)
def test_the_issuer_and_endpoints_must_be_https(client, field, value):
    client.force_login(UserFactory(training_admin=True))
    response = client.post("/admin/lti/platforms/new/", {**FORM, field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not LtiRegistration.objects.exists()


def test_plain_http_is_allowed_on_the_machine_itself(client):
    client.force_login(UserFactory(training_admin=True))
    local = {
        "issuer": "http://127.0.0.1:8001",
        "auth_url": "http://localhost:8001/auth",
        "token_url": "http://[::1]:8001/token",
        "keyset_url": "http://127.0.0.1:8001/jwks",
    }
    response = client.post("/admin/lti/platforms/new/", {**FORM, **local})
    assert response.status_code == 302, response.context["form"].errors
    assert LtiRegistration.objects.get().issuer == "http://127.0.0.1:8001"


def test_the_issuer_is_kept_as_typed(client):
    client.force_login(UserFactory(training_admin=True))
    client.post("/admin/lti/platforms/new/", {**FORM, "issuer": "https://Moodle.example.gov.vn/Tinh"})
    assert LtiRegistration.objects.get().issuer == "https://Moodle.example.gov.vn/Tinh"


def test_a_duplicate_issuer_and_client_id_is_an_error_on_the_field(client):
    client.force_login(UserFactory(training_admin=True))
    assert client.post("/admin/lti/platforms/new/", FORM).status_code == 302
    response = client.post("/admin/lti/platforms/new/", {**FORM, "name": "Again"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "client_id" in form.errors
    assert not form.non_field_errors()
    assert LtiRegistration.objects.count() == 1


def test_the_listing_shows_yes_not_true(client):
    client.force_login(UserFactory(training_admin=True))
    client.post("/admin/lti/platforms/new/", FORM)
    with translation.override("vi"):
        yes = gettext("Yes")
    page = client.get("/admin/lti/platforms/").content.decode()
    assert "Moodle Sở Nội vụ" in page
    assert ">True<" not in page.replace(" ", "").replace("\n", "")
    assert yes in page


def test_the_edit_page_and_the_tool_page_show_the_addresses_to_give_the_platform(client, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://kynangso.example.gov.vn"
    client.force_login(UserFactory(training_admin=True))
    client.post("/admin/lti/platforms/new/", FORM)
    registration = LtiRegistration.objects.get()
    base = "https://kynangso.example.gov.vn"
    edit = client.get(f"/admin/lti/platforms/edit/{registration.pk}/").content.decode()
    for address in (f"/lti/login/{registration.uuid}/", "/lti/launch/", "/lti/jwks/"):
        assert base + address in edit
    assert "BEGIN PUBLIC KEY" in edit
    assert "/admin/lti/tool/" in client.get("/admin/lti/platforms/").content.decode()
    tool = client.get("/admin/lti/tool/").content.decode()
    for address in ("/lti/login/", f"/lti/login/{registration.uuid}/", "/lti/launch/", "/lti/jwks/"):
        assert base + address in tool
    assert "BEGIN PUBLIC KEY" in tool


@pytest.mark.parametrize("role", [{}, {"civil_servant": True}, {"officer": True}])
def test_other_roles_do_not_see_the_tool_page(client, role):
    client.force_login(UserFactory(**role))
    assert client.get("/admin/lti/tool/").status_code in (302, 403)
