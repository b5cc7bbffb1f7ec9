"""Insights' assisted section: sessions and services completed per unit and helper, small numbers suppressed
("fewer than 5", never 0) outside the training office; withdrawn sessions on a row of their own."""

import datetime

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from core.localtime import local_today
from courses.assisted import services
from insights.assisted import assisted_tables
from insights.period import Period
from insights.scope import EVERYTHING, Scope
from tests.accounts.factories import OrganisationUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def vi(message, **params):
    with translation.override("vi"):
        return gettext(message) % params if params else gettext(message)


@pytest.fixture
def world(commune, helper, learning):
    other_unit = OrganisationUnitFactory(parent=commune.get_parent(), name="Xã Đại Từ")
    other = UserFactory(helper=True, organisation_unit=other_unit, full_name="Vũ Thị Hằng")
    sessions = []
    for number in range(6):
        sessions.append(
            services.session_start_with_new_account(
                helper=helper, full_name=f"Người {number}", phone=f"03881002{number:02d}", agreed=True
            )
        )
    for number in range(2):
        sessions.append(
            services.session_start_with_new_account(
                helper=other, full_name=f"Khách {number}", phone=f"03881003{number:02d}", agreed=True
            )
        )
    services.assisted_service_complete(helper=helper, session=sessions[0], service=learning["service"])
    services.session_withdraw(citizen=sessions[1].citizen, session=sessions[1])
    return {"commune": commune, "other_unit": other_unit, "helper": helper, "other": other}


def period():
    today = local_today()
    return Period(today - datetime.timedelta(days=7), today)


def rows(table):
    return {row.label: dict(row.cells) for row in table.rows}


def test_exact_figures_per_unit_and_helper(world):
    tables = assisted_tables(scope=EVERYTHING, unit=None, period=period(), suppress=False)
    units = rows(tables["assisted_units"])
    assert units["Xã Phú Bình"]["sessions"].value == 6 and units["Xã Phú Bình"]["services"].value == 1
    assert units["Xã Đại Từ"]["sessions"].value == 2 and units["Xã Đại Từ"]["services"].value == 0
    helpers = rows(tables["assisted_helpers"])
    assert helpers[world["helper"].full_name]["sessions"].value == 5  # one withdrawn: no longer named
    assert helpers["Vũ Thị Hằng"]["sessions"].value == 2
    withdrawn = [row for row in tables["assisted_helpers"].rows if row.kind == "other"]
    assert withdrawn[0].values == {"sessions": 1, "services": 0}
    assert tables["assisted_units"].total.cells["sessions"].value == 8


def test_small_numbers_are_suppressed_never_zero(world):
    tables = assisted_tables(scope=EVERYTHING, unit=None, period=period(), suppress=True)
    units = rows(tables["assisted_units"])
    small = units["Xã Đại Từ"]["sessions"]
    assert small.suppressed and small.text("count", 5) == vi("fewer than %(count)s", count=5)
    # The total (8) is true, so the other unit's 6 is hidden too: else 8 − 6 gives the small one back.
    assert tables["assisted_units"].total.cells["sessions"].value == 8
    hidden = units["Xã Phú Bình"]["sessions"]
    assert hidden.suppressed and hidden.text("count", 5) == vi("hidden")
    assert units["Xã Phú Bình"]["services"].suppressed  # 1 service
    assert not units["Xã Đại Từ"]["services"].suppressed and units["Xã Đại Từ"]["services"].value == 0
    for row in tables["assisted_units"].rows + tables["assisted_helpers"].rows:
        for cell in row.cells.values():
            assert not (cell.suppressed and cell.text("count", 5) in {"0", ""})


def test_scope_and_period(world):
    scope = Scope((world["other_unit"],))
    tables = assisted_tables(scope=scope, unit=None, period=period(), suppress=False)
    assert list(rows(tables["assisted_units"])) == ["Xã Đại Từ"]
    assert list(rows(tables["assisted_helpers"])) == ["Vũ Thị Hằng"]
    old = Period(local_today() - datetime.timedelta(days=60), local_today() - datetime.timedelta(days=30))
    assert assisted_tables(scope=EVERYTHING, unit=None, period=old, suppress=False)["assisted_units"].rows == []
    assert timezone.now()


def test_the_dashboard_shows_the_section(client, world):
    office = UserFactory(training_admin=True)
    client.force_login(office)
    page = client.get("/admin/insights/")
    assert page.status_code == 200
    content = page.content.decode()
    assert 'id="assisted"' in content and "Vũ Thị Hằng" in content
    leader = UserFactory(leader=True)
    client.force_login(leader)
    content = client.get("/admin/insights/").content.decode()
    section = content[content.index('id="assisted"') :]
    assert vi("fewer than %(count)s", count=5) in section
