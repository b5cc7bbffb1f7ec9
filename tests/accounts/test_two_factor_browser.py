"""Two-step verification in a real browser (Chromium, 360 px, JavaScript off): an officer signs in to the
admin, is sent to set up, scans (reads) the key, confirms a code, keeps the recovery codes and reaches the
admin; in a new browser they sign in again, pass the verify step with a recovery code, and the page is
WCAG-clean."""

import base64
import re

import pytest
from django.utils.translation import gettext, override
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.audit.models import AuthEvent
from tests.accounts.factories import PASSWORD, UserFactory
from tests.support.browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def admin_password_step(tab, base, email):
    tab.goto(base + "/admin/login/")
    tab.locator("input[name=username]").fill(email)
    tab.locator("input[name=password]").fill(PASSWORD)
    tab.locator("form button[type=submit]").click()


def fits_the_screen(tab):
    return tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_set_up_then_verify_in_a_browser(live_server, settings, browser, page, axe_source):
    settings.ACCOUNTS_TWO_FACTOR_REQUIRED = True
    base = live_server.url
    officer = UserFactory(officer=True)

    no_js = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN", java_script_enabled=False)
    tab = no_js.new_page()
    tab.set_default_timeout(15_000)
    admin_password_step(tab, base, officer.email)
    expect(tab).to_have_url(re.compile(r"/account/two-factor/set-up/\?next=%2Fadmin%2F$"))
    with override("vi"):
        expect(tab.locator("h1")).to_have_text(gettext("Set up two-step verification"))
        expect(tab.locator(".qr-code svg")).to_be_visible()
        assert fits_the_screen(tab)
        # The key is not saved until a right code: the app's codes are computed from the key shown.
        key = tab.locator(".manual-key").inner_text().replace(" ", "")
        assert not TOTPDevice.objects.filter(user=officer).exists()
        device = TOTPDevice(user=officer, key=base64.b32decode(key + "=" * (-len(key) % 8)).hex())
        tab.get_by_label(gettext("Code"), exact=True).fill("123456" if totp(device.bin_key) != 123456 else "654321")
        tab.get_by_role("button", name=gettext("Confirm")).click()
        expect(tab.locator(".error-summary")).to_contain_text(
            gettext("That code is not right. Check your app and try again.")
        )
        tab.get_by_label(gettext("Code"), exact=True).fill(f"{totp(device.bin_key):06d}")
        tab.get_by_role("button", name=gettext("Confirm")).click()
        expect(tab.locator("h1")).to_have_text(gettext("Recovery codes"))
        codes = tab.locator(".recovery-codes code").all_inner_texts()
        assert len(codes) == 10
        assert fits_the_screen(tab)
        tab.get_by_role("link", name=gettext("I have kept them: continue")).click()
        expect(tab).to_have_url(re.compile(r"/admin/$"))
    no_js.close()

    # Another browser: the password, then a recovery code.
    admin_password_step(page, base, officer.email)
    expect(page).to_have_url(re.compile(r"/account/two-factor/\?next=%2Fadmin%2F$"))
    assert axe_violations(page, axe_source) == []
    with override("vi"):
        page.get_by_label(gettext("Code"), exact=True).fill(codes[0])
        page.get_by_role("button", name=gettext("Verify")).click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    kinds = list(AuthEvent.objects.filter(subject=officer).order_by("pk").values_list("kind", flat=True))
    assert kinds == [
        "role_changed",  # the factory gave the officer's group
        "sign_in",
        "two_factor_failed",
        "two_factor_set_up",
        "sign_in",
        "two_factor_verified",
    ]
