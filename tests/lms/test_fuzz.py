"""Every URL pattern, every GET key it reads and every form field, as every role, with hostile
values: no response is a 5xx, and a refused request writes nothing (docs/testing.md).

The routes come from the resolver, so a new view is fuzzed without touching this file; path
values come from a seeded world (``seed_demo`` plus a certificate, a roster import, a campaign
message with its tracked links, an extension request, a password-reset link) and from the links
the pages show. Hypothesis draws the mixes, seeded (``derandomize``) and with no example
database; every request runs in a savepoint rolled back afterwards, so each is judged on the
same world.
"""

import datetime

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from wagtail.models import Page
from wagtail.users.models import UserProfile

from accounts import roles
from accounts.models import User
from accounts.roster.reading import roster_sample_csv
from accounts.roster.services import roster_import_create
from accounts.tokens.models import PersonalAccessToken
from accounts.tokens.services import token_create
from core.exports import EXPORT_FORMATS
from courses.certificates.services import certificate_issue
from courses.learning import pages, progress
from courses.models import (
    Assignment,
    Certificate,
    CoursePage,
    Enrolment,
    ExtensionRequest,
    LessonPage,
    PublicService,
    TutorialIndexPage,
    TutorialPage,
)
from courses.training.services import extension_request_create
from insights.roles import LEADER
from insights.selectors import EXPORT_TABLES
from outreach.campaigns.links import link_token, unsubscribe_token
from outreach.models import CampaignMessage, CampaignPage, Delivery, Statement
from outreach.xapi import statements as xapi_statements
from tests.outreach.factories import message_create, segment_create
from tests.support.fuzz import CORE, route_of, routes_fuzzed
from tests.support.fuzz_run import Fuzzer, Visit

pytestmark = [pytest.mark.django_db]

ROLE_GROUPS = {
    "civil_servant": roles.CIVIL_SERVANT,
    "officer": roles.COMMUNICATIONS_STAFF,
    "lead": roles.COMMUNICATIONS_LEAD,
    "training_admin": roles.TRAINING_ADMINISTRATOR,
    "unit_manager": roles.UNIT_MANAGER,
    "leader": LEADER,
    "helper": roles.HELPER,
}


def world_seed() -> dict:
    """The demo site and people, and one of every record a URL names; returns the role users."""
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    people = {"anonymous": None, "citizen": User.objects.get(phone="0912345678")}
    for role, group in ROLE_GROUPS.items():
        people[role] = User.objects.filter(groups__name=group).order_by("pk").first()
    people["superuser"] = User.objects.filter(is_superuser=True).order_by("pk").first()
    citizen = people["citizen"]
    course = CoursePage.objects.live().order_by("pk").first()
    enrolment, _ = Enrolment.objects.get_or_create(user=citizen, course=course)
    Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=timezone.now())
    certificate_issue(enrolment=Enrolment.objects.get(pk=enrolment.pk))
    roster_import_create(
        user=people["training_admin"], file_name="roster.csv", content=roster_sample_csv().encode(), full_roster=False
    )
    campaign = CampaignPage.objects.live().order_by("pk").first()
    message_create(campaign, segment_create(name="Mọi người (fuzz)"))
    servant = people["civil_servant"]
    assignment = Assignment.objects.filter(user=servant, is_current=True, status="open").order_by("pk").first()
    if assignment is not None:
        extension_request_create(
            user=servant,
            assignment=assignment,
            requested_due_on=assignment.due_on + datetime.timedelta(days=10),
            reason="Nghỉ phép",
        )
    Delivery.objects.filter(channel="in_app").update(status="sent", sent_at=timezone.now())
    # One failed xAPI statement (the LRS is off in the tests' settings): its page and its "Resend".
    built = xapi_statements.build(
        fact="fuzz", user_id=citizen.pk, verb="completed", activity=xapi_statements.Activity(course.full_url, "course"),
        at=timezone.now(),
    )  # fmt: skip
    Statement.objects.create(
        statement_id=built.statement_id, learner=citizen, verb=built.verb, activity=built.activity,
        payload=built.payload, status="failed", last_error="HTTP 400",
    )  # fmt: skip
    # A personal access token (its revoke form on /account/tokens/, docs/api.md).
    token_create(user=citizen, name="Cổng tỉnh", scopes=["profile:read", "certificates:read"], days=30)
    for user in people.values():
        if user is not None:
            UserProfile.get_for_user(user)  # Wagtail makes it on a staff member's first admin page
    return people


def seeds(routes) -> dict[str, list[str]]:
    """Concrete URLs of every route: real ids from the world; the pages' own links add more."""
    citizen = User.objects.get(phone="0912345678")
    message = CampaignMessage.objects.order_by("pk").first()
    certificate = citizen.enrolments.exclude(certificate=None).first().certificate
    campaign = CampaignPage.objects.live().order_by("pk").first()
    by_kwarg = {
        "course_id": CoursePage.objects.live(),
        "lesson_id": LessonPage.objects.live(),
        "tutorial_id": TutorialPage.objects.live(),
        "campaign_id": CampaignPage.objects.live(),
        "assignment_id": Assignment.objects.filter(is_current=True),
        "request_id": ExtensionRequest.objects.all(),
        "delivery_id": Delivery.objects.filter(channel="in_app"),
        # The personal API's ids (/api/me/v1/) and the tokens' page.
        "enrolment_id": Enrolment.objects.all(),
        "certificate_id": Certificate.objects.all(),
        "token_id": PersonalAccessToken.objects.all(),
    }
    special = {
        ("r/", "token"): [link_token(message_id=message.pk, user_id=citizen.pk, link="p")],
        ("unsubscribe/", "token"): [unsubscribe_token(message_id=message.pk, user_id=citizen.pk)],
        ("certificates/", "code"): [certificate.code],
        ("c/", "code"): [campaign.short_code],
        ("account/password-reset/", "uidb64"): [urlsafe_base64_encode(force_bytes(citizen.pk))],
        ("account/password-reset/", "token"): [default_token_generator.make_token(citizen)],
        ("admin/feedback/", "page_id"): [str(TutorialPage.objects.live().first().pk)],
        ("learn/feedback/", "page_id"): [str(TutorialPage.objects.live().first().pk)],
        ("admin/campaigns/", "page_id"): [str(campaign.pk)],
        # An LTI platform's registration (its OIDC login address): none in the demo, an unknown one refused.
        ("lti/login/", "registration_uuid"): ["00000000-0000-4000-8000-000000000000"],
    }
    plain = {"fmt": list(EXPORT_FORMATS), "table": list(EXPORT_TABLES)}
    found: dict[str, list[str]] = {}
    for route in routes:
        if route.regex:
            # Wagtail's documents: the groups of its regex filled with an id and a name.
            found[route.route] = [
                "/"
                + route.route.strip("^$").replace("^", "").replace("$", "").replace(r"(\d+)", "1").replace("(.*)", "x")
            ]
            continue
        values: dict[str, list[str]] = {}
        for _kind, name in route.converters:
            known = next(
                (v for (prefix, kw), v in special.items() if kw == name and route.route.startswith(prefix)), None
            )
            if known is None and name in plain:
                known = plain[name]
            if known is None and name in by_kwarg:
                known = [str(pk) for pk in by_kwarg[name].order_by("pk").values_list("pk", flat=True)[:2]]
            if known is None and route.model is not None:
                known = [str(pk) for pk in route.model._default_manager.order_by("pk").values_list("pk", flat=True)[:2]]
            values[name] = known or ["1"]
        combos = [{}]
        for name, options in values.items():
            combos = [{**c, name: v} for c in combos for v in options[:2]]
        found[route.route] = [route.fill(c) for c in combos[:2]]
    serve = next(route for route in routes if route.name == "wagtail_serve")
    found[serve.route] = [page.url for page in Page.objects.live().specific().order_by("path") if page.url]
    return found


ROLES = [
    "anonymous",
    "citizen",
    "civil_servant",
    "officer",
    "lead",
    "training_admin",
    "unit_manager",
    "leader",
    "helper",
    "superuser",
]


@pytest.fixture(scope="module")
def fuzzer(django_db_setup, django_db_blocker):
    """The world, seeded once for the module in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        people = world_seed()
        routes, _skipped = routes_fuzzed()
        page_types = {}
        for page in Page.objects.live().specific().order_by("-path"):
            page_types[type(page).__name__] = page.url
        yield Fuzzer(routes, people, seeds(routes), page_types)
        transaction.set_rollback(True)


def test_every_route_has_a_concrete_url_to_fuzz(fuzzer):
    """Each pattern the resolver knows (but Wagtail's own admin and the regex ones) gets a URL that
    resolves back to it: a new view is fuzzed without this file naming it."""
    missing = [
        route.route
        for route in fuzzer.routes.values()
        if route.name != "wagtail_serve"
        and not any(route_of(url, fuzzer.routes) is route for url in fuzzer.seeds.get(route.route, []))
    ]
    assert not missing


def test_the_fuzzer_finds_the_issues_example(fuzzer, db, monkeypatch):
    """/huong-dan/?service=² was a 500 while the tutorials' filter parsed it with int(): put that back
    and the fuzzer must report it (a fuzzer that cannot fail is a defect)."""
    monkeypatch.setattr(progress, "id_param", lambda raw: int(raw) if raw else None)
    index = TutorialIndexPage.objects.live().get().url
    response, keys = fuzzer.send("anonymous", "get", index)
    assert response.status_code == 200 and "service" in keys
    fuzzer.failures = []
    visit = Visit("anonymous", index, route_of(index, fuzzer.routes), 200, frozenset(keys), [], "TutorialIndexPage")
    fuzzer.query_every_value(visit, sorted(keys), CORE)
    assert any("ValueError" in failure.problem for failure in fuzzer.failures), fuzzer.failures
    fuzzer.failures = []


def test_the_fuzzer_finds_a_write_on_refusal(fuzzer, db, monkeypatch):
    """A view that writes, then answers 404: the fuzzer must report the write."""

    def writes_then_refuses(**kwargs):
        PublicService.objects.create(name="x", agency="x", official_url="https://x.vn")
        raise Http404

    monkeypatch.setattr(pages, "tutorials_filter", writes_then_refuses)
    fuzzer.failures = []
    response, _keys = fuzzer.send("anonymous", "get", TutorialIndexPage.objects.live().get().url)
    assert response.status_code == 404
    [failure] = fuzzer.failures
    assert failure.problem.startswith("404 refused but wrote") and "courses_publicservice" in failure.problem
    assert not PublicService.objects.filter(name="x").exists()  # and the savepoint rolled it back
    fuzzer.failures = []


@pytest.mark.parametrize("role", ROLES)
def test_every_url_query_and_form_as(role, fuzzer, db):
    failures = fuzzer.role_fuzz(role, query_examples=2, form_examples=3)
    print(role, fuzzer.requests, {k: round(v, 1) for k, v in fuzzer.seconds.items() if k.endswith(role)})
    assert not failures, "\n".join(str(f) for f in failures)
