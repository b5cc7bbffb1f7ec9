"""The personal API through a real server: answers read over HTTP are checked against the published
schema's components with ``jsonschema`` (Draft 2020-12, the dialect of OpenAPI 3.1), and hostile query
values and ids drawn by Hypothesis never get a 5xx nor an answer outside the schema."""

import json
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from tests.support.fuzz import CORE, HOSTILE

from .support import SCHEMA_URL, SchemaChecked, learner_make, token_for

BASE = "/api/me/v1"


def _fetch(url, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (the test's own http:// server)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (the test's own server)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _validator(schema, component):
    registry = Registry().with_resource(
        "urn:api", Resource.from_contents({**schema, "$schema": "https://json-schema.org/draft/2020-12/schema"})
    )
    return Draft202012Validator({"$ref": f"urn:api#/components/schemas/{component}"}, registry=registry)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_live_server_answers_as_its_published_schema_says(live_server, home_page):
    mine = learner_make(home_page, code="LIVE-A")
    token = token_for(mine["person"])
    status, _headers, body = _fetch(live_server.url + SCHEMA_URL)
    assert status == 200
    schema = json.loads(body)
    Draft202012Validator.check_schema({"$ref": "#/components/schemas/ProfileOut", **schema})
    for path, component in [
        ("profile", "ProfileOut"),
        ("enrolments", "EnrolmentList"),
        (f"enrolments/{mine['enrolment'].pk}", "EnrolmentDetailOut"),
        ("lesson-completions", "LessonCompletionList"),
        ("quiz-attempts", "QuizSummaryList"),
        ("training-assignments", "AssignmentList"),
        ("certificates", "CertificateList"),
        (f"certificates/{mine['certificate'].pk}", "CertificateOut"),
    ]:
        status, headers, body = _fetch(f"{live_server.url}{BASE}/{path}", token)
        assert status == 200, (path, body)
        assert headers["Content-Type"].startswith("application/json")
        errors = list(_validator(schema, component).iter_errors(json.loads(body)))
        assert not errors, (path, errors)
    for path, token_sent, code in [
        ("profile", None, 401),
        ("enrolments?limit=0", token, 400),
        ("enrolments/987654", token, 404),
    ]:
        status, _headers, body = _fetch(f"{live_server.url}{BASE}/{path}", token_sent)
        assert status == code
        assert not list(_validator(schema, "ErrorOut").iter_errors(json.loads(body)))


PATHS = ["enrolments", "lesson-completions", "quiz-attempts", "training-assignments", "certificates", "profile"]
KEYS = ["limit", "offset", "course", "since", "completed", "current"]


@pytest.mark.django_db
def test_hostile_queries_and_ids_get_an_answer_the_schema_describes(home_page):
    """Every endpoint, every key it reads, the fuzzer's hostile values: a 200, 400 or 404 the schema
    describes, never a 5xx."""
    mine = learner_make(home_page, code="FUZZ-A")
    token = token_for(mine["person"])
    api = SchemaChecked()

    @settings(max_examples=60, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(
        path=st.sampled_from([*PATHS, "enrolments/{}", "certificates/{}", "training-assignments/{}"]),
        key=st.sampled_from(KEYS),
        value=st.sampled_from(CORE + HOSTILE) | st.text(max_size=40),
        segment=st.sampled_from(["0", "-1", "99999999999999999999", "1e3", "²", str(mine["enrolment"].pk)]),
    )
    def check(path, key, value, segment):
        address = f"{BASE}/{path.format(quote(segment, safe=''))}?{quote(key)}={quote(value, safe='')}"
        response = api.get(address, token, check_request=False)
        assert response.status_code in (200, 400, 404), (address, response.status_code, response.content[:300])

    check()
    assert api.checked >= 60
