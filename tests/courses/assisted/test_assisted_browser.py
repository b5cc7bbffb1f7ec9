"""At the counter, in Chromium on a fresh demo site with a real worker: the demo helper (``hotro@``) signs in,
starts a session with the demo citizen by her phone number, types the code her SMS brings (read from the test
SMS provider's file, as on her phone), walks a tutorial with her marking it done and records a public service
completed at the counter; the citizen then signs in and sees, on My learning and on her "Help at the counter"
page, who helped her."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from courses.models import AssistedSession, TutorialCompletion
from tests.journeys import people_steps as steps
from tests.support.browser import sms_code, sms_mark
from tests.support.layout import PHONE_VIEWPORT, assert_no_sideways_scroll

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HELPER = "hotro@kynangso.local"
PHONE = "0912 345 678"  # the demo citizen, Hoàng Thị Lan


def test_a_helper_guides_a_citizen_who_then_sees_who_helped(live_server, demo_site, celery_worker, browser):
    base = live_server.url
    citizen = User.objects.get(phone="0912345678")

    # 1. The helper signs in on the site and opens "Assisted learning" from the header.
    desk = steps.desk(browser)
    steps.site_sign_in(desk, base, HELPER, demo_site)
    desk.locator(".account-nav a[href$='/learn/assisted/']").first.click()
    expect(desk).to_have_url(re.compile(r"/learn/assisted/$"))

    # 2. A session by the citizen's phone number; her SMS brings the code, which she gives to the helper.
    since = sms_mark()
    desk.locator("input[name=phone]").fill(PHONE)
    desk.locator("form[data-assisted=start] button[type=submit]").click()
    expect(desk).to_have_url(re.compile(r"/learn/assisted/\d+/confirm/$"))
    desk.locator("input[name=code]").fill(sms_code(PHONE, since))
    desk.locator("main form button[type=submit]:not([name=resend])").click()
    expect(desk).to_have_url(re.compile(r"/learn/assisted/\d+/$"))
    session = AssistedSession.objects.get(citizen=citizen, helper__email=HELPER, status="open")
    # The counter may be a phone too: the session's lists (long tutorial titles) fit its width.
    desk.set_viewport_size(PHONE_VIEWPORT)
    assert_no_sideways_scroll(desk)

    # 3. They walk a tutorial together (marked done), then she completes a service at the counter.
    desk.locator("form[data-assisted=tutorial] select[name=tutorial]").select_option(index=1)
    desk.locator("form[data-assisted=tutorial] button[type=submit]").click()
    expect(desk.locator("[data-mark=tutorial]")).to_have_count(1)
    desk.locator("form[data-assisted=service] select[name=service]").select_option(index=1)
    desk.locator("form[data-assisted=service] button[type=submit]").click()
    expect(desk.locator("[data-mark=service]")).to_have_count(1)
    assert TutorialCompletion.objects.filter(user=citizen).exists()
    assert sorted(session.marks.values_list("kind", flat=True)) == ["service", "tutorial"]
    desk.context.close()

    # 4. The citizen signs in on her phone: My learning says who helped; her page says when and what.
    tab = steps.phone(browser)
    steps.site_sign_in(tab, base, PHONE, demo_site)
    tab.goto(base + "/learn/my-learning/")
    helper_name = User.objects.get(email=HELPER).full_name
    expect(tab.locator("[data-assisted=my-learning]")).to_contain_text(helper_name)
    assert_no_sideways_scroll(tab)
    tab.locator("[data-assisted=my-learning] a").click()
    expect(tab).to_have_url(re.compile(r"/learn/assisted/helped/$"))
    card = tab.locator(f"[data-session='{session.pk}']")
    expect(card).to_contain_text(helper_name)
    expect(card.locator("[data-mark]")).to_have_count(2)
    assert_no_sideways_scroll(tab)
    tab.context.close()
