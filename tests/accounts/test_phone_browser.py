"""A citizen with only a phone number, in a real browser with the real worker: signs up and confirms
the number with the code the SMS provider received, signs out, forgets the password, resets it by
SMS code and signs in with the new one; then changes the number on the profile page, confirmed by
the code sent to the new number. Codes are read from the test SMS provider's file, as the
person reads them on their phone, never from the database."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from outreach.models import Delivery
from tests.support.browser import sign_up, sms_code, sms_mark

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = "0366 123 456"
NEW_PASSWORD = "mot-mat-khau-moi-2026!"


@pytest.mark.usefixtures("english_interface")
def test_sign_up_by_phone_confirm_sign_out_reset_by_sms_and_sign_in(live_server, home_page, celery_worker, page):
    base = live_server.url
    page.goto(base + "/account/sign-up/")
    sign_up(page, name="Hà Thị Phương", phone=PHONE)  # reads the SMS code and confirms
    expect(page.get_by_text("Your phone number is confirmed and your account is ready.")).to_be_visible()
    user = User.objects.get(phone="0366123456")
    assert user.is_active
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll on a phone

    page.get_by_role("button", name="Sign out").click()
    page.goto(base + "/account/sign-in/")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_role("link", name="Reset your password with a code by SMS").click()
    since = sms_mark()
    page.get_by_label("Phone number").fill(PHONE)
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_text("If an account uses this number, we sent it a code by SMS.")).to_be_visible()
    expect(page.get_by_label("Phone number or email")).to_have_value("0366123456")
    page.get_by_label("Code").fill(sms_code(PHONE, since))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save my password").click()
    expect(page).to_have_url(re.compile(r"/account/sign-in/$"))
    expect(page.get_by_text("Your password is set.")).to_be_visible()

    page.get_by_label("Email or phone number").fill(PHONE)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # A new number on the profile page: it replaces the old one only once its code is typed.
    page.goto(base + "/account/profile/")
    since = sms_mark()
    page.locator("#phone-change-form").get_by_label("Phone number").fill("0366 654 321")
    page.locator("#phone-change-form button[type=submit]").click()
    expect(page.locator("[data-phone-pending]")).to_have_attribute("data-phone-pending", "0366654321")
    assert User.objects.get(pk=user.pk).phone == "0366123456"
    page.locator("#phone-confirm-form").get_by_label("Code").fill(sms_code("0366654321", since))
    page.get_by_role("button", name="Confirm the new number").click()
    expect(page.locator("[data-phone]")).to_have_attribute("data-phone", "0366654321")
    assert User.objects.get(pk=user.pk).phone == "0366654321"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The delivery log kept no code: the texts were blanked once sent.
    assert not Delivery.objects.filter(recipient=user, body__regex=r"\d{6}").exists()
