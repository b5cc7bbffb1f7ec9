"""The one-stop system's figures beside training: before and after each milestone, the dashboard's section and
exports, and the public page (suppressed)."""

import csv
import datetime
import io
import zoneinfo

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from core.localtime import local_today, months_add
from courses.assisted import services as assisted
from courses.models import PublicService, TutorialPage
from insights.models import UptakeFigure
from insights.uptake import milestones as milestones_module
from insights.uptake import selectors
from insights.uptake.milestones import Milestone
from outreach.models import CampaignIndexPage, CampaignPage
from tests.accounts.factories import OrganisationUnitFactory, UserFactory
from tests.courses.factories import tutorial_create, tutorial_index_create
from tests.support.pages import page_add

pytestmark = pytest.mark.django_db

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
LAST_MONTH = months_add(local_today().replace(day=1), -1)
M0 = months_add(LAST_MONTH, -6)  # the month the tutorial was published
PUBLISHED = M0 + datetime.timedelta(days=14)
DASHBOARD = "/admin/insights/"


def vi(message, **params):
    with translation.override("vi"):
        text = gettext(message)
    return text % params if params else text


FEWER = vi("fewer than %(count)s", count=5)


def month(offset):
    return months_add(M0, offset)


@pytest.fixture
def world(home_page):
    province = OrganisationUnitFactory(name="Tỉnh Thử", code="P", kind="province")
    unit_a = OrganisationUnitFactory(name="Xã An", code="XA-A", kind="commune", parent=province)
    unit_b = OrganisationUnitFactory(name="Xã Bình", code="XA-B", kind="commune", parent=province)
    unit_s = OrganisationUnitFactory(name="Xã Nhỏ", code="XA-S", kind="commune", parent=province)
    for unit in (province, unit_a, unit_b, unit_s):
        unit.refresh_from_db()
    birth = PublicService.objects.create(
        name="Đăng ký khai sinh", agency="UBND cấp xã", procedure_code="1.001193", official_url="https://x.gov.vn"
    )
    licence = PublicService.objects.create(
        name="Đổi giấy phép lái xe", agency="Công an", procedure_code="1.002809", official_url="https://x.gov.vn"
    )
    index = tutorial_index_create(home_page)
    tutorial = tutorial_create(index, "Khai sinh trực tuyến", public_service=birth)
    TutorialPage.objects.filter(pk=tutorial.pk).update(
        first_published_at=datetime.datetime.combine(PUBLISHED, datetime.time(9), tzinfo=VN)
    )
    rows = []
    for offset in range(-6, 7):
        if offset < 0:
            rows += [(unit_a, 20, 80), (unit_b, 10, 30), (unit_s, 0, 1)]
        elif offset == 0:
            rows += [(unit_a, 50, 50), (unit_b, 20, 20)]  # the milestone's own month: left out
        else:
            rows += [(unit_a, 60, 40), (unit_b, 30, 10)] + ([(unit_s, 1, 0)] if offset <= 3 else [])
        for unit, online, paper in rows:
            UptakeFigure.objects.create(service=birth, unit=unit, month=month(offset), online=online, paper=paper)
        rows = []
    # Three applications in six months: a small group everywhere.
    UptakeFigure.objects.create(service=licence, unit=unit_a, month=LAST_MONTH, online=2, paper=1)
    office = UserFactory(training_admin=True)
    leader = UserFactory(leader=True)
    manager = UserFactory(unit_manager=True)
    unit_a.managers.add(manager)
    return {
        "a": unit_a,
        "b": unit_b,
        "s": unit_s,
        "birth": birth,
        "licence": licence,
        "tutorial": tutorial,
        "office": office,
        "leader": leader,
        "manager": manager,
    }


def by_unit(table):
    return {row.key[1]: row for row in table.rows}


def test_windows_leave_the_milestones_month_out():
    found = selectors.windows(day=datetime.date(2026, 6, 12))
    assert found.before == (datetime.date(2025, 12, 1), datetime.date(2026, 5, 1))
    assert found.after == (datetime.date(2026, 7, 1), datetime.date(2026, 12, 1))
    assert selectors.windows(day=datetime.date(2026, 1, 31), months=1).before == (
        datetime.date(2025, 12, 1),
        datetime.date(2025, 12, 1),
    )


def test_before_and_after_the_tutorial_per_service_and_unit(world):
    table = selectors.before_after(paths=None, service=world["birth"], suppress=False)
    rows = by_unit(table)
    whole = rows[vi("All units shown")]
    assert whole.key[2] == vi("Tutorial published: %(title)s", title="Khai sinh trực tuyến")
    assert whole.key[3] == PUBLISHED
    assert whole.values["online_before"] == 180 and whole.values["all_before"] == 846
    assert whole.values["online_after"] == 543 and whole.values["all_after"] == 843
    assert whole.cells["share_before"].value == round(100 * 180 / 846, 1)
    assert whole.cells["share_after"].value == round(100 * 543 / 843, 1)
    a = rows["Xã An"]
    assert (a.cells["share_before"].value, a.cells["share_after"].value, a.cells["change"].value) == (20.0, 60.0, 40.0)
    b = rows["Xã Bình"]
    assert (b.cells["share_before"].value, b.cells["share_after"].value, b.cells["change"].value) == (25.0, 75.0, 50.0)
    small = rows["Xã Nhỏ"]
    assert small.cells["share_before"].value == 0.0 and small.cells["online_after"].value == 3
    # Suppressed outside the training office: the small commune's figures say so, never 0.
    leader_rows = by_unit(selectors.before_after(paths=None, service=world["birth"], suppress=True))
    small = leader_rows["Xã Nhỏ"]
    assert small.cells["online_after"].suppressed and small.cells["all_after"].suppressed
    assert small.cells["share_after"].suppressed and small.cells["change"].suppressed
    assert leader_rows["Xã An"].cells["change"].value == 40.0
    # Every service: one row per (service, milestone), the whole part shown.
    overview = selectors.before_after(paths=None, service=None, suppress=False)
    assert [(row.label, row.key[1]) for row in overview.rows] == [("Đăng ký khai sinh", vi("All units shown"))]


def test_a_unit_scope_and_a_source_of_one_unit(world, monkeypatch):
    rows = by_unit(selectors.before_after(paths=[world["a"].path], service=world["birth"], suppress=False))
    assert set(rows) == {vi("All units shown"), "Xã An"}
    assert rows[vi("All units shown")].values["online_before"] == 120

    def assisted(*, service_ids):
        return [Milestone(world["birth"].pk, world["b"].pk, PUBLISHED, "Hỗ trợ tại xã", "assisted")]

    monkeypatch.setattr(milestones_module, "SOURCES", [assisted])
    table = selectors.before_after(paths=None, service=world["birth"], suppress=False)
    assert [row.key[1] for row in table.rows] == ["Xã Bình"]  # its unit; no second row of the same figures
    assert table.rows[0].values["online_before"] == 60 and table.rows[0].values["all_after"] == 240
    kinds = selectors.before_after(paths=None, service=world["birth"], suppress=False, kinds=["tutorial"])
    assert not kinds.rows


def test_help_at_a_communes_counter_is_a_milestone_of_that_commune_only(world):
    """The first service completed at Xã Bình's counter (or one of its tutorials walked there) is Xã Bình's milestone;
    a later session there, and a session in a commune without figures for the service, add none."""
    helper = UserFactory(helper=True, organisation_unit=world["b"])
    first = assisted.session_start_with_new_account(helper=helper, full_name="Lan", phone="0388100201", agreed=True)
    assisted.assisted_service_complete(helper=helper, session=first, service=world["birth"])
    later = assisted.session_start_with_new_account(helper=helper, full_name="Mai", phone="0388100202", agreed=True)
    assisted.assisted_tutorial_done(helper=helper, session=later, tutorial=world["tutorial"])
    assert not milestones_module.assisted_sessions_began(service_ids=[world["licence"].pk])

    found = milestones_module.assisted_sessions_began(service_ids=[world["birth"].pk])
    assert [(m.service_id, m.unit_id, m.day, m.kind) for m in found] == [
        (world["birth"].pk, world["b"].pk, local_today(), "assisted")
    ]
    table = selectors.before_after(paths=None, service=world["birth"], suppress=False, kinds=["assisted"])
    assert {row.key[1] for row in table.rows} == {"Xã Bình"}


def test_campaigns_pointing_to_a_service_or_its_tutorial_are_milestones(world, home_page):
    index = page_add(home_page, CampaignIndexPage(title="Chiến dịch", slug="chien-dich"))
    start = month(3) + datetime.timedelta(days=4)
    calls = [{"type": "tutorial", "value": {"label": "", "page": world["tutorial"].pk}}]
    page_add(
        index,
        CampaignPage(
            title="Khai sinh cho bé",
            slug="khai-sinh",
            goal="Khai sinh trên mạng.",
            starts_on=start,
            ends_on=start + datetime.timedelta(days=30),
            calls_to_action=calls,
        ),
    )
    promoted = page_add(
        index,
        CampaignPage(
            title="Đổi bằng lái",
            slug="doi-bang",
            goal="Đổi bằng trên mạng.",
            starts_on=start,
            ends_on=start,
            calls_to_action=[],
        ),
    )
    promoted.services.set([world["licence"]])
    promoted.save()
    found = milestones_module.campaigns_ran(service_ids=[world["birth"].pk, world["licence"].pk])
    assert sorted((m.service_id, m.day, m.kind) for m in found) == sorted(
        [(world["birth"].pk, start, "campaign"), (world["licence"].pk, start, "campaign")]
    )
    table = selectors.before_after(paths=None, service=world["birth"], suppress=False, kinds=["campaign"])
    whole = by_unit(table)[vi("All units shown")]
    assert whole.key[3] == start
    assert whole.values["all_before"] == sum(
        figure.online + figure.paper
        for figure in UptakeFigure.objects.filter(service=world["birth"], month__gte=month(-3), month__lte=month(2))
    )


def test_months_table_marks_the_milestones(world):
    table, marks = selectors.monthly(paths=None, service=world["birth"], suppress=False)
    assert [row.key for row in table.rows] == [month(offset) for offset in range(-6, 7)]
    assert [m.kind for m in marks[M0]] == ["tutorial"]
    assert table.rows[0].cells["share"].value == round(100 * 30 / 141, 1)
    assert table.total.values["all"] == sum(
        f.online + f.paper for f in UptakeFigure.objects.filter(service=world["birth"])
    )


def _csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_dashboard_section_chart_table_and_exports(client, world):
    client.force_login(world["office"])
    response = client.get(DASHBOARD)
    html = response.content.decode()
    assert response.status_code == 200
    for marker in (
        'id="uptake"',
        'id="chart-uptake"',
        'id="uptake-caveat"',
        'id="uptake-months"',
        "uptake-before-after",
    ):
        assert marker in html
    assert vi("Correlation, not proof of cause.") in html
    query = f"uptake_service={world['birth'].pk}"
    html = client.get(f"{DASHBOARD}?{query}").content.decode()
    assert "Xã Bình" in html and "Xã Nhỏ" in html
    rows = _csv(client.get(reverse("insights_uptake_export", args=["before-after", "csv"]) + "?" + query))
    by = {row[1]: row for row in rows[1:]}
    header = rows[0]
    assert by["Xã An"][header.index(vi("Change (percentage points)"))] in ("40", "40.0")
    assert by["Xã Nhỏ"][header.index(vi("Online, after"))] == "3"
    xlsx = client.get(reverse("insights_uptake_export", args=["months", "xlsx"]) + "?" + query)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    months = list(sheet.iter_rows(min_row=2, values_only=True))
    assert months[6][0] == f"{M0:%m/%Y}" and months[6][-1].startswith(vi("Tutorial published: %(title)s", title=""))
    # A leader sees small groups suppressed, in the export too: never 0.
    client.force_login(world["leader"])
    rows = _csv(client.get(reverse("insights_uptake_export", args=["before-after", "csv"]) + "?" + query))
    by = {row[1]: row for row in rows[1:]}
    assert by["Xã Nhỏ"][rows[0].index(vi("Online, after"))] == FEWER
    assert FEWER in client.get(f"{DASHBOARD}?{query}").content.decode()


def test_a_unit_manager_sees_her_units_only_and_bad_choices_are_refused(client, world):
    client.force_login(world["manager"])
    query = f"uptake_service={world['birth'].pk}"
    rows = _csv(client.get(reverse("insights_uptake_export", args=["before-after", "csv"]) + "?" + query))
    assert {row[1] for row in rows[1:]} == {vi("All units shown"), "Xã An"}
    other = client.get(reverse("insights_uptake_export", args=["before-after", "csv"]) + f"?unit={world['b'].pk}")
    assert other.status_code == 400
    client.force_login(world["office"])
    for value in ("999999", "abc", "-1", "1e309", "\x00"):
        response = client.get(f"{DASHBOARD}?uptake_service={value}")
        assert response.status_code == 200
        assert vi("Choose a public service from the list.") in response.content.decode()
        export = client.get(reverse("insights_uptake_export", args=["months", "csv"]) + f"?uptake_service={value}")
        assert export.status_code == 400
    assert client.get(reverse("insights_uptake_export", args=["nope", "csv"])).status_code == 404
    assert client.get(f"{DASHBOARD}?uptake_kind=nope").status_code == 200


def test_the_public_page_shows_the_online_share_per_service_suppressed(client, world):
    response = client.get("/minh-bach/")
    assert response.status_code == 200
    uptake = response.context["uptake"]
    rows = dict(uptake["rows"])
    # The licence's 3 applications: a small group, "fewer than 5", never 0.
    assert rows["Đổi giấy phép lái xe"] == [FEWER, FEWER, FEWER]
    # The true total is published, so the birth registrations' online count would give the 2 back: hidden.
    assert rows["Đăng ký khai sinh"][0] == vi("hidden")
    assert uptake["total"][1] != FEWER
    html = response.content.decode()
    assert 'id="uptake-public"' in html and FEWER in html
    assert uptake["months"] == [months_add(LAST_MONTH, -11), LAST_MONTH]


def test_the_sections_query_count_does_not_grow_with_the_units(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world["office"])
    url = f"{DASHBOARD}?uptake_service={world['birth'].pk}"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    province = world["a"].get_parent()
    for number in range(8):
        unit = OrganisationUnitFactory(name=f"Xã Thêm {number}", code=f"XA-T{number}", kind="commune", parent=province)
        for offset in (-2, 2):
            UptakeFigure.objects.create(service=world["birth"], unit=unit, month=month(offset), online=5, paper=5)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.context["uptake"]["before_after"].rows[-1].key[1].startswith("Xã")
    assert len(response.context["uptake"]["before_after"].rows) == 12
    assert len(many) == len(few)
