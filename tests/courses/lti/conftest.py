import pytest
from lti_tool.models import LtiDeployment, LtiRegistration

from tests.courses.factories import course_create

from .platform import ScriptedPlatform


@pytest.fixture
def platform(client):
    scripted = ScriptedPlatform().start()
    yield scripted
    scripted.stop()


@pytest.fixture
def registration(db, platform, client):
    registration = LtiRegistration.objects.create(
        name="Moodle tỉnh",
        issuer=platform.issuer,
        client_id=platform.client_id,
        auth_url=platform.auth_url,
        token_url=platform.token_url,
        keyset_url=platform.jwks_url,
    )
    LtiDeployment.objects.create(registration=registration, deployment_id=platform.deployment_id, is_active=True)
    # The platform fetches the tool's keys from the address the tool gave it (its JWKS URL).
    platform.tool_jwks = client.get("/lti/jwks/").json()
    return registration


@pytest.fixture
def course(home_page):
    return course_create(
        home_page,
        title="Dịch vụ công trực tuyến",
        lessons=[("Bài một", [{"type": "paragraph", "value": "<p>Một.</p>"}]), ("Bài hai", [])],
    )
