"""LTI 1.3 core: OIDC login and resource-link launch against the scripted platform (tests/courses/lti/platform.py)."""

import time
from html import escape

import pytest
from django.utils import translation
from django.utils.translation import gettext
from jwcrypto import jwk
from lti_tool.models import LtiContext, LtiDeployment, LtiMembership, LtiUser

from accounts.models import User
from courses.learning.models import Enrolment
from courses.lti import tasks
from courses.lti.models import LtiAccount, LtiEntryTicket

pytestmark = pytest.mark.django_db

CUSTOM = "https://purl.imsglobal.org/spec/lti/claim/custom"


def _launch(platform, client, *, sub="moodle-user-7", dest="iframe", claims=None, **overrides):
    params = platform.initiate(client)
    body = platform.claims(sub=sub, nonce=params["nonce"], **overrides)
    body.update(claims or {})
    return platform.launch(client, id_token=platform.sign(body), state=params["state"], dest=dest), params, body


def _enter_url(response):
    content = response.content.decode()
    start = content.index('href="/lti/enter/') + len('href="')
    return content[start : content.index('"', start)]


def test_iframe_launch_signs_in_the_person_linked_by_issuer_and_sub_and_lands_on_the_course(
    platform, registration, course, client
):
    response, _params, _body = _launch(platform, client, claims={CUSTOM: {"page_id": str(course.pk)}})

    assert response.status_code == 200
    # Framed by the platform only; the state cookie crossed sites as SameSite=None; Secure.
    policy = response["Content-Security-Policy"]
    assert f"frame-ancestors {platform.base}" in policy and "script-src 'self'" in policy
    assert "X-Frame-Options" not in response
    state_cookie = next(c for name, c in client.cookies.items() if name.startswith("lti1p3-state-"))
    assert state_cookie["samesite"] == "None" and state_cookie["secure"]
    account = LtiAccount.objects.get(issuer=platform.issuer, subject="moodle-user-7")
    assert account.user.email.endswith("@lti.invalid") and not account.user.has_usable_password()
    assert Enrolment.objects.filter(user=account.user, course=course).exists()
    assert "_auth_user_id" not in client.session  # not signed in inside the frame: the new window does it

    entered = client.get(_enter_url(response))
    assert entered.status_code == 302 and entered["Location"] == course.url
    assert client.session["_auth_user_id"] == str(account.user.pk)
    assert client.get(_enter_url(response)).status_code == 404  # the ticket works once

    # The same person again: the same account. Another sub with the same e-mail: another person.
    _launch(platform, client, claims={CUSTOM: {"page_id": str(course.pk)}})
    _launch(platform, client, sub="moodle-user-8", claims={CUSTOM: {"page_id": str(course.pk)}})
    assert LtiAccount.objects.count() == 2
    assert User.objects.filter(lti_accounts__issuer=platform.issuer).distinct().count() == 2
    assert LtiMembership.objects.filter(context__id_on_platform=platform.context_id).count() == 2


def test_a_launch_in_a_window_of_its_own_goes_straight_in(platform, registration, course, client):
    lesson = course.lessons().last()
    response, _params, _body = _launch(platform, client, dest="document", claims={CUSTOM: {"page_id": str(lesson.pk)}})
    assert response.status_code == 302 and response["Location"].startswith("/lti/enter/")
    entered = client.get(response["Location"])
    assert entered["Location"] == lesson.url


def test_an_expired_ticket_signs_nobody_in(platform, registration, course, client):
    response, _params, _body = _launch(platform, client)
    LtiEntryTicket.objects.update(expires_at="2000-01-01T00:00Z")
    assert client.get(_enter_url(response)).status_code == 404
    assert "_auth_user_id" not in client.session


def _rows():
    return [
        m.objects.count() for m in (User, LtiAccount, LtiUser, LtiContext, LtiMembership, LtiEntryTicket, LtiDeployment)
    ]


def _refused_with(response, msgid):
    with translation.override("vi"):
        expected = gettext(msgid)
    assert response.status_code == 400
    assert escape(expected) in response.content.decode()


def test_a_launch_signed_with_another_key_is_refused_and_writes_nothing(platform, registration, client):
    before = _rows()
    params = platform.initiate(client)
    forged = jwk.JWK.generate(kty="RSA", size=2048)
    token = platform.sign(platform.claims(sub="x", nonce=params["nonce"]), key=forged, kid=platform.key.key_id)
    _refused_with(
        platform.launch(client, id_token=token, state=params["state"]),
        "The platform's signature on this launch is not valid.",
    )
    assert _rows() == before


def test_a_replayed_launch_is_refused_and_writes_nothing(platform, registration, client):
    params = platform.initiate(client)
    token = platform.sign(platform.claims(sub="x", nonce=params["nonce"]))
    assert platform.launch(client, id_token=token, state=params["state"]).status_code == 200
    before = _rows()
    _refused_with(
        platform.launch(client, id_token=token, state=params["state"]),
        "This launch was already used. Open the activity again from your course.",
    )
    assert _rows() == before


def test_a_nonce_the_tool_never_issued_is_refused(platform, registration, client):
    params = platform.initiate(client)
    token = platform.sign(platform.claims(sub="x", nonce="made-up"))
    _refused_with(
        platform.launch(client, id_token=token, state=params["state"]),
        "This launch was already used. Open the activity again from your course.",
    )
    assert not LtiAccount.objects.exists()


@pytest.mark.parametrize(
    ("change", "msgid"),
    [
        ({"aud": "another-tool"}, "This platform is not registered with Kỹ Năng Số."),
        ({"aud": ["kns-tool-client", "other"], "azp": "other"}, "This launch was meant for another tool."),
        (
            {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "unknown-deployment"},
            "This deployment of the tool is not registered or not active.",
        ),
        (
            {"exp": int(time.time()) - 600, "iat": int(time.time()) - 900},
            "This launch has expired. Open the activity again from your course.",
        ),
    ],
    ids=["wrong-audience", "wrong-azp", "unknown-deployment", "expired"],
)
def test_a_launch_the_tool_must_not_accept_is_refused_and_writes_nothing(platform, registration, client, change, msgid):
    before = _rows()
    params = platform.initiate(client)
    body = platform.claims(sub="x", nonce=params["nonce"])
    body.update(change)
    _refused_with(platform.launch(client, id_token=platform.sign(body), state=params["state"]), msgid)
    assert _rows() == before


@pytest.mark.parametrize(
    "change",
    [
        {"https://purl.imsglobal.org/spec/lti/claim/resource_link": "not-an-object"},
        {"https://purl.imsglobal.org/spec/lti/claim/roles": 7},
        {"https://purl.imsglobal.org/spec/lti/claim/context": ["x"]},
        {"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {"scope": 3, "lineitem": 4}},
        {CUSTOM: "page_id=1"},
    ],
    ids=["resource-link", "roles", "context", "ags", "custom"],
)
def test_claims_of_the_wrong_shape_are_refused_or_ignored_never_a_500(platform, registration, client, change):
    params = platform.initiate(client)
    body = platform.claims(sub="x", nonce=params["nonce"])
    body.update(change)
    response = platform.launch(client, id_token=platform.sign(body), state=params["state"])
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert not LtiAccount.objects.exists()


def test_a_launch_without_the_state_cookie_is_refused(platform, registration, client):
    params = platform.initiate(client)
    token = platform.sign(platform.claims(sub="x", nonce=params["nonce"]))
    for name in [n for n in client.cookies if n.startswith("lti1p3-state-")]:
        del client.cookies[name]
    _refused_with(
        platform.launch(client, id_token=token, state=params["state"]),
        "This launch has expired or was already used. Open the activity again from your course.",
    )
    assert not LtiAccount.objects.exists()


def test_login_initiation_for_an_unknown_issuer_is_refused(registration, client):
    response = client.get(
        "/lti/login/",
        {"iss": "https://evil.example", "login_hint": "x", "target_link_uri": "https://testserver/lti/launch/"},
        secure=True,
    )
    _refused_with(response, "This platform is not registered with Kỹ Năng Số.")


def test_the_jwks_publishes_the_tool_key_and_no_private_part(client):
    keys = client.get("/lti/jwks/").json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["use"] == "sig"
    assert "d" not in keys[0] and "p" not in keys[0]
    assert keys[0]["kid"] == jwk.JWK(**keys[0]).thumbprint()


def test_old_tickets_are_forgotten(platform, registration, client):
    _launch(platform, client)
    _launch(platform, client)
    LtiEntryTicket.objects.filter(pk=LtiEntryTicket.objects.order_by("pk").first().pk).update(
        expires_at="2000-01-01T00:00Z"
    )
    assert tasks.entry_tickets_forget.apply().get() == 1
    assert LtiEntryTicket.objects.count() == 1
