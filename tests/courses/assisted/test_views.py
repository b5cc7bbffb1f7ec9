"""The helper's and the citizen's pages: nobody reaches another's session or citizen by changing an id
(404/403, nothing written), CSRF on every write, the citizen sees who helped and withdraws."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.assisted import services
from courses.models import AssistedLogEntry, AssistedMark, AssistedSession, TutorialCompletion
from tests.accounts.codes_support import planned_code
from tests.accounts.factories import UserFactory

from .conftest import CITIZEN_PHONE

pytestmark = pytest.mark.django_db


def _writes(queries):
    return [
        q["sql"]
        for q in queries
        if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"} and "django_session" not in q["sql"]
    ]


@pytest.fixture
def session(helper, citizen, rf):
    started = services.session_start(
        helper=helper, phone=CITIZEN_PHONE, request=rf.post("/", REMOTE_ADDR="203.0.113.9")
    )
    return services.session_confirm(helper=helper, session=started, code=planned_code(CITIZEN_PHONE), request=None)


def test_the_helper_starts_a_session_by_phone_and_opens_it_with_the_code(client, helper, citizen):
    client.force_login(helper)
    assert client.get(reverse("courses:assisted_home")).status_code == 200
    response = client.post(reverse("courses:assisted_home"), {"phone": "0912 345 678"})
    session = AssistedSession.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "courses:assisted_confirm", args=[session.pk]
    )
    assert client.get(response["Location"]).status_code == 200
    response = client.post(reverse("courses:assisted_confirm", args=[session.pk]), {"code": "000000"})
    assert response.status_code == 400 or planned_code(CITIZEN_PHONE) == "000000"
    response = client.post(
        reverse("courses:assisted_confirm", args=[session.pk]), {"code": planned_code(CITIZEN_PHONE)}
    )
    assert response["Location"] == reverse("courses:assisted_session", args=[session.pk])
    session.refresh_from_db()
    assert session.status == AssistedSession.Status.OPEN


def test_an_unknown_number_offers_the_account_creation(client, helper):
    client.force_login(helper)
    response = client.post(reverse("courses:assisted_home"), {"phone": "0377246810"})
    assert response.status_code == 400 and b'data-assisted="no-account"' in response.content
    response = client.post(
        reverse("courses:assisted_new_account"), {"phone": "0377246810", "full_name": "Lò Văn Hùng", "agreed": "on"}
    )
    session = AssistedSession.objects.get()
    assert response["Location"] == reverse("courses:assisted_session", args=[session.pk])
    assert session.citizen.phone == "0377246810"


def test_the_helper_marks_a_tutorial_and_a_service(client, helper, session, learning):
    client.force_login(helper)
    page = client.get(reverse("courses:assisted_session", args=[session.pk]))
    assert page.status_code == 200 and b'data-assisted="tutorial"' in page.content
    client.post(reverse("courses:assisted_tutorial", args=[session.pk]), {"tutorial": learning["tutorial"].pk})
    client.post(reverse("courses:assisted_service", args=[session.pk]), {"service": learning["service"].pk})
    client.post(reverse("courses:assisted_lesson", args=[session.pk]), {"lesson": "not-a-lesson"})
    assert sorted(session.marks.values_list("kind", flat=True)) == ["service", "tutorial"]
    assert TutorialCompletion.objects.filter(user=session.citizen).exists()


@pytest.mark.parametrize(
    "name,data",
    [
        ("courses:assisted_session", None),
        ("courses:assisted_confirm", None),
        ("courses:assisted_confirm", {"code": "123456"}),
        ("courses:assisted_tutorial", "tutorial"),
        ("courses:assisted_service", "service"),
        ("courses:assisted_end", {}),
    ],
)
def test_another_helper_reaches_nothing_by_the_session_id(client, commune, session, learning, name, data):
    other = UserFactory(helper=True, organisation_unit=commune)
    client.force_login(other)
    url = reverse(name, args=[session.pk])
    if data is None:
        response = client.get(url)
    else:
        payload = {data: learning[data].pk} if isinstance(data, str) else data
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, payload)
        assert not _writes(queries.captured_queries)
    assert response.status_code == 404
    assert not AssistedMark.objects.exists()
    assert not AssistedLogEntry.objects.filter(helper=other).exists()


def test_the_helpers_list_shows_only_their_own_citizens(client, commune, session):
    other = UserFactory(helper=True, organisation_unit=commune)
    client.force_login(other)
    page = client.get(reverse("courses:assisted_home"))
    assert session.citizen.full_name.encode() not in page.content
    client.force_login(session.helper)
    assert session.citizen.full_name.encode() in client.get(reverse("courses:assisted_home")).content


@pytest.mark.parametrize("role", [{"civil_servant": True}, {}, {"training_admin": True}])
def test_people_who_are_not_helpers_are_refused(client, commune, session, role):
    client.force_login(UserFactory(organisation_unit=commune, **role))
    assert client.get(reverse("courses:assisted_home")).status_code == 403
    assert client.post(reverse("courses:assisted_home"), {"phone": CITIZEN_PHONE}).status_code == 403
    assert client.get(reverse("courses:assisted_session", args=[session.pk])).status_code == 403
    assert AssistedSession.objects.count() == 1


def test_every_write_needs_the_csrf_token(helper, session, learning, citizen):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(helper)
    for name, data in [
        ("courses:assisted_tutorial", {"tutorial": learning["tutorial"].pk}),
        ("courses:assisted_service", {"service": learning["service"].pk}),
        ("courses:assisted_end", {}),
    ]:
        assert browser.post(reverse(name, args=[session.pk]), data).status_code == 403
    assert browser.post(reverse("courses:assisted_home"), {"phone": CITIZEN_PHONE}).status_code == 403
    browser.force_login(citizen)
    assert browser.post(reverse("courses:assisted_withdraw", args=[session.pk])).status_code == 403
    session.refresh_from_db()
    assert session.status == AssistedSession.Status.OPEN and not session.marks.exists()


def test_the_citizen_sees_who_helped_and_withdraws(client, citizen, session, learning):
    services.assisted_tutorial_done(helper=session.helper, session=session, tutorial=learning["tutorial"])
    client.force_login(citizen)
    learning_page = client.get(reverse("courses:my_learning")).content.decode()
    assert 'data-assisted="my-learning"' in learning_page and session.helper.full_name in learning_page
    page = client.get(reverse("courses:assisted_mine")).content.decode()
    assert session.helper.full_name in page and f'data-session="{session.pk}"' in page
    # Another person cannot withdraw it by its id; the citizen can.
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.post(reverse("courses:assisted_withdraw", args=[session.pk])).status_code == 404
    client.force_login(citizen)
    assert client.post(reverse("courses:assisted_withdraw", args=[session.pk])).status_code == 302
    session.refresh_from_db()
    assert session.status == AssistedSession.Status.WITHDRAWN
    # The helper no longer reaches the session.
    client.force_login(UserFactory._meta.model.objects.get(pk=AssistedLogEntry.objects.last().helper_id))
    assert client.get(reverse("courses:assisted_session", args=[session.pk])).status_code == 404
    assert TutorialCompletion.objects.filter(user=citizen).exists()


def test_the_training_office_gives_and_takes_away_the_role(client, commune):
    from accounts.audit.models import AuthEvent  # here: only this test reads the auth event log

    office = UserFactory(training_admin=True)
    servant = UserFactory(civil_servant=True, organisation_unit=commune, email="hung@example.vn")
    client.force_login(office)
    assert client.get(reverse("courses:assisted_helpers")).status_code == 200
    response = client.post(reverse("courses:assisted_helpers"), {"identifier": "HUNG@example.vn"})
    assert response.status_code == 302
    assert servant.has_perm("courses.assist_citizens")
    assert AuthEvent.objects.filter(kind="role_changed", subject=servant, actor=office).count() == 1
    # A citizen, an unknown address, a civil servant without a unit: refused, nothing written.
    citizen = UserFactory(email="dan@example.vn")
    drifter = UserFactory(civil_servant=True, email="noi@example.vn")
    for identifier in ["dan@example.vn", "nobody@example.vn", "noi@example.vn", "'; DROP TABLE"]:
        with CaptureQueriesContext(connection) as queries:
            assert client.post(reverse("courses:assisted_helpers"), {"identifier": identifier}).status_code == 400
        assert not _writes(queries.captured_queries)
    assert not citizen.groups.exists() or not citizen.has_perm("courses.assist_citizens")
    assert not UserFactory._meta.model.objects.get(pk=drifter.pk).has_perm("courses.assist_citizens")
    # Only helpers can be "revoked" by id: anybody else's id is a 404.
    assert client.post(reverse("courses:assisted_helper_revoke", args=[office.pk])).status_code == 404
    assert client.post(reverse("courses:assisted_helper_revoke", args=[servant.pk])).status_code == 302
    assert not UserFactory._meta.model.objects.get(pk=servant.pk).has_perm("courses.assist_citizens")


@pytest.mark.parametrize("role", [{"helper": True}, {"civil_servant": True}, {"unit_manager": True}, {}])
def test_nobody_else_gives_the_role(client, commune, role):
    person = UserFactory(organisation_unit=commune, **role)
    client.force_login(person)
    assert client.get(reverse("courses:assisted_helpers")).status_code == 403
    assert client.post(reverse("courses:assisted_helpers"), {"identifier": person.email}).status_code == 403
    assert client.post(reverse("courses:assisted_helper_revoke", args=[person.pk])).status_code == 403


def test_before_the_citizen_agrees_the_helper_sees_the_number_not_the_name(client, helper, citizen):
    client.force_login(helper)
    client.post(reverse("courses:assisted_home"), {"phone": CITIZEN_PHONE})
    session = AssistedSession.objects.get()
    for url in (
        reverse("courses:assisted_home"),
        reverse("courses:assisted_confirm", args=[session.pk]),
        reverse("courses:assisted_session", args=[session.pk]),
    ):
        content = client.get(url).content.decode()
        assert citizen.full_name not in content and CITIZEN_PHONE in content
