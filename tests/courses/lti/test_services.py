"""Deep Linking 2.0, NRPS 2.0 and AGS 2.0 against the scripted platform; what the tool signs checked with jwcrypto."""

import json
import re
from html import unescape

import pytest
from jwcrypto import jwk, jwt
from lti_tool.models import LtiContext, LtiUser

from accounts.models import User
from accounts.personal_data import personal_data_erase, personal_data_export
from courses.learning.services import lesson_complete
from courses.lti import services, tasks
from courses.lti.models import LtiAccount, LtiScore
from courses.lti.selectors import context_members
from tests.accounts.factories import UserFactory

from .platform import MEMBERSHIP, NRPS_SCOPE, SCORE_SCOPE
from .test_launch import CUSTOM, _launch

pytestmark = pytest.mark.django_db

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


def _deep_linking_claims(platform, multiple=True):
    return {
        DL + "deep_linking_settings": {
            "deep_link_return_url": platform.base + "/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": multiple,
            "data": "opaque-platform-data",
        }
    }


def _tool_keyset(client):
    return jwk.JWKSet.from_json(json.dumps(client.get("/lti/jwks/").json()))


def test_deep_linking_returns_a_response_signed_by_the_tool_key(platform, registration, course, client):
    lesson = course.lessons().first()
    response, _params, _body = _launch(
        platform,
        client,
        sub="teacher-1",
        roles=("Instructor",),
        message_type="LtiDeepLinkingRequest",
        claims=_deep_linking_claims(platform),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert course.title in page and lesson.title in page and 'type="checkbox"' in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)

    returned = client.post("/lti/deep-link/", {"token": token, "page": [course.pk, lesson.pk]}, secure=True)
    assert returned.status_code == 200
    html = returned.content.decode()
    assert f'action="{platform.base}/deep-link-return"' in html
    assert "<script>" not in html and "lti-return.js" in html  # no inline script; a button works without it
    assert f"form-action 'self' {platform.base}" in returned["Content-Security-Policy"]
    response_jwt = unescape(re.search(r'name="JWT" value="([^"]+)"', html).group(1))

    # The platform's check: the tool's signature, against the tool's JWKS URL (jwcrypto, not our code).
    verified = jwt.JWT(jwt=response_jwt, key=_tool_keyset(client), algs=["RS256"])
    header, claims = json.loads(verified.header), json.loads(verified.claims)
    assert header["alg"] == "RS256" and header["kid"] == client.get("/lti/jwks/").json()["keys"][0]["kid"]
    assert claims["iss"] == platform.client_id and claims["aud"] in (platform.issuer, [platform.issuer])
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert claims["https://purl.imsglobal.org/spec/lti/claim/version"] == "1.3.0"
    assert claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == platform.deployment_id
    assert claims[DL + "data"] == "opaque-platform-data"
    assert claims["exp"] > claims["iat"] and claims["nonce"]
    items = claims[DL + "content_items"]
    assert [item["type"] for item in items] == ["ltiResourceLink", "ltiResourceLink"]
    assert [item["custom"]["page_id"] for item in items] == [str(course.pk), str(lesson.pk)]
    assert all(item["url"] == "https://testserver/lti/launch/" for item in items)
    assert items[0]["lineItem"]["scoreMaximum"] == 100 and "lineItem" not in items[1]

    # The token worked once; the link it made launches the lesson.
    assert client.post("/lti/deep-link/", {"token": token, "page": [course.pk]}, secure=True).status_code == 400
    launched, _params, _body = _launch(platform, client, dest="document", claims={CUSTOM: items[1]["custom"]})
    assert client.get(launched["Location"])["Location"] == lesson.url


def test_deep_linking_by_a_learner_or_with_a_bad_choice_is_refused(platform, registration, course, client):
    refused, _params, _body = _launch(
        platform, client, message_type="LtiDeepLinkingRequest", claims=_deep_linking_claims(platform)
    )
    assert refused.status_code == 400 and not LtiAccount.objects.exists()
    response, _params, _body = _launch(
        platform,
        client,
        sub="teacher-1",
        roles=("Instructor",),
        message_type="LtiDeepLinkingRequest",
        claims=_deep_linking_claims(platform, multiple=False),
    )
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
    lesson = course.lessons().first()
    assert client.post("/lti/deep-link/", {"token": token, "page": [course.pk, lesson.pk]}).status_code == 400
    assert client.post("/lti/deep-link/", {"token": token, "page": ["99999999"]}).status_code == 400
    assert client.post("/lti/deep-link/", {"token": "forged", "page": [course.pk]}).status_code == 400


def _assertion_checked(platform, client):
    """Every service call used a client_credentials assertion signed with the tool's key (platform-side check)."""
    kid = client.get("/lti/jwks/").json()["keys"][0]["kid"]
    assert platform.assertions and all(a["header"]["kid"] == kid for a in platform.assertions)


def test_names_and_roles_fetches_the_context_members_with_the_service_token(
    platform, registration, course, client, django_capture_on_commit_callbacks
):
    platform.members = [
        {"user_id": "teacher-1", "name": "Cô Giáo", "roles": [MEMBERSHIP + "Instructor"], "status": "Active"},
        {"user_id": "moodle-user-7", "name": "Học Viên", "roles": [MEMBERSHIP + "Learner"]},
        {"user_id": "never-launched", "name": "Chưa Vào", "roles": ["Learner"], "status": "Inactive"},
    ]
    nrps = {NRPS_CLAIM: {"context_memberships_url": platform.memberships_url, "service_versions": ["2.0"]}}
    _launch(platform, client, claims={CUSTOM: {"page_id": str(course.pk)}, **nrps})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _launch(platform, client, sub="teacher-1", roles=("Instructor",), claims=nrps)
    assert callbacks  # the instructor's launch queued the members' sync
    context = LtiContext.objects.get(id_on_platform=platform.context_id)

    assert tasks.context_members_sync.apply(args=[context.pk]).get() == 3
    _assertion_checked(platform, client)
    assert NRPS_SCOPE in next(iter(platform.tokens.values()))
    assert platform.nrps_requests[-1]["Accept"] == "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
    rows = {row.subject: row for row in services_rows(context)}
    assert rows["moodle-user-7"].person_id is not None and rows["moodle-user-7"].courses_open == 1
    assert rows["never-launched"].person_id is None and not rows["never-launched"].active
    assert rows["teacher-1"].roles == ["Instructor"]

    # The training office sees them in the admin; a citizen does not.
    office = UserFactory(training_admin=True)
    client.force_login(office)
    page = client.get(f"/admin/lti/courses/{context.pk}/members/")
    assert page.status_code == 200 and "Chưa Vào" in page.content.decode()
    client.force_login(UserFactory())
    assert client.get(f"/admin/lti/courses/{context.pk}/members/").status_code in (302, 403)


def services_rows(context):
    return context_members(context=context)


def _ags(platform):
    return {
        AGS_CLAIM: {
            "scope": [SCORE_SCOPE, "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"],
            "lineitems": platform.base + f"/ags/{platform.context_id}/lineitems",
            "lineitem": platform.lineitem_url,
        }
    }


def test_a_completed_course_posts_its_score_once_even_if_the_task_runs_twice(
    platform, registration, course, client, django_capture_on_commit_callbacks
):
    _launch(platform, client, claims={CUSTOM: {"page_id": str(course.pk)}, **_ags(platform)})
    user = User.objects.get(lti_accounts__subject="moodle-user-7")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for lesson in course.lessons():
            lesson_complete(user=user, lesson=lesson)
    score = LtiScore.objects.get()
    assert callbacks and score.sent_at is None

    assert tasks.score_send.apply(args=[score.pk]).get() is True
    assert tasks.score_send.apply(args=[score.pk]).get() is False  # twice: still one score on the platform
    assert len(platform.scores) == 1
    path, posted, content_type = platform.scores[0]
    assert path == "/ags/course-42/lineitems/7/lineitem/scores"
    assert content_type == "application/vnd.ims.lis.v1.score+json"
    assert posted["userId"] == "moodle-user-7"
    assert posted["scoreGiven"] == 100 and posted["scoreMaximum"] == 100
    assert posted["activityProgress"] == "Completed" and posted["gradingProgress"] == "FullyGraded"
    assert posted["timestamp"].startswith(str(score.completed_at.year))
    _assertion_checked(platform, client)
    # The completion again (another run of the announcement) makes no second fact.
    assert services.scores_record(enrolment=score.enrolment) == [score.pk]
    assert LtiScore.objects.count() == 1


def test_a_refused_score_is_kept_and_sent_on_a_later_try(platform, registration, course, client):
    _launch(platform, client, claims={CUSTOM: {"page_id": str(course.pk)}, **_ags(platform)})
    user = User.objects.get(lti_accounts__subject="moodle-user-7")
    for lesson in course.lessons():
        lesson_complete(user=user, lesson=lesson)
    score = LtiScore.objects.get()
    platform.score_failures = 1
    with pytest.raises(services.ScoreNotSent):
        services.score_send(score_id=score.pk)
    score.refresh_from_db()
    assert score.sent_at is None and score.attempts == 1 and "503" in score.last_error
    assert services.score_send(score_id=score.pk) is True
    assert len(platform.scores) == 1


def test_a_launch_without_a_line_item_posts_nothing(platform, registration, course, client):
    _launch(platform, client, claims={CUSTOM: {"page_id": str(course.pk)}})
    user = User.objects.get(lti_accounts__subject="moodle-user-7")
    for lesson in course.lessons():
        lesson_complete(user=user, lesson=lesson)
    assert not LtiScore.objects.exists()


def test_personal_data_export_and_erasure(platform, registration, course, client):
    _launch(platform, client, claims={CUSTOM: {"page_id": str(course.pk)}, **_ags(platform)})
    user = User.objects.get(lti_accounts__subject="moodle-user-7")
    for lesson in course.lessons():
        lesson_complete(user=user, lesson=lesson)
    services.score_send(score_id=LtiScore.objects.get().pk)
    exported = personal_data_export(user)
    assert exported["lti_accounts"][0]["subject"] == "moodle-user-7"
    assert exported["lti_scores"][0]["score_given"] == 100 and exported["lti_scores"][0]["sent_at"]
    assert exported["lti_platform_profiles"][0]["name"] == "Trần Thị Học Viên"

    personal_data_erase(user)
    assert not LtiAccount.objects.exists() and not LtiScore.objects.exists()
    assert not LtiUser.objects.filter(sub="moodle-user-7").exists()
