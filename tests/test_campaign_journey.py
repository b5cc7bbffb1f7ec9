"""Campaigns in a real browser: an officer writes and submits a campaign, the lead approves, the home page shows it."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from accounts.models import User
from outreach.models import CampaignIndexPage, CampaignPage
from tests.factories import UserFactory, page_add, tutorial_create, tutorial_index_create
from tests.test_training_journey import admin_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "Khai sinh trực tuyến cho bé, nhận kết quả tại nhà"
TUTORIAL = "Đăng ký khai sinh trực tuyến"


@pytest.fixture
def campaign_section(home_page):
    tutorial = tutorial_create(tutorial_index_create(home_page), TUTORIAL, slug="dang-ky-khai-sinh")
    index = page_add(home_page, CampaignIndexPage(title="Chiến dịch", slug="chien-dich"))
    officer = UserFactory(email="truyenthong@example.vn", kind=User.Kind.CIVIL_SERVANT)
    officer.groups.add(Group.objects.get(name=roles.COMMUNICATIONS_STAFF))
    lead = UserFactory(email="truongnhom@example.vn", kind=User.Kind.CIVIL_SERVANT)
    lead.groups.add(Group.objects.get(name=roles.COMMUNICATIONS_LEAD))
    return {"index": index, "tutorial": tutorial}


def footer_menu(tab):
    """Open the editor's footer action menu (beside "Save draft")."""
    tab.locator("footer .w-dropdown--dropdown-button .w-dropdown__toggle").click()


def test_officer_submits_lead_approves_campaign_shows_on_home_page(live_server, campaign_section, browser):
    base = live_server.url
    today = timezone.localdate()
    officer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    officer.set_default_timeout(15_000)

    # 1. The communications officer writes the campaign in the admin.
    admin_sign_in(officer, base, "truyenthong@example.vn")
    officer.goto(f"{base}/admin/pages/add/outreach/campaignpage/{campaign_section['index'].pk}/")
    officer.locator("#id_title").fill(TITLE)
    officer.locator("#id_goal").fill("Mỗi gia đình nộp ít nhất một hồ sơ trực tuyến trong quý này.")
    officer.locator("#id_starts_on").fill((today - datetime.timedelta(days=1)).isoformat())
    officer.locator("#id_ends_on").fill((today + datetime.timedelta(days=30)).isoformat())
    officer.keyboard.press("Escape")
    # A call to action: the tutorial, chosen in Wagtail's page chooser.
    calls = officer.locator("[data-contentpath='calls_to_action']")
    calls.locator("button.c-sf-add-button").first.click()
    officer.get_by_role("option", name=re.compile("Tutorial|Hướng dẫn")).first.click()
    calls.locator("input[name$='-value-label']").fill("Xem hướng dẫn khai sinh")
    calls.locator("button.chooser__choose-button").first.click()
    modal = officer.locator(".modal-dialog")
    modal.locator("input[name=q]").fill("khai sinh")
    modal.get_by_role("link", name=TUTORIAL).first.click()
    expect(calls.locator(".chooser__title").first).to_have_text(TUTORIAL)

    # 2. There is no publish button for the officer: they submit for moderation.
    expect(officer.locator("button[name='action-publish']")).to_have_count(0)
    footer_menu(officer)
    officer.locator("button[name='action-submit']").click()
    expect(officer.locator(".messages")).to_contain_text(TITLE)
    campaign = CampaignPage.objects.get(title=TITLE)
    assert not campaign.live
    assert campaign.workflow_in_progress

    # The campaign is not on the site yet.
    visitor = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    visitor.goto(base + "/")
    expect(visitor.locator("li.campaign-card")).to_have_count(0)

    # 3. The lead reviews it and approves: approval publishes it.
    lead = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    lead.set_default_timeout(15_000)
    admin_sign_in(lead, base, "truongnhom@example.vn")
    lead.goto(f"{base}/admin/pages/{campaign.pk}/edit/")
    footer_menu(lead)
    lead.locator("footer button[data-workflow-action-name='approve']:not([data-workflow-action-modal-url])").click()
    expect(lead.locator(".messages")).to_contain_text(TITLE)
    campaign.refresh_from_db()
    assert campaign.live

    # 4. Anyone now sees it on the home page (a phone), and reaches the tutorial from it.
    visitor.goto(base + "/")
    card = visitor.locator("li.campaign-card", has_text=TITLE)
    expect(card).to_be_visible()
    card.get_by_role("link", name=TITLE).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    visitor.get_by_role("link", name="Xem hướng dẫn khai sinh").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TUTORIAL)
    # The page fits a 360 px phone: nothing scrolls sideways.
    visitor.go_back()
    assert visitor.evaluate("document.documentElement.scrollWidth") <= 360
    for context in (officer.context, lead.context, visitor.context):
        context.close()
