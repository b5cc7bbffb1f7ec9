"""A citizen's first week, in Chromium on a fresh demo site with a real worker.

She signs up from the home page with her phone number and confirms it with the code the SMS brings; from the
welcome page she goes to her notification settings and agrees to campaign news by SMS. Later the demo
communications officer (``truyenthong@``) sends a message of a running demo campaign to the citizens in the
admin; the SMS reaches her (held until 07:00 in the quiet hours) with the campaign's short link and a short
unsubscribe link; she opens the campaign, then unsubscribes by the link, which ends the SMS consent and only it.
At last, having forgotten her password, she resets it with a code by SMS and signs in. Every page she sees is
checked at 360 px for sideways scrolling. SMS are read from the test SMS provider's file, as on her phone.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.consent.selectors import consent_channels
from accounts.models import Consent, User
from outreach.models import CAMPAIGN_KIND, CampaignPage, Delivery
from tests.journeys import people_steps as steps
from tests.support.browser import sms_code, sms_mark
from tests.support.layout import assert_no_sideways_scroll
from tests.support.waiting import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = "0377 246 810"
NUMBER = "0377246810"
NAME = "Lò Thị Xuân"
PASSWORD = "xuan-mat-khau-2026!"
NEW_PASSWORD = "xuan-mat-khau-moi-2026!"
SEGMENT = "Người dân toàn tỉnh"


def test_citizen_signs_up_by_phone_agrees_to_sms_news_receives_a_campaign_unsubscribes_and_resets_by_sms(
    live_server, demo_site, celery_worker, browser
):
    base = live_server.url

    # 1. From the home page she creates an account with her phone number, confirmed by the code sent by SMS.
    tab = steps.phone(browser)
    tab.goto(base + "/")
    assert_no_sideways_scroll(tab)
    tab.locator(".account-nav a[href*='/account/sign-up/']").click()
    assert_no_sideways_scroll(tab)
    since = sms_mark()
    tab.locator("input[name=full_name]").fill(NAME)
    tab.locator("input[name=identifier]").fill(PHONE)
    tab.locator("input[name=password1]").fill(PASSWORD)
    tab.locator("input[name=password2]").fill(PASSWORD)
    tab.locator("input[name=consent]").check()
    tab.locator("main form button[type=submit]").click()
    expect(tab).to_have_url(re.compile(r"/account/sign-up/confirm/$"))
    assert_no_sideways_scroll(tab)
    tab.locator("input[name=code]").fill(sms_code(PHONE, since))
    tab.locator("main form button[type=submit]:not([name=resend])").click()
    expect(tab).to_have_url(re.compile(r"/account/welcome/"))
    assert_no_sideways_scroll(tab)
    citizen = User.objects.get(phone=NUMBER)
    assert citizen.is_active and citizen.kind == User.Kind.CITIZEN
    assert not consent_channels(user=citizen, purpose=Consent.Purpose.CAMPAIGNS)

    # 2. From the welcome page, her notification settings: campaign news by SMS, nothing else.
    tab.locator("[data-welcome=notifications] a").click()
    assert_no_sideways_scroll(tab)
    tab.locator("input[name=campaigns_sms]").check()
    tab.locator("main form button[type=submit]").click()
    expect(tab.locator("input[name=campaigns_sms]")).to_be_checked()
    assert_no_sideways_scroll(tab)
    assert set(consent_channels(user=citizen, purpose=Consent.Purpose.CAMPAIGNS)) == {"sms"}

    # 3. The communications officer sends a message of a running demo campaign to the province's citizens.
    campaign = CampaignPage.objects.live().order_by("pk").first()
    officer = steps.desk(browser)
    steps.admin_sign_in(officer, base, "truyenthong@kynangso.local", demo_site)
    steps.segment_create(officer, base, name=SEGMENT, learner_kind=User.Kind.CITIZEN)
    since = sms_mark()
    steps.message_create_and_send(
        officer,
        base,
        campaign_title=campaign.title,
        name="Tuần đầu",
        segment=SEGMENT,
        texts={
            "email_subject": "{campaign}",
            "email_body": "Chào {name}, mời bạn xem: {link}",
            "sms_body": "{campaign}: {link}",
            "in_app_body": "{campaign}: {link}",
        },
    )
    officer.context.close()

    # 4. The SMS reaches her: the short link opens the campaign; the short unsubscribe link stops the SMS.
    text = steps.sms_or_held(NUMBER, since, contains="/s/", kind=CAMPAIGN_KIND)
    assert Delivery.objects.filter(recipient=citizen, kind=CAMPAIGN_KIND, channel="sms").exists()
    links = [steps.link_in(link, "/s/", base) for link in re.findall(r"https?://\S+/s/\S+", text)]
    assert len(links) == 2, text  # the campaign's, then the unsubscribe line's
    tab.goto(links[0])
    expect(tab).to_have_url(re.compile(re.escape(campaign.url) + "$"))
    assert_no_sideways_scroll(tab)
    tab.goto(links[1])
    expect(tab).to_have_url(re.compile(r"/unsubscribe/"))
    assert_no_sideways_scroll(tab)
    assert set(consent_channels(user=citizen, purpose=Consent.Purpose.CAMPAIGNS)) == {"sms"}  # a GET changes nothing
    tab.locator("main form:not(:has(input[name=everywhere])) button[type=submit]").first.click()
    assert wait_until(lambda: not consent_channels(user=citizen, purpose=Consent.Purpose.CAMPAIGNS), timeout=5)
    assert_no_sideways_scroll(tab)

    # 5. She forgot her password: a code by SMS sets a new one, and she signs in with it.
    tab.goto(base + "/")
    tab.locator(".account-nav form button[type=submit]").click()  # sign out
    tab.locator(".account-nav a[href*='/account/sign-in/']").click()
    assert_no_sideways_scroll(tab)
    tab.locator("main a[href$='/account/password-reset/']").click()
    assert_no_sideways_scroll(tab)
    tab.locator("main a[href$='/account/password-reset/phone/']").click()
    assert_no_sideways_scroll(tab)
    since = sms_mark()
    tab.locator("input[name=phone]").fill(PHONE)
    tab.locator("main form button[type=submit]").click()
    expect(tab).to_have_url(re.compile(r"/account/password-reset/phone/code/"))
    expect(tab.locator("input[name=identifier]")).to_have_value(NUMBER)
    assert_no_sideways_scroll(tab)
    tab.locator("input[name=code]").fill(sms_code(PHONE, since))
    tab.locator("input[name=password1]").fill(NEW_PASSWORD)
    tab.locator("input[name=password2]").fill(NEW_PASSWORD)
    tab.locator("main form button[type=submit]").click()
    expect(tab).to_have_url(re.compile(r"/account/sign-in/$"))
    assert_no_sideways_scroll(tab)
    steps.site_sign_in(tab, base, PHONE, NEW_PASSWORD)
    expect(tab.locator(".account-nav form button[type=submit]")).to_be_visible()
    assert_no_sideways_scroll(tab)
    tab.context.close()
