"""The campaign results' funnel chart (issue 13): each label on its own line above its bar, never over a bar
or its figure, on a phone (360 px) and on a desktop, with no script in the page."""

import pytest
from django.utils import translation

from outreach.campaigns import admin_results
from tests.outreach.factories import campaign_create
from tests.support.browser import admin_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Big and uneven figures: long bars, long numbers, a zero.
RESULTS = {
    "recipients": 125_000,
    "sent": 124_310,
    "failed": 690,
    "clicked": 18_204,
    "page_views": 40_977,
    "enrolments": 3_120,
    "completions": 0,
    "clicks": 25_001,
    "touched": 19_000,
    "skipped": 12,
    "waiting": 0,
}

# For every text of the drawing, the boxes (rects, and the figure texts) it overlaps: should be none.
OVERLAPS = """svg => {
  const box = element => element.getBoundingClientRect();
  const meets = (a, b) =>
    a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const rects = [...svg.querySelectorAll("rect")].filter(rect => rect.getAttribute("width") !== "0");
  const texts = [...svg.querySelectorAll("text")];
  const found = [];
  const outside = [];
  const frame = box(svg);
  for (const text of texts) {
    const t = box(text);
    if (t.left < frame.left - 0.5 || t.right > frame.right + 0.5) outside.push(text.textContent);
    for (const rect of rects) if (meets(t, box(rect))) found.push([text.textContent, "bar"]);
    for (const other of texts)
      if (other !== text && meets(t, box(other))) found.push([text.textContent, other.textContent]);
  }
  return {found, outside, width: frame.width, labels: texts.length};
}"""


@pytest.fixture
def funnel_campaign(home_page, monkeypatch):
    from tests.accounts.factories import UserFactory

    UserFactory(email="truyenthong@example.vn", officer=True)
    campaign = campaign_create(home_page)
    # The live server runs in this process: the results view reads these figures.
    monkeypatch.setattr(admin_results, "campaign_results", lambda *, campaign: dict(RESULTS))
    return campaign


@pytest.mark.parametrize("width", [360, 1280])
def test_funnel_labels_never_overlap_bars_at_phone_and_desktop_widths(
    live_server, funnel_campaign, browser, width, tmp_path
):
    tab = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN").new_page()
    tab.set_default_timeout(15_000)
    admin_sign_in(tab, live_server.url, "truyenthong@example.vn")
    response = tab.goto(f"{live_server.url}/admin/campaigns/messages/results/{funnel_campaign.pk}/")
    assert response.status == 200
    svg = tab.locator("svg.campaign-funnel")
    svg.scroll_into_view_if_needed()
    measured = svg.evaluate(OVERLAPS)
    assert measured["labels"] == 2 * len(admin_results.FUNNEL)  # a label and a figure per measure
    assert measured["found"] == [], (width, measured)
    assert measured["outside"] == [], (width, measured)
    assert 200 <= measured["width"] <= width  # fits the screen, readable
    assert svg.locator("script").count() == 0
    with translation.override("vi"):
        labels = [str(label) for _key, label in admin_results.FUNNEL]
    assert svg.locator("text").first.text_content() in (labels[0], str(admin_results.FUNNEL[0][1]))
    svg.screenshot(path=tmp_path / f"funnel-{width}.png")  # to look at, not kept
    tab.context.close()
