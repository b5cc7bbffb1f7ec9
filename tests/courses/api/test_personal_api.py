"""The personal API (/api/me/v1/): every answer checked against its own published OpenAPI schema by an
independent validator (openapi-core), every object scoped to its owner, every bad input a clear error."""

import datetime
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.tokens.models import PersonalAccessToken
from accounts.tokens.services import TokenRefused, token_revoke
from courses.certificates.services import certificate_revoke
from courses.models import Certificate, Enrolment
from tests.courses.factories import course_create

from .support import ALL_SCOPES, SchemaChecked, bearer, learner_make, token_for

pytestmark = pytest.mark.django_db

BASE = "/api/me/v1"


@pytest.fixture
def world(home_page):
    mine = learner_make(home_page, code="API-A")
    theirs = learner_make(home_page, code="API-B", course=mine["course"], training_course=mine["training_course"])
    return {"mine": mine, "theirs": theirs, "token": token_for(mine["person"])}


@pytest.fixture
def api():
    return SchemaChecked()


def _json(response):
    return json.loads(response.content)


def test_the_published_schema_is_valid_openapi_and_names_every_scope(api):
    schema = api.schema
    assert schema["openapi"].startswith("3.1")
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    scopes = {
        scope
        for path in schema["paths"].values()
        for operation in path.values()
        for requirement in operation["security"]
        for scope in requirement["TokenAuth"]
    }
    assert scopes == set(ALL_SCOPES)
    # Read-only: GET only.
    assert {method for path in schema["paths"].values() for method in path} == {"get"}
    # No docs page loading Swagger from a CDN.
    assert Client().get(f"{BASE}/docs").status_code == 404


def test_every_endpoint_answers_the_owner_as_the_schema_says(api, world):
    token, mine = world["token"], world["mine"]
    profile = _json(api.get(f"{BASE}/profile", token))
    assert profile["full_name"] == mine["person"].full_name
    assert profile["courses_completed"] == 1 and profile["certificates_valid"] == 1 and profile["training_open"] == 1
    listing = _json(api.get(f"{BASE}/enrolments", token))
    assert listing["count"] == 1
    [item] = listing["items"]
    assert item["id"] == mine["enrolment"].pk and item["percent"] == 100 and item["lessons_done"] == 1
    assert item["certificate_id"] == mine["certificate"].pk
    detail = _json(api.get(f"{BASE}/enrolments/{mine['enrolment'].pk}", token))
    assert [lesson["done"] for lesson in detail["lessons"]] == [True]
    assert detail["course"]["url"].endswith(mine["course"].url)
    completions = _json(api.get(f"{BASE}/lesson-completions?course={mine['course'].pk}&limit=10", token))
    assert completions["count"] == 1
    quizzes = _json(api.get(f"{BASE}/quiz-attempts", token))["items"]
    assert quizzes[0]["attempts"] == 1 and quizzes[0]["best_score"] == 100 and quizzes[0]["passed"] is True
    assert "answers" not in quizzes[0]
    [assignment] = _json(api.get(f"{BASE}/training-assignments", token))["items"]
    assert assignment["id"] == mine["assignment"].pk and assignment["state"] == "not_started"
    assert assignment["due_on"] == mine["assignment"].due_on.isoformat()
    assert _json(api.get(f"{BASE}/training-assignments/{mine['assignment'].pk}", token))["cycle"] == 1
    [certificate] = _json(api.get(f"{BASE}/certificates", token))["items"]
    assert certificate["code"] == mine["certificate"].code and certificate["status"] == "valid"
    assert certificate["verification_url"].endswith(f"/certificates/{mine['certificate'].code}/")
    single = _json(api.get(f"{BASE}/certificates/{mine['certificate'].pk}", token))
    assert single == certificate
    pdf = api.get(certificate["pdf_url"].split("://", 1)[1].partition("/")[2].join(["/", ""]), token)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert api.checked == 10


def test_nothing_of_anyone_else_is_shown(api, world):
    token, theirs = world["token"], world["theirs"]
    listing = _json(api.get(f"{BASE}/enrolments", token))
    assert [item["id"] for item in listing["items"]] == [world["mine"]["enrolment"].pk]
    assert theirs["person"].full_name not in json.dumps(
        [_json(api.get(f"{BASE}/{name}", token)) for name in ("profile", "certificates", "training-assignments")]
    )


@pytest.mark.parametrize(
    "path",
    [
        "enrolments/{enrolment}",
        "training-assignments/{assignment}",
        "certificates/{certificate}",
        "certificates/{certificate}/pdf",
    ],
)
def test_another_persons_id_is_404_like_an_id_that_does_not_exist(api, world, path):
    """Changing the id in the address: 404, the same answer as for no such id (never 403), nothing written."""
    theirs = world["theirs"]
    ids = {
        "enrolment": theirs["enrolment"].pk,
        "assignment": theirs["assignment"].pk,
        "certificate": theirs["certificate"].pk,
    }
    api.get(f"{BASE}/profile", world["token"])  # "last used" noted now, so the requests below write nothing
    writes = []

    def spy(execute, sql, params, many, context):
        if sql.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        other = api.get(f"{BASE}/" + path.format(**ids), world["token"])
        missing = api.get(f"{BASE}/" + path.format(**dict.fromkeys(ids, 987654)), world["token"])
        huge = api.get(f"{BASE}/" + path.format(**dict.fromkeys(ids, "9" * 20)), world["token"])
    assert other.status_code == missing.status_code == huge.status_code == 404
    assert _json(other) == _json(missing) == _json(huge)
    assert _json(other)["error"]["code"] == "not_found"
    assert writes == []


@pytest.mark.parametrize(
    "query",
    [
        "enrolments?limit=0",
        "enrolments?limit=101",
        "enrolments?limit=abc",
        "enrolments?offset=-1",
        "enrolments?offset=1e309",
        "enrolments?completed=peut-etre",
        "lesson-completions?since=31/02/2026",
        "lesson-completions?course=%00",
        "lesson-completions?course=" + "9" * 30,
        "quiz-attempts?course=²",
        "training-assignments?current=%F0%9F%98%80",
    ],
)
def test_bad_query_values_are_a_clear_translated_400(api, world, query):
    response = api.get(f"{BASE}/{query}", world["token"])
    assert response.status_code == 400
    error = _json(response)["error"]
    assert error["code"] == "invalid_request" and error["fields"]
    names = [field["name"] for field in error["fields"]]
    with translation.override("vi"):
        assert error["message"] == gettext("These values are not valid: %(names)s.") % {"names": ", ".join(names)}
    assert query.split("?")[1].split("=")[0] in names


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "missing"),
        ("", "missing"),
        ("Basic dXNlcjpwYXNz", "malformed"),
        ("Bearer", "malformed"),
        ("Bearer a b", "malformed"),
        ("Bearer kns_short", "invalid"),
        ("Bearer kns_" + "x" * 43, "invalid"),
        ("Bearer \u202ekns_" + "x" * 42, "invalid"),
    ],
)
def test_a_missing_or_malformed_authorization_header_is_401_with_a_reason(api, world, header, code):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = api.get(f"{BASE}/profile", check_request=False, **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer realm="api"')
    error = _json(response)["error"]
    assert error["code"] == code
    with translation.override("vi"):
        assert error["message"] == str(TokenRefused.MESSAGES[code])


def test_revoked_expired_and_inactive_tokens_are_refused(api, world):
    person = world["mine"]["person"]
    revoked = token_for(person)
    token_revoke(token=PersonalAccessToken.objects.order_by("-pk").first())
    assert _json(api.get(f"{BASE}/profile", revoked))["error"]["code"] == "revoked"
    expired = token_for(person, days=7)
    past = timezone.now() - datetime.timedelta(days=8)
    PersonalAccessToken.objects.filter(pk=PersonalAccessToken.objects.order_by("-pk").first().pk).update(
        created_at=past, expires_at=past + datetime.timedelta(days=7)
    )
    response = api.get(f"{BASE}/profile", expired)
    assert response.status_code == 401 and _json(response)["error"]["code"] == "expired"
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert _json(api.get(f"{BASE}/profile", world["token"]))["error"]["code"] == "invalid"


def test_a_token_reads_only_what_its_scopes_allow(api, world):
    token = token_for(world["mine"]["person"], scopes=["certificates:read"])
    assert api.get(f"{BASE}/certificates", token).status_code == 200
    response = api.get(f"{BASE}/enrolments", token, check_request=False)
    assert response.status_code == 403
    assert _json(response)["error"]["code"] == "insufficient_scope"
    assert 'scope="progress:read"' in response["WWW-Authenticate"]
    # The refusal says nothing about what exists.
    assert world["mine"]["course"].title not in response.content.decode()


def test_last_used_is_noted_at_most_once_a_minute(api, world):
    token = PersonalAccessToken.objects.get(user=world["mine"]["person"])
    assert token.last_used_at is None
    api.get(f"{BASE}/profile", world["token"])
    first = PersonalAccessToken.objects.get(pk=token.pk).last_used_at
    api.get(f"{BASE}/profile", world["token"])
    assert first is not None and PersonalAccessToken.objects.get(pk=token.pk).last_used_at == first


def test_each_token_is_rate_limited_with_retry_after(api, world, settings):
    settings.API_PERSONAL_RATE_LIMIT_TOKEN = 3
    for _ in range(3):
        assert api.get(f"{BASE}/profile", world["token"]).status_code == 200
    response = api.get(f"{BASE}/profile", world["token"], check_request=False)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= settings.API_RATE_WINDOW
    error = _json(response)["error"]
    assert error["code"] == "rate_limited"
    with translation.override("vi"):
        expected = gettext("Too many requests. Wait %(seconds)d seconds and try again.")
    assert error["message"] == expected % {"seconds": int(response["Retry-After"])}
    # Another token of the same person has its own count.
    assert api.get(f"{BASE}/profile", token_for(world["mine"]["person"])).status_code == 200


def test_each_client_address_is_rate_limited_behind_the_trusted_proxy(api, world, settings):
    """Behind nginx every request comes from 127.0.0.1: the limit is per client that the proxy names,
    for every request, signed or not (guessing tokens is limited too)."""
    settings.API_PERSONAL_RATE_LIMIT_ADDRESS = 2
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    one = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    other = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.9"}
    assert api.get(f"{BASE}/profile", check_request=False, **one).status_code == 401
    assert api.get(f"{BASE}/profile", world["token"], **one).status_code == 200
    assert api.get(f"{BASE}/profile", world["token"], check_request=False, **one).status_code == 429
    assert api.get(f"{BASE}/profile", world["token"], **other).status_code == 200


def test_answers_are_never_cached(api, world):
    response = api.get(f"{BASE}/profile", world["token"])
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "no-store" in api.get(f"{BASE}/profile", check_request=False)["Cache-Control"]


def test_a_revoked_certificate_shows_as_revoked_and_has_no_pdf(api, world):
    certificate = world["mine"]["certificate"]
    certificate_revoke(certificate=certificate, by=None, reason="Sai sót")
    assert _json(api.get(f"{BASE}/certificates/{certificate.pk}", world["token"]))["status"] == "revoked"
    assert api.get(f"{BASE}/certificates/{certificate.pk}/pdf", world["token"]).status_code == 404
    assert Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=False).exists()


def test_an_archived_run_and_an_unpublished_course_still_show(api, world):
    enrolment = world["mine"]["enrolment"]
    Enrolment.objects.filter(pk=enrolment.pk).update(archived_at=timezone.now())
    world["mine"]["course"].unpublish()
    [item] = _json(api.get(f"{BASE}/enrolments", world["token"]))["items"]
    assert item["archived"] is True and item["course"]["url"] is None


def test_an_id_that_is_not_a_number_is_a_400(api, world):
    response = api.get(f"{BASE}/enrolments/abc", world["token"], check_request=False)
    assert response.status_code == 400 and _json(response)["error"]["fields"][0]["name"] == "enrolment_id"


def test_unknown_addresses_under_the_api_are_json_404(world):
    for path in (f"{BASE}/nothing", "/api/me/v2/profile", "/api/v1/pages/", "/api/", "/api"):
        response = Client().get(path, **bearer(world["token"]))
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
        assert _json(response)["error"]["code"] == "not_found"


def test_a_list_costs_the_same_queries_however_many_courses(api, world, home_page):
    """Enrolments with their progress: a fixed number of queries (token, count, page, lessons, completions)."""
    token, person = world["token"], world["mine"]["person"]
    api.get(f"{BASE}/enrolments", token)  # "last used" written once
    with CaptureQueriesContext(connection) as one:
        api.get(f"{BASE}/enrolments", token)
    for number in range(3):
        course = course_create(home_page, title=f"Khóa thêm {number}", lessons=[("A", []), ("B", [])])
        Enrolment.objects.create(user=person, course=course)
    with CaptureQueriesContext(connection) as four:
        assert _json(api.get(f"{BASE}/enrolments", token))["count"] == 4
    assert len(four) == len(one)
