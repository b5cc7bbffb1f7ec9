"""The provincial leader's first week on the demo site, in Chromium (issue 13).

Hoàng Minh Đức (``lanhdao@kynangso.local``) signs in on the public site, sets up two-step verification and lands
on the operations dashboard. The demo's figures are small, so some are suppressed: each of those reads "fewer than
5" ("dưới 5") or "hidden", never a 0 that is not so, in the headline, in the table by unit and in the CSV he
downloads; every other headline figure is the exact number. He then opens the public transparency page from the
site's footer, where the small groups' figures are words too and the province's row tells no false zero. Nothing
after ``seed_demo`` is done in the shell or the ORM: the figures it is checked against are only read.
"""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext
from playwright.sync_api import expect

from insights import selectors
from insights.period import Period
from insights.scope import EVERYTHING
from tests.journeys.staff_steps import staff_sign_in
from tests.support.layout import PHONE_VIEWPORT, assert_no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LEADER = "lanhdao@kynangso.local"


def vi(message, **values):
    with translation.override("vi"):
        return gettext(message) % values if values else gettext(message)


def exact_figures(period):
    """The province's figures over ``period``, as nobody is shown them: ({headline key: value}, unit table)."""
    tables = selectors.dashboard(scope=EVERYTHING, unit=None, period=period, suppress=False)
    return {column.key: cell.value for column, cell in selectors.headline_figures(tables=tables)}, tables["units"]


def shown_as_exact(text, value):
    with translation.override("vi"):
        return text in (number_format(value, use_l10n=True, force_grouping=True), f"{value}")


def test_the_leaders_first_week(live_server, demo_site, settings, browser):
    settings.ACCOUNTS_TWO_FACTOR_REQUIRED = True  # as in production: set up at the first sign-in
    base = live_server.url
    fewer, hidden = vi("fewer than %(count)s", count=5), vi("hidden")
    tab = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN").new_page()
    tab.set_default_timeout(15_000)

    # 1. Signs in on the public site and sets up two-step verification; lands on the dashboard (the province).
    staff_sign_in(tab, base, LEADER, demo_site, sign_in_path="/account/sign-in/", lands_on=r"/admin/insights/$")
    expect(tab.locator("[data-figure]").first).to_be_visible()
    period = Period(
        datetime.date.fromisoformat(tab.locator("#id_start").input_value()),
        datetime.date.fromisoformat(tab.locator("#id_end").input_value()),
    )
    exact, exact_units = exact_figures(period)

    # 2. Each headline figure: exact, or (small) "dưới 5" / "đã ẩn"; never a 0 that is not zero.
    figures = tab.locator("[data-figure]")
    shown = {
        figures.nth(i).get_attribute("data-figure"): figures.nth(i).locator("dd").inner_text().strip()
        for i in range(figures.count())
    }
    assert shown, "no headline figures"
    suppressed = []
    for key, text in shown.items():
        value = exact.get(key)
        if text in (fewer, hidden):
            suppressed.append(key)
            assert value, f"{key}: {text!r} for a true {value!r}"
            continue
        assert text != "0" or not value, f"{key} reads 0, but is {value}"
        if isinstance(value, int):
            assert shown_as_exact(text, value), (key, text, value)
    assert suppressed, f"the demo's small figures should be suppressed somewhere: {shown}"
    expect(tab.locator("[data-figure] dd.insights-small").first).to_have_text(re.compile(f"^({fewer}|{hidden})$"))

    # The table by unit (each unit, and the province's total row): a 0 only where there is none.
    table = tab.locator("#units-caption").locator("xpath=..")
    keys = [column.key for column in exact_units.columns]
    rows = [row.locator("td").all_inner_texts() for row in table.locator("tbody tr").all()]
    rows.append(table.locator("tfoot td").all_inner_texts())
    assert len(rows) == len(exact_units.rows) + 1
    for texts, row in zip(rows, [*exact_units.rows, exact_units.total], strict=True):
        for text, key in zip(texts, keys, strict=True):
            value = row.cells[key].value
            assert text.strip() != "0" or not value, f"{row.label}, {key}: 0 shown for {value}"

    # The headline figures he downloads (CSV, in the headline's order) say the same: never a false 0.
    with tab.expect_download() as download:
        tab.locator("a[href*='/admin/insights/export/headline/csv/']").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))[1:]
    for (_label, text), key in zip(rows, exact, strict=True):
        assert text != "0" or not exact[key], f"the export's {key} reads 0, but is {exact[key]}"
        if key in suppressed:
            assert text in (fewer, hidden), (key, text)

    # 3. The public page, from the site's footer on a phone: the province's row tells no false zero.
    phone = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN").new_page()
    phone.goto(base + "/")
    assert_no_sideways_scroll(phone)
    phone.locator("footer").get_by_role("link", name=re.compile("số liệu|figures", re.IGNORECASE)).first.click()
    expect(phone).to_have_url(re.compile(r"/minh-bach/$"))
    assert_no_sideways_scroll(phone)
    figures = selectors.transparency()
    # The demo's units are small: some of their figures are hidden, and say so in words.
    assert any(cells[key][1] for _name, _kind, cells in figures["rows"] for key in selectors.PUBLIC_COLUMNS)
    expect(phone.locator("main table").first).to_contain_text(re.compile(f"{fewer}|{hidden}"))
    total_row = phone.locator("table").first.locator("tfoot td").all_inner_texts()
    for text, key in zip(total_row, selectors.PUBLIC_COLUMNS, strict=False):
        value = figures["total"][key][0]
        assert text != "0" or not value, f"the province's {key} reads 0, but is {value}"
        assert text in (fewer, hidden) or text[:1].isdigit() or text == "—", (key, text)
    phone.context.close()
    tab.context.close()
