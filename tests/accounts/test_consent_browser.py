"""Consent in a real browser (Chromium, 360 px, JavaScript off): a citizen signs up with a phone number
ticking campaign news by SMS, finds it ticked in the notification settings (e-mail shown disabled, with
why), and withdraws it with the unsubscribe link of an SMS they received."""

import re

import pytest
from django.utils.translation import gettext, override
from playwright.sync_api import expect

from accounts.consent.selectors import consent_channels
from accounts.models import Consent, ConsentRecord, User
from outreach.campaigns.messages import campaign_message_plan, campaign_message_send
from outreach.models import CAMPAIGN_KIND, Delivery
from tests.outreach.factories import campaign_create, message_create, segment_create
from tests.support.browser import sms_code, sms_mark

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def fits_the_screen(tab):
    return tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.usefixtures("english_interface")
def test_sign_up_with_campaign_sms_see_it_in_settings_and_withdraw_by_the_sms_link(
    live_server, home_page, celery_worker, browser
):
    base = live_server.url
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB", java_script_enabled=False)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    with override("en"):
        tab.goto(base + "/account/sign-up/")
        campaign_sms = tab.get_by_role("checkbox", name=re.compile(gettext("By SMS")))
        expect(campaign_sms).not_to_be_checked()  # optional, unticked
        assert fits_the_screen(tab)
        tab.get_by_label(gettext("Full name")).fill("Nguyễn Thị Hằng")
        tab.get_by_label(gettext("Email or phone number")).fill("0987 111 222")
        tab.get_by_label(gettext("Password"), exact=True).fill("mat-khau-dai-2026!")
        tab.get_by_label(gettext("Password again")).fill("mat-khau-dai-2026!")
        tab.get_by_label(
            gettext("I have read the privacy notice and agree that my personal data is processed as it describes.")
        ).check()
        campaign_sms.check()
        since = sms_mark()
        tab.get_by_role("button", name=gettext("Create account")).click()
        # By phone: the number is confirmed by the code the worker sends to it, read as the person reads it.
        expect(tab).to_have_url(re.compile(r"/account/sign-up/confirm/$"))
        tab.get_by_label(gettext("Code")).fill(sms_code("0987111222", since))
        tab.get_by_role("button", name=gettext("Confirm"), exact=True).click()
        expect(tab).not_to_have_url(re.compile(r"/sign-up/"))
        citizen = User.objects.get(phone="0987111222")
        assert consent_channels(user=citizen, purpose=Consent.Purpose.CAMPAIGNS) == ["sms"]

        tab.goto(base + "/account/notifications/")
        expect(tab.locator("#id_campaigns_sms")).to_be_checked()
        expect(tab.locator("#id_campaigns_email")).to_be_disabled()
        expect(tab.locator("#campaign-consent")).to_contain_text(gettext("Your account has no e-mail address."))
        expect(tab.locator("#id_campaigns_in_app")).not_to_be_checked()
        assert fits_the_screen(tab)

        # A campaign message reaches them by SMS only; they open its unsubscribe link.
        message = message_create(campaign_create(home_page), segment_create())
        campaign_message_send(message=message)
        campaign_message_plan(message_id=message.pk)
        sms = Delivery.objects.get(kind=CAMPAIGN_KIND, recipient=citizen)
        assert sms.channel == "sms"
        # Its unsubscribe link is the last short link (/s/<token>), which leads to the SMS channel's page.
        path = re.findall(r"[^/\s]+(/s/[0-9a-z-]+)", sms.body)[-1]
        tab.goto(base + path)  # in the language the browser asks for (en-GB)
        expect(tab).to_have_url(re.compile(r"/unsubscribe/"))
        assert consent_channels(user=citizen, purpose=Consent.Purpose.CAMPAIGNS) == ["sms"]  # GET changes nothing
        tab.get_by_role("button", name=gettext("Unsubscribe on this channel")).click()
        expect(tab.get_by_role("status")).to_contain_text(
            gettext("Done: you will receive no more news about digital public services on this channel (%(channel)s).")
            % {"channel": gettext("By SMS")}
        )
        assert fits_the_screen(tab)
        assert consent_channels(user=citizen, purpose=Consent.Purpose.CAMPAIGNS) == []
        assert list(ConsentRecord.objects.filter(user=citizen).values_list("channel", "granted")) == [
            ("sms", True),
            ("sms", False),
        ]
        tab.goto(base + "/account/notifications/")
        expect(tab.locator("#id_campaigns_sms")).not_to_be_checked()
    context.close()
