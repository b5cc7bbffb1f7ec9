"""axe-core (from npm) finds no WCAG 2.1 A/AA violations on the public pages, on a phone and a desktop."""

import datetime

import pytest
from django.utils import timezone

from home.models import StandardPage
from outreach.models import CampaignIndexPage, CampaignPage
from tests.courses.factories import tutorial_create, tutorial_index_create
from tests.support.browser import axe_violations
from tests.support.pages import page_add

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def site(home_page):
    index = tutorial_index_create(home_page, show_in_menus=True)
    tutorial = tutorial_create(
        index,
        "Nộp hồ sơ trực tuyến toàn trình",
        slug="nop-ho-so",
        body=[
            {"type": "callout", "value": {"kind": "needs", "text": "<ul><li>Tài khoản VNeID</li></ul>"}},
            {"type": "callout", "value": {"kind": "warning", "text": "<p>Không chia sẻ mã OTP.</p>"}},
            {"type": "step", "value": {"title": "Đăng nhập", "text": "<p>Mở Cổng.</p>", "tip": "Dùng VNeID."}},
        ],
    )
    page_add(home_page, StandardPage(title="Giới thiệu", slug="gioi-thieu", show_in_menus=True, body="<p>Nội dung</p>"))
    campaigns = page_add(home_page, CampaignIndexPage(title="Chiến dịch", slug="chien-dich"))
    today = timezone.localdate()
    campaign = page_add(
        campaigns,
        CampaignPage(
            title="Làm thủ tục trên mạng",
            slug="lam-thu-tuc",
            goal="Nộp hồ sơ trực tuyến.",
            starts_on=today,
            ends_on=today + datetime.timedelta(days=30),
            calls_to_action=[{"type": "tutorial", "value": {"label": "", "page": tutorial.pk}}],
            body=[{"type": "paragraph", "value": "<p>Không phải xếp hàng.</p>"}],
        ),
    )
    return [
        campaigns.url,
        campaign.url,
        "/c/ZZZZZZ/",
        "/",
        index.url,
        tutorial.url,
        "/gioi-thieu/",
        "/search/?q=ho+so",
        "/search/?q=khong+co+gi",
        "/trang-khong-ton-tai/",
    ]


@pytest.mark.parametrize("width", [360, 1280])
def test_public_pages_have_no_wcag_violations(live_server, site, axe_source, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    tab = context.new_page()
    found = {}
    try:
        for path in site:
            tab.goto(live_server.url + path)
            problems = axe_violations(tab, axe_source)
            if problems:
                found[path] = problems
    finally:
        context.close()
    assert found == {}
