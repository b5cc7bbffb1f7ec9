"""The training office registers a platform in the admin; nobody else can."""

import pytest
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
