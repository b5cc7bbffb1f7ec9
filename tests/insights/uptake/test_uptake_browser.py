"""The training office imports the one-stop system's figures in a real browser (Debian's Chromium), then reads them
beside training on the dashboard."""

import csv
import re

import pytest
from playwright.sync_api import expect

from insights.models import UptakeFigure
from tests.insights.uptake.test_uptake_insights import M0, vi
from tests.insights.uptake.test_uptake_insights import world as world
from tests.support.browser import admin_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HEADERS = ["Mã thủ tục", "Mã đơn vị", "Tháng", "Hồ sơ trực tuyến", "Hồ sơ giấy"]


def test_the_training_office_uploads_checks_imports_and_sees_the_chart(live_server, world, page, tmp_path):
    # The world's figures, written as the one-stop system exports them, then forgotten: the import brings them back.
    figures = list(
        UptakeFigure.objects.values_list("service__procedure_code", "unit__code", "month", "online", "paper")
    )
    path = tmp_path / "mot-cua-thang.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        for code, unit, month, online, paper in figures:
            writer.writerow([code, unit, f"{month:%m/%Y}", online, paper])
    UptakeFigure.objects.all().delete()
    base = live_server.url

    admin_sign_in(page, base, world["office"].email)
    page.goto(base + "/admin/insights/uptake/")
    page.locator("input[name=file]").set_input_files(str(path))
    page.locator("#uptake-check").click()
    expect(page.locator("#uptake-status")).to_have_attribute("data-status", "checked")
    expect(page.locator('#uptake-counts [data-count="create"]')).to_have_text(str(len(figures)))
    expect(page.locator('#uptake-counts [data-count="error_rows"]')).to_have_text("0")
    assert not UptakeFigure.objects.exists()  # the check wrote nothing

    page.locator("#uptake-apply").click()
    expect(page.locator("#uptake-status")).to_have_attribute("data-status", "applied")
    assert UptakeFigure.objects.count() == len(figures)

    page.locator("#uptake-dashboard").click()
    expect(page.locator("#uptake-heading")).to_be_visible()
    expect(page.locator("#uptake-caveat")).to_be_visible()
    page.locator("#id_uptake_service").select_option(value=str(world["birth"].pk))
    page.locator("#uptake form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"uptake_service={world['birth'].pk}"))
    expect(page.locator("svg#chart-uptake polyline")).to_have_count(1)
    months = page.locator("#uptake-months")
    marked = months.locator("tbody tr", has=page.get_by_role("rowheader", name=f"{M0:%m/%Y}"))
    expect(marked.locator("td").last).to_contain_text("Khai sinh trực tuyến")
    table = page.locator("#uptake-before-after")
    an = table.locator("tbody tr", has=page.get_by_role("rowheader", name="Đăng ký khai sinh")).filter(has_text="Xã An")
    expect(an.locator("td").last).to_have_text(re.compile(r"^40[,.]0$"))
    expect(table).to_contain_text(vi("All units shown"))
    with page.expect_download() as download_info:
        page.locator("#uptake").get_by_role("link", name=re.compile("^CSV")).last.click()
    assert download_info.value.suggested_filename.startswith("uptake-before-after-all-")
