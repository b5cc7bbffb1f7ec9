"""The operations dashboard and the public transparency page in a real browser (Debian's Chromium)."""

import csv
import io
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from insights.breakdowns import UNIT_COLUMNS
from tests.insights.world import END, EXACT_TOTAL, START, build, day
from tests.support.browser import admin_sign_in, axe_read, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


UNIT_KEYS = [column.key for column in UNIT_COLUMNS]


def vi(message):
    with translation.override("vi"):
        return gettext(message)


@pytest.fixture
def province(home_page):
    return build(home_page)


def period_choose(tab, start, end):
    tab.locator("#id_start").fill(start)
    tab.locator("#id_end").fill(end)
    tab.locator("form.insights-filters button[type=submit]").click()
    expect(tab).to_have_url(re.compile(rf"start={start}&end={end}"))


def units_table(tab):
    return tab.locator("#units-caption").locator("xpath=..")


def test_leader_and_unit_manager_dashboards(live_server, province, page, tmp_path):
    base = live_server.url

    # The leader: the whole province, small groups suppressed.
    admin_sign_in(page, base, "lanhdao@example.vn")
    page.goto(base + "/admin/insights/")
    expect(page.locator("h1")).to_be_visible()
    period_choose(page, START.isoformat(), END.isoformat())
    table = units_table(page)
    for name in ("Xã An Bình", "Xã Bắc Sơn", "Sở Chuyển đổi số"):
        expect(table.get_by_role("rowheader", name=name)).to_be_visible()
    bac_son = table.locator("tbody tr", has=page.get_by_role("rowheader", name="Xã Bắc Sơn"))
    enrolled_column = 4  # label, sign-ups, reached, tutorials, enrolments
    expect(bac_son.locator("td").nth(enrolled_column - 1)).to_have_class(re.compile("insights-small"))
    an_binh = table.locator("tbody tr", has=page.get_by_role("rowheader", name="Xã An Bình"))
    # A's 6 is hidden too ("đã ẩn"): with the true total 8, 8 − 6 would give B's 2 back.
    expect(an_binh.locator("td").nth(enrolled_column - 1)).to_have_text(vi("hidden"))
    expect(units_table(page).locator("tfoot td").nth(enrolled_column - 1)).to_have_text("8")
    expect(page.locator("svg#chart-units[role=img] title")).to_have_count(1)
    expect(page.locator("svg#chart-weeks")).to_have_count(1)

    # A wider period changes the figures (C's enrolments the day before count).
    period_choose(page, day(1).isoformat(), END.isoformat())
    expect(units_table(page).locator("tfoot td").nth(enrolled_column - 1)).to_have_text("13")  # B's 2 too

    # The export of the table on screen, with the same period and suppression.
    with page.expect_download() as download_info:
        page.locator("#by-unit a", has_text="CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"insights-units-all-{day(1):%Y%m%d}-{END:%Y%m%d}-")
    assert download.suggested_filename.endswith(".csv")
    path = tmp_path / "units.csv"
    download.save_as(path)
    rows = {row[0]: row for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")))}
    assert rows["Xã An Bình"][4] == "6"
    assert rows["Sở Chuyển đổi số"][4] == vi("hidden")  # C's 5 hidden, or 13 − 6 − 5 would give B's 2
    assert not rows["Xã Bắc Sơn"][4].isdigit()  # "fewer than 5"

    # The unit manager of Xã An Bình: that commune and its division only.
    page.context.clear_cookies()
    admin_sign_in(page, base, "quanly.a@example.vn")
    page.goto(f"{base}/admin/insights/?start={START.isoformat()}&end={END.isoformat()}")
    table = units_table(page)
    expect(table.get_by_role("rowheader", name="Xã An Bình")).to_be_visible()
    content = page.content()
    assert "Xã Bắc Sơn" not in content and "Sở Chuyển đổi số" not in content
    options = page.locator("#id_unit option").all_inner_texts()
    assert not any("Bắc Sơn" in option or "Tỉnh Minh Họa" in option for option in options)
    # Drill down through the link in the table.
    table.get_by_role("link", name="Xã An Bình").click()
    expect(units_table(page).get_by_role("rowheader", name="Phòng Kinh tế An Bình")).to_be_visible()
    # Another unit by id: refused, nothing of it shown.
    page.goto(f"{base}/admin/insights/?unit={province['b'].pk}")
    expect(page.locator("[role=alert]")).to_be_visible()
    assert "Xã Bắc Sơn" not in page.content()


def test_public_page_shows_seeded_figures_without_personal_data(live_server, province, page):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=re.compile("figures|số liệu", re.IGNORECASE)).first.click()
    expect(page).to_have_url(re.compile(r"/minh-bach/$"))
    table = page.locator("table").first
    an_binh = table.locator("tr", has=page.get_by_role("rowheader", name="Xã An Bình"))
    # 5 people completed a course and 5 certificates in the last year; compliance 5 of 6 (83.3%).
    expect(an_binh.locator("td").nth(0)).to_have_text("5")
    expect(an_binh.locator("td").nth(1)).to_have_text("5")
    expect(an_binh.locator("td").nth(2)).to_have_text(re.compile(r"83[.,]3%"))
    expect(page.locator("svg[role=img]")).to_have_count(1)
    # The chart needs no script: the page's one script is the site's optional offline helper (docs/offline.md).
    assert page.locator("svg script").count() == 0
    scripts = page.locator("script").evaluate_all("all => all.map(s => [s.src, s.defer, s.text])")
    assert [(re.search(r"/js/pwa\b[^/]*\.js$", src) is not None, defer, text) for src, defer, text in scripts] == [
        (True, True, "")
    ]
    html = page.content()
    for person in province["people"] + [province[key] for key in ("leader", "office", "manager_a", "manager_b")]:
        assert person.full_name not in html
        for contact in (person.email, person.phone):
            if contact:
                assert contact not in html
    # Fits a phone's width without sideways scrolling of the page itself.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1


def test_no_accessibility_violations_on_the_public_page_and_the_dashboard(live_server, province, page):
    source = axe_read()

    def violations(context):
        return axe_violations(page, source, context)

    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(live_server.url + "/minh-bach/")
        assert violations("html") == []
    admin_sign_in(page, live_server.url, "daotao@example.vn")
    page.goto(live_server.url + "/admin/insights/")
    # Our part of the admin page (Wagtail's own chrome is Wagtail's).
    assert violations(".nice-padding") == []
    page.goto(live_server.url + "/admin/insights/?start=nope")
    assert violations(".nice-padding") == []


def test_the_leader_sees_fewer_than_5_and_no_false_0_on_small_figures(live_server, province, page, tmp_path):
    """Small data (a few people per unit): the headline, the unit table's total and the public page's
    province row say "ít hơn 5" (or "đã ẩn") for a small or protected figure, never a 0 that is not so."""
    fewer, hidden = vi("fewer than %(count)s") % {"count": 5}, vi("hidden")
    admin_sign_in(page, live_server.url, "lanhdao@example.vn")
    page.goto(f"{live_server.url}/admin/insights/?start={START.isoformat()}&end={END.isoformat()}")
    overdue = page.locator("[data-figure=overdue] dd")
    expect(overdue).to_have_text(fewer)  # 2 overdue, not "Quá hạn 0"
    for key, exact in EXACT_TOTAL.items():
        if key == "required":
            continue  # not a headline figure
        shown = page.locator(f"[data-figure={key}] dd").inner_text().strip()
        assert shown == (f"{exact:,}".replace(",", ".")) or shown in (fewer, hidden), (key, shown)
        assert shown != "0" or exact == 0, key
    total_row = units_table(page).locator("tfoot td").all_inner_texts()
    assert "0" not in [text for text, key in zip(total_row, UNIT_KEYS, strict=True) if EXACT_TOTAL.get(key)]
    page.screenshot(path=tmp_path / "dashboard.png", full_page=True)  # to look at, not kept

    page.goto(live_server.url + "/minh-bach/")
    expect(page.locator("main")).to_contain_text(fewer)
    province_row = page.locator("table").first.locator("tfoot td").all_inner_texts()
    assert "0" not in province_row[:2]  # people trained and certificates this year are not zero
    assert all(text in (fewer, hidden) or text.replace(".", "").isdigit() for text in province_row[:2])
    page.screenshot(path=tmp_path / "public.png", full_page=True)
