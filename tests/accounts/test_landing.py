"""Where each role lands after signing in (accounts.landing, ACCOUNTS_LANDING_RULES), with and without two steps."""

import datetime

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.localtime import local_today
from courses.models import TrainingRequirement
from courses.training.services import assignments_sync
from tests.accounts.factories import PASSWORD, OrganisationUnitFactory, UserFactory
from tests.accounts.test_two_factor import code_for, pending_device
from tests.courses.factories import course_create

pytestmark = pytest.mark.django_db

SIGN_IN = "/account/sign-in/"
MY_LEARNING = "/learn/my-learning/"
MY_TRAINING = "/learn/training/"
TEAM = "/learn/team/"
ADMIN = "/admin/"
DASHBOARD = "/admin/insights/"


def sign_in(client, user, **extra):
    response = client.post(SIGN_IN, {"username": user.email, "password": PASSWORD, **extra})
    assert response.status_code == 302, response.content[:300]
    return response["Location"]


@pytest.fixture
def unit():
    return OrganisationUnitFactory(name="Xã Thử", code="LX1")


@pytest.fixture
def overdue_servant(unit, home_page):
    """A civil servant whose mandatory course was due last month."""
    person = UserFactory(civil_servant=True, organisation_unit=unit)
    course = course_create(home_page, title="An toàn thông tin", slug="an-toan")
    requirement = TrainingRequirement.objects.create(
        course=course,
        name="An toàn thông tin hằng năm",
        due_rule=TrainingRequirement.DueRule.FIXED,
        due_on=local_today() - datetime.timedelta(days=30),
    )
    requirement.units.set([unit])
    assignments_sync()
    return person


def manager_of(unit, **traits):
    person = UserFactory(unit_manager=True, civil_servant=True, **traits)
    unit.managers.add(person)
    return person


def test_a_citizen_lands_on_my_learning(client):
    assert sign_in(client, UserFactory()) == MY_LEARNING


def test_a_civil_servant_without_training_to_do_lands_on_my_learning(client, unit):
    assert sign_in(client, UserFactory(civil_servant=True, organisation_unit=unit)) == MY_LEARNING


def test_a_civil_servant_with_overdue_training_lands_on_my_training_with_it_first(client, overdue_servant):
    landing = sign_in(client, overdue_servant)
    assert landing == MY_TRAINING
    page = client.get(landing).content.decode()
    assert "An toàn thông tin hằng năm" in page and "Quá hạn" in page


def test_a_unit_manager_lands_on_the_team_page(client, unit):
    assert sign_in(client, manager_of(unit)) == TEAM
    assert client.get(TEAM).status_code == 200


def test_a_unit_manager_group_member_who_manages_nothing_does_not_land_on_a_403(client):
    landing = sign_in(client, UserFactory(unit_manager=True, civil_servant=True))
    assert landing != TEAM
    assert client.get(landing).status_code == 200


@pytest.mark.parametrize("role", ["officer", "lead", "training_admin", "superuser"])
def test_admin_workers_land_in_the_admin(client, role):
    landing = sign_in(client, UserFactory(**{role: True}))
    assert landing == ADMIN
    assert client.get(landing).status_code == 200


def test_a_leader_lands_on_the_operations_dashboard(client):
    landing = sign_in(client, UserFactory(leader=True))
    assert landing == DASHBOARD == reverse("insights_dashboard")
    assert client.get(landing).status_code == 200


def test_admin_work_wins_over_managing_a_unit_and_overdue_training(client, unit, overdue_servant):
    unit.managers.add(overdue_servant)
    overdue_servant.groups.add(*UserFactory(training_admin=True).groups.all())
    assert sign_in(client, overdue_servant) == ADMIN


def test_a_safe_next_wins_over_the_rules(client, unit):
    assert sign_in(client, manager_of(unit), next="/learn/my-learning/?tab=2") == "/learn/my-learning/?tab=2"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/team/", "javascript:alert(1)", "\\\\evil"])
def test_an_unsafe_next_is_refused_and_the_rules_decide(client, unit, target):
    assert sign_in(client, manager_of(unit), next=target) == TEAM


def test_signed_in_people_opening_sign_in_again_are_sent_where_they_land(client, unit):
    client.force_login(manager_of(unit))
    response = client.get(SIGN_IN)
    assert response.status_code == 302 and response["Location"] == TEAM


def test_a_rule_list_is_read_from_settings_in_order(client, settings):
    settings.ACCOUNTS_LANDING_RULES = ["accounts.landing.admin_access_landing"]
    assert sign_in(client, UserFactory(leader=True)) == ADMIN
    settings.ACCOUNTS_LANDING_RULES = []
    assert sign_in(client, UserFactory(training_admin=True)) == MY_LEARNING


# Two steps: the same landing once the code is right ---------------------------------------------


@pytest.fixture
def two_steps(settings):
    settings.ACCOUNTS_TWO_FACTOR_REQUIRED = True


def _set_up_device(client, user):
    sign_in(client, user)
    client.get("/account/two-factor/set-up/")
    client.post("/account/two-factor/set-up/", {"code": code_for(pending_device(client, user))})
    client.logout()
    return TOTPDevice.objects.get(user=user, confirmed=True)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda unit: manager_of(unit), TEAM),
        (lambda unit: UserFactory(leader=True), DASHBOARD),
        (lambda unit: UserFactory(officer=True), ADMIN),
    ],
    ids=["unit_manager", "leader", "officer"],
)
def test_the_two_step_path_lands_the_same(client, two_steps, unit, make, expected):
    user = make(unit)
    device = _set_up_device(client, user)
    landing = sign_in(client, user)
    assert landing == expected
    # The landing page is held back until the code is given, then opens.
    verify = client.get(landing)["Location"]
    assert verify.startswith("/account/two-factor/?next=")
    response = client.post(verify, {"code": code_for(device, offset=1)})
    assert response.status_code == 302 and response["Location"] == expected
    assert client.get(expected).status_code == 200


def test_the_two_step_page_without_next_lands_by_the_rules(client, two_steps, unit):
    user = manager_of(unit)
    device = _set_up_device(client, user)
    sign_in(client, user)
    response = client.post("/account/two-factor/", {"code": code_for(device, offset=1)})
    assert response["Location"] == TEAM


def test_the_two_step_page_refuses_an_unsafe_next(client, two_steps, unit):
    user = manager_of(unit)
    device = _set_up_device(client, user)
    sign_in(client, user)
    response = client.post("/account/two-factor/?next=https://evil.example/", {"code": code_for(device, offset=1)})
    assert response["Location"] == TEAM


# The header's team link ---------------------------------------------------------------------------


def test_the_team_link_is_in_the_header_of_unit_managers_only(client, unit):
    team_link = f'href="{TEAM}"'
    client.force_login(manager_of(unit))
    assert team_link in client.get(MY_LEARNING).content.decode()
    for someone in (
        UserFactory(),
        UserFactory(civil_servant=True),
        UserFactory(unit_manager=True),  # the group without a unit: the page would be 403
        UserFactory(training_admin=True),
        UserFactory(leader=True),
    ):
        client.force_login(someone)
        assert team_link not in client.get(MY_LEARNING).content.decode(), someone
    client.logout()
    assert team_link not in client.get("/account/sign-in/").content.decode()
