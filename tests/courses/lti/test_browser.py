"""In Chromium: the scripted platform's course page frames the tool, which is launched in the iframe.

The platform (localhost, another port) shows our tool in an iframe that starts the third-party login;
its auth endpoint posts the id_token back (its own page, its own script). We check the frame is allowed
by our policy, the hand-over opens the course in a new window at a phone's width, the deep-linking return
is posted by our static script (no inline script), and axe finds nothing in the framed pages.

Over plain HTTP both sites are "localhost", so the browser sends the Lax state cookie; across real
sites this needs HTTPS (the SameSite=None; Secure cookie, tested in test_launch.py).
"""

import json

import pytest
import requests
from django.utils import translation
from django.utils.translation import gettext
from jwcrypto import jwk, jwt
from lti_tool.models import LtiDeployment, LtiRegistration
from playwright.sync_api import expect

from tests.support.browser import axe_violations
from tests.support.waiting import wait_until

from .platform import ScriptedPlatform
from .test_launch import CUSTOM
from .test_services import _deep_linking_claims

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def framed_platform(live_server):
    platform = ScriptedPlatform(host="localhost").start()
    platform.tool = live_server.url
    registration = LtiRegistration.objects.create(
        name="Moodle tỉnh",
        issuer=platform.issuer,
        client_id=platform.client_id,
        auth_url=platform.auth_url,
        token_url=platform.token_url,
        keyset_url=platform.jwks_url,
    )
    LtiDeployment.objects.create(registration=registration, deployment_id=platform.deployment_id, is_active=True)
    yield platform
    platform.stop()


def _label(msgid):
    with translation.override("vi"):
        return gettext(msgid)


def _tool_frame(page, tool):
    return next(frame for frame in page.frames if frame.url.startswith(tool + "/"))


def test_a_learner_launched_in_the_iframe_opens_the_course_in_a_window_of_its_own(
    framed_platform, course, page, axe_source
):
    framed_platform.next_claims = {"sub": "browser-learner", CUSTOM: {"page_id": str(course.pk)}}
    page.goto(framed_platform.base + "/course")
    link = page.frame_locator("#tool").get_by_role("link", name=_label("Open the activity in a new window"))
    expect(link).to_be_visible()
    assert axe_violations(_tool_frame(page, framed_platform.tool), axe_source) == []

    with page.context.expect_page() as opened:
        link.click()
    window = opened.value
    window.wait_for_load_state()
    assert window.url == framed_platform.tool + course.url
    assert window.evaluate("document.documentElement.scrollWidth") <= 360
    assert course.title in window.content()


def test_an_instructor_picks_a_course_and_the_platform_receives_the_signed_answer(
    framed_platform, course, page, axe_source
):
    framed_platform.next_claims = {
        "sub": "browser-teacher",
        "roles": ("Instructor",),
        "message_type": "LtiDeepLinkingRequest",
        **_deep_linking_claims(framed_platform, multiple=False),
    }
    page.goto(framed_platform.base + "/course")
    frame = page.frame_locator("#tool")
    choice = frame.get_by_role("radio", name=course.title)
    expect(choice).to_be_visible()
    assert axe_violations(_tool_frame(page, framed_platform.tool), axe_source) == []
    choice.check()
    frame.get_by_role("button", name=_label("Add to the course")).click()

    # Our static script posts the return form to the platform (in the frame), without a click.
    assert wait_until(lambda: framed_platform.returned, timeout=15)
    token = framed_platform.returned[0]["JWT"][0]
    keyset = jwk.JWKSet.from_json(json.dumps(requests.get(framed_platform.tool + "/lti/jwks/", timeout=10).json()))
    claims = json.loads(jwt.JWT(jwt=token, key=keyset, algs=["RS256"]).claims)
    [item] = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["custom"] == {"page_id": str(course.pk)} and item["title"] == course.title
