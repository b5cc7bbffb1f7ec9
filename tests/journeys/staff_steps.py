"""Staff signing in to the admin as in production: two-step verification is required, so a first sign-in sets
it up on the site's own page (the key is read off the page, as an authenticator app would, and its code typed in).
"""

import base64
import re

from django_otp.oath import totp
from playwright.sync_api import expect


def code_from_key(key: str) -> str:
    """The current code an authenticator app shows for the base32 ``key`` (as the set-up page prints it)."""
    key = key.replace(" ", "")
    return f"{totp(base64.b32decode(key + '=' * (-len(key) % 8))):06d}"


def staff_sign_in(tab, base, identifier, password, sign_in_path="/admin/login/", lands_on=r"/admin/$"):
    """Sign in (on the admin's sign-in page, or ``sign_in_path``) and, as it is the first time, set up two-step
    verification; ends where the person lands (``lands_on``, a pattern). Returns the key the app was given."""
    tab.goto(base + sign_in_path)
    tab.locator("input[name=username]").fill(identifier)
    tab.locator("input[name=password]").fill(password)
    tab.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(tab).to_have_url(re.compile(r"/account/two-factor/set-up/"))
    key = tab.locator(".manual-key").inner_text()
    tab.locator("input[name=code]").fill(code_from_key(key))
    tab.locator("form:has(input[name=code]) button[type=submit]").click()
    expect(tab.locator(".recovery-codes code").first).to_be_visible()
    tab.locator(".recovery-codes ~ p a.button").click()
    expect(tab).to_have_url(re.compile(lands_on))
    return key
