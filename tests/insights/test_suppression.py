"""The one suppression rule (insights/suppression.py): "fewer than 5", never 0; true totals that cannot be
worked back to a small cell; a unit manager's own figures exact; the dashboard's headline is the compliance
report's on the same data."""

import csv
import datetime
import io
import itertools
import random

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext

from accounts.models import OrganisationUnit
from core.localtime import local_today
from courses.models import Assignment, TrainingRequirement
from courses.training import compliance
from insights import breakdowns, selectors
from insights.period import Period
from insights.scope import EVERYTHING, scope_for
from insights.suppression import COMPLEMENT, SMALL, Cell, count_cell, protect
from insights.tables import Column, Table, TableRow, table_dataset
from tests.accounts.factories import OrganisationUnitFactory, UserFactory
from tests.courses.factories import course_create
from tests.insights.world import PERIOD_QUERY, build

DASHBOARD = "/admin/insights/"


def vi(message, **params):
    with translation.override("vi"):
        text = gettext(message)
    return text % params if params else text


FEWER = vi("fewer than %(count)s", count=5)
HIDDEN = vi("hidden")


# The rule, cell by cell ---------------------------------------------------------------------------------


def _possible(cells, total, threshold, cap):
    """Every value each hidden small cell can have, to a reader who knows the rule, found by trying them all.

    A reader knows: a shown cell; "fewer than t" is 1..t−1; "hidden" (a cell) is at least t; the
    total, when shown, is the sum of the column; "fewer than t" for the total is 1..t−1.
    """
    ranges = []
    for cell in cells:
        if not cell.suppressed:
            ranges.append([cell.value])
        elif cell.reason == SMALL:
            ranges.append(list(range(1, threshold)))
        else:
            ranges.append(list(range(threshold, cap + 1)))
    possible = {index: set() for index, cell in enumerate(cells) if cell.reason == SMALL and cell.suppressed}
    for values in itertools.product(*ranges):
        sum_ = sum(values)
        if total.suppressed and total.reason == COMPLEMENT:
            fits = True
        elif total.suppressed:
            fits = 1 <= sum_ < threshold
        else:
            fits = sum_ == total.value
        if fits:
            for index in possible:
                possible[index].add(values[index])
    return possible


@pytest.mark.parametrize("threshold", [3, 5])
def test_no_small_cell_can_be_worked_back_from_a_true_total(threshold):
    """Tries the subtraction: for random columns, no hidden small cell has only one possible value."""
    chooser = random.Random(13)
    cases = [[1, 10], [2, 6], [5, 1, 5], [4, 4, 10], [1, 1, 1, 1], [3, 20, 30], [1, 5, 7], [0, 0, 2]]
    cases += [
        [chooser.choice([0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12]) for _ in range(chooser.randint(1, 4))] for _ in range(150)
    ]
    for values in cases:
        cells = [count_cell(value, suppress=True, threshold=threshold) for value in values]
        total = count_cell(sum(values), suppress=True, threshold=threshold)
        protect(cells, total, threshold)
        # The total is the true one or hidden: never the sum of the figures shown.
        assert total.suppressed or total.value == sum(values), values
        for cell, value in zip(cells, values, strict=True):
            assert cell.value == value  # hiding keeps the value; the text says why
            assert cell.text("count", threshold) != "0" or value == 0
        for index, found in _possible(cells, total, threshold, cap=max(values, default=0) + 2).items():
            assert len(found) >= 2, (values, index, found)


def test_a_suppressed_figure_says_fewer_than_5_in_words_and_exports_never_0():
    with translation.override("vi"):
        table = Table(
            key="t",
            title="T",
            label_header="Đơn vị",
            columns=[Column("n", "Số"), Column("rate", "Tỉ lệ", kind="rate", numerator="n", denominator="d")],
            rows=[TableRow(label="X", values={"n": 3, "d": 4}), TableRow(label="Y", values={"n": 0, "d": 0})],
        ).finalise(suppress=True)
        x, y = table.rows
        assert x.cells["n"].text("count", 5) == FEWER
        assert x.cells["rate"].text("rate", 5) == FEWER
        assert y.cells["n"].text("count", 5) == "0"  # zero: nobody to identify
        assert y.cells["rate"].text("rate", 5) == "—"  # a rate over nobody
        assert table.total.cells["n"].text("count", 5) == FEWER  # 3 in all: not 0
        rows = list(table_dataset(table))
        assert rows[0][1:] == (FEWER, FEWER)
        assert rows[1][1:] == (0, "—")
        assert rows[2][1:] == (FEWER, FEWER)
    with translation.override("en"):
        assert Cell(7, True, COMPLEMENT).text("count", 5) == "hidden"
        assert Cell(3, True).text("count", 5) == "fewer than 5"


# On the pages -------------------------------------------------------------------------------------------


@pytest.fixture
def data(home_page):
    return build(home_page)


def _headline(response):
    """{column key: the text the headline shows}."""
    return {column.key: text for column, (text, _small) in response.context["headline"]}


@pytest.mark.django_db
def test_the_leaders_headline_tables_exports_and_public_page_say_fewer_than_5_not_0(client, data):
    client.force_login(data["leader"])
    response = client.get(f"{DASHBOARD}?{PERIOD_QUERY}")
    headline = _headline(response)
    assert headline["overdue"] == FEWER  # 2 overdue
    assert headline["signups"] == FEWER  # 4 sign-ups
    assert headline["certificates"] in (FEWER, HIDDEN)  # 6, of which B's 1 could be worked back
    page = response.content.decode()
    headline_html = page.split('id="headline-heading"')[1].split("</dl>")[0]
    assert f">{FEWER}</dd>" in headline_html and ">0</dd>" not in headline_html
    # The unit table's total row: every nonzero true total reads as a number, "fewer than 5" or "hidden".
    units = response.context["tables"]["units"]
    for column in units.columns:
        cell = units.total.cells[column.key]
        shown = cell.text(column.kind, 5)
        if cell.suppressed:
            assert shown in (FEWER, HIDDEN)
        assert shown != "0" or not units.total.values.get(column.key)
    # The CSV of the headline figures says the same words.
    export = client.get(reverse("insights_export", args=["headline", "csv"]) + "?" + PERIOD_QUERY)
    figures = dict(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    with translation.override("vi"):
        labels = {column.key: str(column.label) for column in breakdowns.UNIT_COLUMNS}
    assert figures[labels["overdue"]] == FEWER and figures[labels["signups"]] == FEWER
    # The public page's province row.
    client.logout()
    public = client.get("/minh-bach/").content.decode()
    total_row = public.split("<tfoot>")[1].split("</tfoot>")[0]
    assert "<td>0</td>" not in total_row
    figures = selectors.transparency()
    for key, (value, suppressed, _reason) in figures["total"].items():
        assert suppressed or value is None or value > 0 or key == "rate", key


@pytest.mark.django_db
def test_the_subtraction_on_the_leaders_export_gives_nothing_back(client, data):
    """In every column of the exported unit table, total − the figures shown never equals one hidden cell."""
    client.force_login(data["leader"])
    url = reverse("insights_export", args=["units", "csv"]) + "?" + PERIOD_QUERY
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    tried = 0
    for index in range(1, len(header)):
        column = [row[index] for row in body]
        hidden = [text for text in column if not text.replace(".", "").isdigit()]
        if hidden and total[index].isdigit():
            tried += 1
            assert len(hidden) >= 2, header[index]  # one hidden cell would be total − the others
    assert tried  # some columns do have a true total beside hidden cells


# One definition: the dashboard is the compliance report ---------------------------------------------------


def _training_province(home_page):
    """P → X (20 assigned: 8 completed, 2 exempt, 4 overdue, 6 open), Y (15: 6 completed, 5 overdue, 4 open),
    Z (3: 1 completed, 1 overdue, 1 open); Z's manager. Totals: 15 completed of 36 required, 10 overdue."""
    province = OrganisationUnitFactory(name="Tỉnh Thử", code="T", kind="province")
    units = {name: OrganisationUnitFactory(name=f"Xã {name}", code=f"T-{name}", parent=province) for name in "XYZ"}
    for unit in [province, *units.values()]:
        unit.refresh_from_db()
    course = course_create(home_page, title="Kỹ năng số", slug="ky-nang-so-thu")
    today = local_today()
    requirement = TrainingRequirement.objects.create(
        name="Bắt buộc",
        course=course,
        due_rule=TrainingRequirement.DueRule.FIXED,
        due_on=today + datetime.timedelta(days=30),
    )
    plan = {"X": {"completed": 8, "exempt": 2, "overdue": 4, "open": 6}, "Y": {"completed": 6, "overdue": 5, "open": 4}}
    plan["Z"] = {"completed": 1, "overdue": 1, "open": 1}
    for name, states in plan.items():
        unit = OrganisationUnit.objects.get(pk=units[name].pk)
        for state, number in states.items():
            for _ in range(number):
                user = UserFactory(organisation_unit=unit)
                Assignment.objects.create(
                    requirement=requirement,
                    user=user,
                    unit=unit,
                    unit_path=unit.path,
                    due_on=today + datetime.timedelta(days=-2 if state == "overdue" else 20),
                    status={"overdue": "open"}.get(state, state),
                    completed_at=datetime.datetime.now(datetime.UTC) if state == "completed" else None,
                )
    manager = UserFactory(unit_manager=True, email="quanly.z@example.vn")
    units["Z"].managers.add(manager)
    leader = UserFactory(leader=True, email="lanhdao.thu@example.vn")
    office = UserFactory(training_admin=True, email="daotao.thu@example.vn")
    return {"units": units, "manager": manager, "leader": leader, "office": office}


@pytest.mark.django_db
def test_the_leaders_headline_is_the_compliance_reports_total(client, home_page):
    data = _training_province(home_page)
    client.force_login(data["office"])
    report = client.get(reverse("courses_compliance_report")).context["result"].total
    assert (report.overdue, report.completed, report.required, report.rate) == (10, 15, 36, 41.7)
    client.force_login(data["leader"])
    headline = _headline(client.get(DASHBOARD))
    # Both numbers, one definition: Z's small figures are hidden in the rows, never left out of the total.
    assert headline["overdue"] == str(report.overdue) == "10"
    assert headline["rate"] == "41,7%" and report.rate == 41.7
    table = selectors.dashboard(scope=EVERYTHING, unit=None, period=Period.last_weeks(13), suppress=True)["units"]
    z = next(row for row in table.rows if row.label == "Xã Z")
    assert z.cells["overdue"].suppressed and z.cells["compliant"].suppressed


@pytest.mark.django_db
def test_a_unit_managers_dashboard_overdue_is_her_team_pages_list(client, home_page):
    data = _training_province(home_page)
    client.force_login(data["manager"])
    headline = _headline(client.get(DASHBOARD))
    listed = client.get(reverse("courses:team") + "?state=overdue").context["page_obj"].paginator.count
    assert listed == 1
    assert headline["overdue"] == str(listed)  # not "0", not "fewer than 5": she sees these people by name
    assert client.get(reverse("courses:team")).context["result"].total.rate == 33.3
    assert headline["rate"] == "33,3%"  # 1 of 3, as on her team page


@pytest.mark.django_db
def test_the_dashboard_and_the_compliance_report_call_one_selector(client, home_page, monkeypatch):
    """One definition: both pages get their compliance figures from ``compliance.report_rollup`` (spied on),
    for the whole province and for one unit, and show its total's overdue count and rate."""
    data = _training_province(home_page)
    calls = []
    original = compliance.report_rollup

    def spy(**kwargs):
        result = original(**kwargs)
        calls.append((kwargs["unit"], result.total))
        return result

    monkeypatch.setattr(compliance, "report_rollup", spy)
    x = data["units"]["X"]
    for query, unit, overdue in (("", None, "10"), (f"?unit={x.pk}", x, FEWER)):
        calls.clear()
        client.force_login(data["office"])
        report = client.get(reverse("courses_compliance_report") + query).context["result"].total
        client.force_login(data["leader"])
        headline = _headline(client.get(DASHBOARD + query))
        assert [called for called, _total in calls] == [unit, unit]  # the report's call, then the dashboard's
        report_total, dashboard_total = (total for _unit, total in calls)
        assert dashboard_total.counts == report_total.counts == report.counts
        assert headline["overdue"] == overdue  # the report's 10; X's 4 is a small group for a leader: not 0
        with translation.override("vi"):
            assert headline["rate"] == number_format(report.rate, decimal_pos=1, use_l10n=True) + "%"
    assert (report.overdue, report.rate) == (4, 44.4)  # X: 8 of 18 required, 4 overdue


@pytest.mark.django_db
def test_a_unit_manager_sees_her_units_training_exact_and_a_leader_does_not(home_page):
    data = _training_province(home_page)
    z = data["units"]["Z"]
    period = Period.last_weeks(13)
    mine = selectors.dashboard(scope=scope_for(user=data["manager"]), unit=None, period=period, suppress=True)
    row = next(row for row in mine["units"].rows if row.unit == z)
    for key, value in {"overdue": 1, "compliant": 1, "required": 3, "rate": 33.3}.items():
        assert not row.cells[key].suppressed and row.cells[key].value == value, key
    assert not mine["units"].total.cells["overdue"].suppressed
    led = selectors.dashboard(scope=EVERYTHING, unit=None, period=period, suppress=True)
    row = next(row for row in led["units"].rows if row.unit == z)
    assert all(row.cells[key].suppressed for key in ("overdue", "compliant", "required", "rate"))
