"""Insights: the operations dashboard's figures, suppression, scoping, bad input, exports, the public page."""

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from core.localtime import local_today
from courses.models import Enrolment
from insights import breakdowns, charts, selectors
from insights.period import Period
from insights.scope import EVERYTHING, Scope
from tests.accounts.factories import OrganisationUnitFactory, UserFactory
from tests.insights.world import END, EXACT, EXACT_TOTAL, PERIOD_QUERY, START, at, build

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/insights/"
PUBLIC = "/minh-bach/"


@pytest.fixture
def data(home_page):
    return build(home_page)


PERIOD = Period(START, END)


def vi(message, **params):
    with translation.override("vi"):
        text = gettext(message)
    return text % params if params else text


FEWER = vi("fewer than %(count)s", count=5)


def values(table):
    return {row.label: row.values for row in table.rows}


def cells(table):
    return {row.label: row.cells for row in table.rows}


# Figures ------------------------------------------------------------------------------------------


def test_every_headline_figure_and_the_unit_breakdown_match_the_hand_computed_ones(data):
    table = breakdowns.by_unit(scope=EVERYTHING, unit=None, period=PERIOD).finalise(suppress=False)
    rows = values(table)
    for label, expected in EXACT.items():
        for key, value in expected.items():
            assert rows[label].get(key, 0) == value, (label, key)
    direct = rows[vi("Directly in %(unit)s", unit="Tỉnh Minh Họa")]
    assert {key: direct.get(key, 0) for key in EXACT_TOTAL} == dict.fromkeys(EXACT_TOTAL, 0)
    assert rows[vi("Not in any unit")]["signups"] == 3
    assert rows[vi("Not in any unit")]["tutorials"] == 3
    total = table.total.cells
    for key, value in EXACT_TOTAL.items():
        assert total[key].value == value, key
        assert not total[key].suppressed
    assert total["rate"].value == 46.2  # 6 ÷ 13
    assert cells(table)["Xã An Bình"]["rate"].value == 83.3  # 5 ÷ (7 − 1 exempt)
    assert cells(table)["Xã Bắc Sơn"]["rate"].value == 50.0


def test_period_edges_are_days_in_vietnam(data):
    """The first day 05:00 in Vietnam is the day before in UTC (counted); the day after the last at 03:00 is the
    last day in UTC (not counted)."""
    table = breakdowns.by_week(scope=EVERYTHING, unit=None, period=PERIOD).finalise(suppress=False)
    weeks = {row.key.isoformat(): row.values for row in table.rows}
    first, second = START.isoformat(), (START + datetime.timedelta(weeks=1)).isoformat()
    assert list(weeks) == [first, second]
    assert weeks[first]["enrolled"] == 8
    assert weeks[first].get("completed", 0) == 1
    assert weeks[second].get("enrolled", 0) == 0
    assert weeks[second]["completed"] == 10
    assert weeks[first]["signups"] == 4
    assert table.total.cells["lessons"].value == 10
    # One day later at the end: A7's enrolment (03:00 the day after) and the late citizen count.
    one_day = datetime.timedelta(days=1)
    later = breakdowns.by_unit(scope=EVERYTHING, unit=None, period=Period(START, END + one_day)).finalise(
        suppress=False
    )
    assert later.total.cells["enrolled"].value == 9
    assert later.total.cells["signups"].value == 5
    # One day earlier at the start: C's enrolments (23:00 the day before) count too.
    earlier = breakdowns.by_unit(scope=EVERYTHING, unit=None, period=Period(START - one_day, END)).finalise(
        suppress=False
    )
    assert earlier.total.cells["enrolled"].value == 13


def test_course_tutorial_service_and_campaign_breakdowns(data):
    scope = EVERYTHING
    courses = values(breakdowns.by_course(scope=scope, unit=None, period=PERIOD))
    assert courses["Kỹ năng số cơ bản"] == {"enrolled": 8, "completed": 6, "cohort_completed": 6}
    assert courses["Bảo mật thông tin"] == {"enrolled": 0, "completed": 5, "cohort_completed": 0}
    tutorials, services = breakdowns.by_tutorial_and_service(scope=scope, unit=None, period=PERIOD)
    assert [column.key for column in tutorials.columns] == ["views", "done", "helpful", "not_helpful"]
    tutorials = values(tutorials)
    # Page views: days 2 to 15 of the stored per-day counts (t1: 10 + 5; its days 1 and 16 are outside).
    assert tutorials["Đăng ký tài khoản VNeID"] == {"views": 15, "done": 3, "helpful": 1, "not_helpful": 0}
    assert tutorials["Nộp hồ sơ trực tuyến"] == {"views": 4, "done": 1, "helpful": 0, "not_helpful": 2}
    assert tutorials["Thanh toán trực tuyến"] == {}
    assert values(services)["Cấp phiếu lý lịch tư pháp"] == {
        "tutorials": 2, "views": 19, "done": 4, "helpful": 1, "not_helpful": 2
    }  # fmt: skip
    # A unit's view: only its people (anonymous feedback and page views belong to nobody's unit).
    tutorials_a, services_a = breakdowns.by_tutorial_and_service(scope=EVERYTHING, unit=data["a"], period=PERIOD)
    assert "views" not in [column.key for column in tutorials_a.columns]
    assert "views" not in [column.key for column in services_a.columns]
    assert values(tutorials_a)["Nộp hồ sơ trực tuyến"] == {"done": 1, "not_helpful": 1, "helpful": 0}


# The funnel of each campaign, computed by hand from build() (see the comments there).
FUNNEL = ("sent", "failed", "reached", "clicked", "enrolled", "completed")


def funnel(sent=0, failed=0, reached=0, clicked=0, enrolled=0, completed=0):
    return {"sent": sent, "failed": failed, "reached": reached, "clicked": clicked, "enrolled": enrolled,
            "completed": completed}  # fmt: skip


FUNNEL_X = funnel(sent=8, failed=1, reached=7, clicked=3, enrolled=1, completed=3)
FUNNEL_Y = funnel(sent=2, reached=2, clicked=1, completed=1)


def funnels(scope, unit, period):
    table = breakdowns.by_campaign(scope=scope, unit=unit, period=period)
    assert [column.key for column in table.columns] == list(FUNNEL)
    return {row.label: {key: row.values.get(key, 0) for key in FUNNEL} for row in table.rows}


def test_campaign_funnel_matches_the_hand_computed_figures(data):
    campaigns = funnels(EVERYTHING, None, PERIOD)
    assert campaigns["Tháng tiêm chủng số"] == FUNNEL_X
    assert campaigns["Dịch vụ công trực tuyến"] == FUNNEL_Y


def test_campaign_funnel_is_scoped_to_the_units_shown(data):
    in_a = funnels(EVERYTHING, data["a"], PERIOD)
    assert in_a["Tháng tiêm chủng số"] == funnel(sent=7, reached=6, clicked=2, enrolled=1, completed=3)
    assert in_a["Dịch vụ công trực tuyến"] == funnel()
    in_b = funnels(EVERYTHING, data["b"], PERIOD)
    assert in_b["Tháng tiêm chủng số"] == funnel(sent=1, failed=1, reached=1, clicked=1)
    managed = funnels(Scope((data["c"],)), None, PERIOD)
    assert managed["Dịch vụ công trực tuyến"] == FUNNEL_Y
    assert managed["Tháng tiêm chủng số"] == funnel()


def test_campaign_funnel_follows_the_period(data):
    # Days 2 to 7 (Vietnam time): message 1 sent and failed, A1's first click; no completion yet.
    early = funnels(EVERYTHING, None, Period(START, START + datetime.timedelta(days=5)))
    assert early["Tháng tiêm chủng số"] == funnel(sent=7, failed=1, reached=7, clicked=1, enrolled=1)
    # One day more at the end takes A4's click (16 March, 03:00 in Vietnam) and A2's second message.
    later = funnels(EVERYTHING, None, Period(START, END + datetime.timedelta(days=5)))
    assert later["Tháng tiêm chủng số"]["clicked"] == 4 and later["Tháng tiêm chủng số"]["sent"] == 9
    # A7's enrolment on 16 March (03:00) is attributed (touched on day 8), in the longer period only.
    assert later["Tháng tiêm chủng số"]["enrolled"] == 2


def test_test_sends_are_never_counted(data):
    from outreach.models import Delivery

    assert Delivery.objects.filter(kind="campaign", sequence=1).count() == 2
    total = breakdowns.by_unit(scope=EVERYTHING, unit=None, period=PERIOD).finalise(suppress=False).total
    assert total.cells["reached"].value == EXACT_TOTAL["reached"]
    # Were the test sends counted, C3 would be reached and message 1 sent twice more.
    Delivery.objects.filter(kind="campaign", sequence=1).update(sequence=0)
    total = breakdowns.by_unit(scope=EVERYTHING, unit=None, period=PERIOD).finalise(suppress=False).total
    assert total.cells["reached"].value == EXACT_TOTAL["reached"] + 1
    assert funnels(EVERYTHING, None, PERIOD)["Tháng tiêm chủng số"]["sent"] == 10


def test_the_dashboards_one_pass_over_the_summary_gives_the_same_figures(data):
    """The dashboard sums the daily summary per unit and per day together (grouping sets on PostgreSQL)."""
    for unit in (None, data["a"]):
        shown = selectors.dashboard(scope=EVERYTHING, unit=unit, period=PERIOD, suppress=False)
        weeks = breakdowns.by_week(scope=EVERYTHING, unit=unit, period=PERIOD).finalise(suppress=False, with_total=True)
        units = breakdowns.by_unit(scope=EVERYTHING, unit=unit, period=PERIOD).finalise(suppress=False)
        assert values(shown["weeks"]) == values(weeks) and values(shown["units"]) == values(units)
        assert shown["units"].total.cells["enrolled"].value == units.total.cells["enrolled"].value > 0
    sums = breakdowns.summary_sums(period=PERIOD, paths=None)
    assert sum(figures["enrolled"] for figures in sums.per_day.values()) == sum(
        figures["enrolled"] for _unit, figures in sums.per_unit
    )


def test_campaign_funnel_takes_a_fixed_number_of_queries(data, django_assert_num_queries):
    # The campaigns' messages (one small query), deliveries, clicks, enrolments, completions, campaigns.
    with django_assert_num_queries(6):
        breakdowns.by_campaign(scope=EVERYTHING, unit=None, period=PERIOD)
    for number in range(5):
        page = type(data["campaign"])(
            title=f"Thêm {number}", slug=f"them-{number}", goal="x", starts_on=START, ends_on=END, calls_to_action=[]
        )
        extra = data["campaign"].get_parent().add_child(instance=page)
        assert extra.pk
    with django_assert_num_queries(6):
        table = breakdowns.by_campaign(scope=EVERYTHING, unit=data["a"], period=PERIOD)
    assert len(table.rows) == 7


def test_attribution_per_campaign_agrees_with_the_campaign_results(data):
    from outreach.campaigns.selectors import attributed_completions, attributed_enrolments, attributed_per_campaign

    enrolments = Enrolment.objects.all()
    for campaign in (data["campaign"], data["campaign_y"]):
        per_campaign_enrolled = attributed_per_campaign(enrolments=enrolments, moment="enrolled_at").get(campaign.pk, 0)
        per_campaign_completed = attributed_per_campaign(enrolments=enrolments, moment="completed_at").get(
            campaign.pk, 0
        )
        assert per_campaign_enrolled == attributed_enrolments(campaign_id=campaign.pk).count()
        assert per_campaign_completed == attributed_completions(campaign_id=campaign.pk).count()
    assert attributed_per_campaign(enrolments=enrolments, moment="completed_at") == {
        data["campaign"].pk: 3,
        data["campaign_y"].pk: 1,
    }


def test_a_unit_and_its_sub_units(data):
    table = breakdowns.by_unit(scope=EVERYTHING, unit=data["a"], period=PERIOD).finalise(suppress=False)
    rows = values(table)
    direct = vi("Directly in %(unit)s", unit="Xã An Bình")
    assert list(rows) == ["Phòng Kinh tế An Bình", direct]
    assert rows[direct]["enrolled"] == 6
    assert rows["Phòng Kinh tế An Bình"]["required"] == 0  # exempt
    assert table.total.cells["certificates"].value == 5
    assert table.total.cells["overdue"].value == 1
    assert table.total.cells["signups"].value == 0


def test_compliance_figures_are_the_compliance_reports(data):
    """Never re-derived: the dashboard's rate and overdue count equal courses.compliance's roll-up."""
    from courses.training import compliance

    rollup = compliance.rollup(parent=data["province"], everything=True)
    table = breakdowns.by_unit(scope=EVERYTHING, unit=None, period=PERIOD).finalise(suppress=False)
    assert table.total.cells["overdue"].value == rollup.total.overdue
    assert table.total.cells["rate"].value == rollup.total.rate


# Suppression ------------------------------------------------------------------------------------------


def test_small_groups_are_suppressed_outside_the_training_office_and_totals_are_true_or_hidden(data):
    table = breakdowns.by_unit(scope=EVERYTHING, unit=None, period=PERIOD).finalise(suppress=True)
    b = cells(table)["Xã Bắc Sơn"]
    for key in ("signups", "reached", "enrolled", "completed", "certificates", "overdue", "reminders_failed", "rate"):
        assert b[key].suppressed and b[key].reason == "small", key
    assert not b["lessons"].suppressed  # zero is not a small group
    a = cells(table)["Xã An Bình"]
    assert a["tutorials"].suppressed and a["overdue"].suppressed
    total = table.total.cells
    # A total is the true total or hidden, never the sum of the figures shown.
    for key, exact in EXACT_TOTAL.items():
        assert total[key].suppressed or total[key].value == exact, key
    assert total["enrolled"].value == 8  # B's 2 included…
    assert a["enrolled"].reason == "complement"  # …and A's 6 hidden, or 8 − 6 would give B's 2 back
    assert total["overdue"].reason == "small"  # 2 overdue: "fewer than 5", not 0
    assert total["signups"].reason == "small"  # 1 in B and 3 without a unit
    # A's 5 and C's 5 certificates… completions: with B's 1 they total 11; only hiding the total protects B.
    assert total["completed"].reason == "complement"
    assert not a["completed"].suppressed and a["completed"].value == 5
    assert total["rate"].suppressed  # its numerator (6) is hidden: 6 − 5 would give B's 1 back
    assert table.any_suppressed


def test_threshold_is_a_setting(data, settings):
    settings.INSIGHTS_MIN_GROUP = 2
    table = breakdowns.by_unit(scope=EVERYTHING, unit=None, period=PERIOD).finalise(suppress=True)
    assert not cells(table)["Xã Bắc Sơn"]["enrolled"].suppressed
    assert cells(table)["Xã Bắc Sơn"]["certificates"].suppressed


def test_training_office_sees_exact_figures_others_see_fewer_than_5(client, data):
    client.force_login(data["office"])
    office = client.get(f"{DASHBOARD}?{PERIOD_QUERY}")
    assert office.status_code == 200
    assert FEWER not in office.content.decode()
    client.force_login(data["leader"])
    leader = client.get(f"{DASHBOARD}?{PERIOD_QUERY}")
    page = leader.content.decode()
    assert leader.status_code == 200
    assert FEWER in page


def _rows_of_csv(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _total_label(rows):
    return vi("Total")


def test_exports_follow_the_viewers_suppression(client, data):
    url = reverse("insights_export", args=["units", "csv"]) + "?" + PERIOD_QUERY
    client.force_login(data["office"])
    rows = {row[0]: row for row in _rows_of_csv(client.get(url))}
    header = _rows_of_csv(client.get(url))[0]
    enrolled = header.index(str(breakdowns.UNIT_COLUMNS[3].label))
    assert rows["Xã Bắc Sơn"][enrolled] == "2"
    assert rows[_total_label(rows)][enrolled] == "8"
    client.force_login(data["leader"])
    response = client.get(url)
    assert response["Content-Type"].startswith("text/csv")
    rows = {row[0]: row for row in _rows_of_csv(response)}
    assert rows["Xã Bắc Sơn"][enrolled] == FEWER
    assert rows["Xã An Bình"][enrolled] == vi("hidden")  # or 8 − 6 would give B's 2 back
    assert rows[_total_label(rows)][enrolled] == "8"  # the true total
    xlsx = client.get(reverse("insights_export", args=["headline", "xlsx"]) + "?" + PERIOD_QUERY)
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    figures = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert figures[str(breakdowns.UNIT_COLUMNS[3].label)] == 8
    assert figures[str(breakdowns.UNIT_COLUMNS[0].label)] == FEWER  # 4 sign-ups: never 0


# Access and scoping ----------------------------------------------------------------------------------


def test_who_may_open_the_dashboard(client, data):
    for user, status in [(data["office"], 200), (data["leader"], 200), (data["manager_a"], 200)]:
        client.force_login(user)
        assert client.get(DASHBOARD).status_code == status
    from accounts import roles

    for role in (roles.COMMUNICATIONS_STAFF, roles.CIVIL_SERVANT, roles.CITIZEN):
        client.force_login(UserFactory(role=role))
        assert client.get(DASHBOARD).status_code in (302, 403)
    # A unit manager by role who manages no unit sees nothing; someone without a role is not let in.
    client.force_login(UserFactory(unit_manager=True))
    refused = client.get(DASHBOARD)
    assert refused.status_code == 302 and refused["Location"] == "/admin/"  # Wagtail's "permission denied"
    client.force_login(UserFactory())
    assert client.get(DASHBOARD).status_code == 302
    # The menu item shows for those who may open it.
    client.force_login(data["manager_a"])
    assert DASHBOARD in client.get("/admin/").content.decode()
    client.force_login(UserFactory(officer=True))
    assert DASHBOARD not in client.get("/admin/").content.decode()
    client.logout()
    assert client.get(DASHBOARD).status_code == 302


def test_unit_manager_sees_only_their_subtree_and_cannot_tamper_with_the_unit(client, data):
    client.force_login(data["manager_a"])
    response = client.get(f"{DASHBOARD}?{PERIOD_QUERY}")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Xã An Bình" in page
    assert "Xã Bắc Sơn" not in page and "Sở Chuyển đổi số" not in page
    units = response.context["tables"]["units"]
    assert [row.label for row in units.rows] == ["Xã An Bình"]
    assert units.total.cells["enrolled"].value == 6
    # Another unit's id, in the page or an export: refused as if it did not exist, nothing of it shown.
    for unit in (data["b"], data["province"]):
        response = client.get(f"{DASHBOARD}?unit={unit.pk}&{PERIOD_QUERY}")
        assert response.status_code == 400
        body = response.content.decode()
        assert unit.name not in body
        assert "tables" not in response.context or not response.context.get("tables")
        export = client.get(reverse("insights_export", args=["units", "csv"]) + f"?unit={unit.pk}&{PERIOD_QUERY}")
        assert export.status_code == 400
        assert unit.name not in export.content.decode()
    # Their own sub-unit is fine.
    response = client.get(f"{DASHBOARD}?unit={data['a1'].pk}&{PERIOD_QUERY}")
    assert response.status_code == 200
    assert response.context["unit"] == data["a1"]


def test_leader_drills_down_and_sorts(client, data):
    client.force_login(data["leader"])
    response = client.get(f"{DASHBOARD}?{PERIOD_QUERY}&sort=completed&dir=desc")
    labels = [row.label for row in response.context["tables"]["units"].rows]
    assert set(labels[:2]) == {"Xã An Bình", "Sở Chuyển đổi số"}  # 5 and 5 (B's 1 is hidden: last)
    assert labels.index("Xã Bắc Sơn") > labels.index("Sở Chuyển đổi số")
    response = client.get(f"{DASHBOARD}?{PERIOD_QUERY}&sort=label&dir=asc")
    labels = [row.label for row in response.context["tables"]["units"].rows]
    assert labels == sorted(labels, key=str.casefold)
    page = response.content.decode()
    assert 'aria-sort="ascending"' in page
    response = client.get(f"{DASHBOARD}?unit={data['a'].pk}&{PERIOD_QUERY}")
    assert response.status_code == 200
    assert response.context["tables"]["units"].rows[0].label == "Phòng Kinh tế An Bình"


# Bad input -------------------------------------------------------------------------------------------


UNIT_MESSAGE = "Choose a unit from the list."
DATE_MESSAGE = "Enter a date as day/month/year, for example 31/12/2026."


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("unit=999999", UNIT_MESSAGE),
        ("unit=abc", UNIT_MESSAGE),
        ("unit=-3", UNIT_MESSAGE),
        ("start=2026-13-45", DATE_MESSAGE),
        ("start=yesterday", DATE_MESSAGE),
        ("start=2026-03-15&end=2026-03-01", "The end of the period must not be before its start."),
        ("start=2020-01-01&end=2026-03-01", "The period can be at most two years."),
    ],
)
def test_bad_input_gives_a_translated_error_not_a_500(client, data, query, message):
    client.force_login(data["office"])
    response = client.get(f"{DASHBOARD}?{query}")
    assert response.status_code == 400
    assert escape(vi(message)) in response.content.decode()
    export = client.get(reverse("insights_export", args=["units", "csv"]) + "?" + query)
    assert export.status_code == 400
    assert client.get(reverse("insights_export", args=["nope", "csv"])).status_code == 404
    assert client.get(reverse("insights_export", args=["units", "pdf"])).status_code == 404


# Query counts ------------------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_the_number_of_units(client, data):
    client.force_login(data["office"])
    url = f"{DASHBOARD}?{PERIOD_QUERY}"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for number in range(10):
        unit = OrganisationUnitFactory(name=f"Xã Thêm {number}", code=f"P-X{number}", parent=data["province"])
        OrganisationUnitFactory(name=f"Phòng {number}", code=f"P-X{number}-1", parent=unit, kind="division")
        learner = UserFactory(organisation_unit=unit)
        Enrolment.objects.create(user=learner, course=data["course_k"], enrolled_at=at(3))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["tables"]["units"].rows) >= 13
    assert len(many) == len(few)
    assert len(many) <= 40


# Charts -------------------------------------------------------------------------------------------------


def test_charts_are_accessible_svg_with_escaped_text():
    svg = charts.bar_chart(
        "c1", "Rate <b>", "Desc & more", [("Xã <A>", 50.0, False), ("Xã B", None, True)], suppressed_text="ít hơn 5"
    )
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Rate &lt;b&gt;</title>' in svg
    assert "Xã &lt;A&gt;" in svg and "ít hơn 5" in svg
    assert svg.count("<rect") == 1
    line = charts.line_chart("c2", "T", "D", [START, END], [("Một", [1, None]), ("Hai", [2, 3])])
    assert line.count("<polyline") == 1 and line.count("<circle") == 1


def test_chart_axis_numbers_are_written_as_the_tables_write_them():
    # The uptake chart's top mark (a share of 47.9 %) beside a table that reads "47,9%": both Vietnamese.
    with translation.override("vi"):
        line = charts.line_chart("c3", "T", "D", [START, END], [("Tỷ lệ", [23.4, 47.9])])
        bars = charts.bar_chart("c4", "T", "D", [("Xã A", 1234.0, False)])
    assert ">47,9</text>" in line and ">47.9</text>" not in line
    assert ">1234</text>" in bars and "1,234" not in bars  # as the tables write it: no grouping in Vietnamese


def test_dashboard_page_has_charts_with_tables(client, data):
    client.force_login(data["leader"])
    page = client.get(f"{DASHBOARD}?{PERIOD_QUERY}").content.decode()
    assert page.count('role="img"') >= 3
    for key in ("units", "weeks", "courses", "tutorials", "services", "campaigns"):
        assert f'id="{key}-caption"' in page
    # Each table has its own headers: the first column names what a row is.
    headers = [("units", "Unit"), ("weeks", "Week starting"), ("courses", "Course"), ("tutorials", "Tutorial")]
    for key, header in headers:
        table = page.split(f'id="{key}-caption"')[1].split("</thead>")[0]
        first = re.search(r"<th scope=\"col\"[^>]*>(?:<a [^>]*>)?([^<]+)", table).group(1).strip()
        assert first == escape(vi(header)), (key, first)
    weeks = page.split('id="weeks-caption"')[1].split("</thead>")[0]
    assert "People reached by campaigns" not in weeks and escape(vi("People reached by campaigns")) not in weeks
    assert "<script" not in page.split('id="headline-heading"')[1].split("</main>")[0]


# Public page ---------------------------------------------------------------------------------------------


def test_public_page_shows_suppressed_aggregates_and_no_personal_data(client, data):
    response = client.get(PUBLIC)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script" not in page.split("<main")[1].split("</main>")[0]
    assert "Xã An Bình" in page and "Sở Chuyển đổi số" in page
    for user in data["people"] + [data["leader"], data["office"], data["manager_a"], data["manager_b"]]:
        assert user.full_name not in page
        if user.email:
            assert user.email not in page
        if user.phone:
            assert user.phone not in page
    figures = selectors.transparency()
    rows = {name: cells for name, _kind, cells in figures["rows"]}
    assert rows["Xã Bắc Sơn"]["certificates"] == (1, True, "small")
    assert FEWER in page
    assert len(page.encode()) < 40_000
    # Served from the page cache the second time, anonymous.
    again = client.get(PUBLIC)
    assert again["X-Page-Cache"] == "hit"
    english = client.get("/en" + PUBLIC)  # the retired English address: to the one page
    assert (english.status_code, english["Location"]) == (301, PUBLIC)


def test_public_figures_are_cached_and_refreshed_by_the_task(data, django_assert_max_num_queries):
    from insights.selectors import transparency_figures
    from insights.tasks import transparency_refresh

    transparency_refresh()
    with django_assert_max_num_queries(0):
        figures = transparency_figures()
    rows = {name: cells for name, _kind, cells in figures["rows"]}
    assert rows["Xã An Bình"]["rate"] == (83.3, False, "")
    assert rows["Tỉnh Minh Họa"] == {
        "trained": (0, False, ""),
        "certificates": (0, False, ""),
        "rate": (None, False, ""),
    }


def test_daily_summary_rebuild_is_idempotent_and_follows_changes(data):
    from courses.models import Certificate
    from insights.models import UnitDayFigure
    from insights.services import figures_rebuild
    from tests.insights.world import day

    def snapshot():
        rows = UnitDayFigure.objects.values_list("day", "unit_id", "certificates", "lessons", "signups")
        return sorted(rows, key=lambda row: (row[0], row[1] or 0))

    before = snapshot()
    assert before
    figures_rebuild(start=day(-60), end=day(30))
    assert snapshot() == before
    # A certificate revoked: the rebuilt days no longer count it.
    Certificate.objects.filter(user__organisation_unit=data["b"]).update(revoked_at=at(12))
    figures_rebuild(start=day(1), end=day(15))
    table = breakdowns.by_unit(scope=EVERYTHING, unit=None, period=PERIOD).finalise(suppress=False)
    assert table.total.cells["certificates"].value == 5
    # The default run recounts yesterday and today only.
    yesterday = local_today() - datetime.timedelta(days=1)
    older = [row for row in snapshot() if row[0] < yesterday]
    figures_rebuild()
    assert [row for row in snapshot() if row[0] < yesterday] == older


def test_footer_links_to_the_public_page(client, home_page):
    page = client.get("/").content.decode()
    assert re.search(r'href="/minh-bach/"', page)


def test_benchmark_data_generator_fills_every_source(db, home_page):
    from django.core.management import call_command

    from courses.models import Certificate, LessonCompletion, TutorialCompletion
    from insights.tasks import figures_rebuild_recent
    from outreach.models import Delivery

    options = {"people": 60, "units": 12, "requirements": 1, "progress": 400, "citizens": 10, "force": True}
    call_command("generate_insights_data", **options, stdout=io.StringIO())
    assert LessonCompletion.objects.count() == 400
    figures_rebuild_recent()
    assert Certificate.objects.exists() and TutorialCompletion.objects.exists()
    from courses.models import TutorialPageView
    from outreach.models import CampaignClick, CampaignMessage

    message = CampaignMessage.objects.get()
    assert Delivery.objects.filter(kind="campaign").exclude(subject_id=message.pk).count() == 0
    assert Delivery.objects.filter(kind="campaign", subject_id=message.pk).exists()
    assert CampaignClick.objects.filter(message=message).exists() and TutorialPageView.objects.exists()
    campaigns = breakdowns.by_campaign(scope=EVERYTHING, unit=None, period=Period.last_weeks(53)).finalise(
        suppress=False
    )
    [row] = [row for row in campaigns.rows if row.key == message.campaign_id]
    assert row.values["sent"] > 0 and row.values["clicked"] > 0
    table = breakdowns.by_unit(scope=EVERYTHING, unit=None, period=Period.last_weeks(53)).finalise(suppress=False)
    assert table.total.cells["lessons"].value == 400
    assert table.total.cells["signups"].value == 10
    call_command("generate_insights_data", **options, stdout=io.StringIO())  # a second run adds nothing
    assert LessonCompletion.objects.count() == 400


def test_summary_is_filled_on_a_fresh_installation_and_by_command(data):
    from django.core.management import CommandError, call_command

    from insights.models import UnitDayFigure
    from insights.tasks import figures_refresh

    count = UnitDayFigure.objects.count()
    UnitDayFigure.objects.all().delete()
    figures_refresh()  # empty: the last 400 days, not only two
    assert UnitDayFigure.objects.count() == count
    UnitDayFigure.objects.all().delete()
    out = io.StringIO()
    call_command("insights_figures_rebuild", days=200, stdout=out)
    assert UnitDayFigure.objects.count() == count
    assert f"{count} rows" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("insights_figures_rebuild", days=0)


def test_highlights_name_the_least_completed_course_and_the_least_helpful_tutorial(client, data):
    client.force_login(data["office"])
    found = client.get(f"{DASHBOARD}?{PERIOD_QUERY}").context["highlights"]
    assert len(found) == 2
    assert "Kỹ năng số cơ bản" in found[0] and "75,0%" in found[0]  # 6 of the period's 8 enrolments
    assert "Nộp hồ sơ trực tuyến" in found[1] and "2" in found[1]
    # Outside the training office, 2 "not helpful" answers are a small group: not named.
    client.force_login(data["leader"])
    found = client.get(f"{DASHBOARD}?{PERIOD_QUERY}").context["highlights"]
    assert len(found) == 1 and "Kỹ năng số cơ bản" in found[0]


def test_the_insights_tasks_old_names_hand_on_to_the_renamed_tasks():
    from core.tasks import RENAMED_TASKS
    from insights import tasks

    renamed = {
        "figures_refresh": tasks.figures_refresh,
        "figures_rebuild_recent": tasks.figures_rebuild_recent,
        "transparency_refresh": tasks.transparency_refresh,
    }
    for function, task in renamed.items():
        assert task.name == f"insights.{function}"
        assert RENAMED_TASKS[f"insights.tasks.{function}"] == task.name
