"""Browser helpers: Debian's Chromium through Playwright (never a downloaded browser), the sign-in and
sign-up steps every journey takes, and axe-core's WCAG check.

Step labels are read from the message catalogue (``gettext``), so a step works in the language the page is in.
"""

import contextlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect, sync_playwright

from accounts.phone import phone_normalise
from tests.accounts.factories import PASSWORD
from tests.support.waiting import wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@contextlib.contextmanager
def chromium():
    """Chromium launched headless (skipped if it is not installed, failed on CI), closed on exit."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/system-deps.sh installs it")
        pytest.skip(f"{CHROMIUM} is not installed (make system-deps installs it)")
    # Playwright's sync API runs an event loop in the test thread; the ORM calls
    # the browser tests make around it are synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def admin_sign_in(tab, base, email):
    """Sign in to the Wagtail admin with the test password; lands on the admin's home."""
    tab.goto(base + "/admin/login/")
    tab.locator("input[name=username]").fill(email)
    tab.locator("input[name=password]").fill(PASSWORD)
    tab.locator("form button[type=submit]").click()
    expect(tab).to_have_url(re.compile(r"/admin/$"))


def site_sign_in(tab, base, identifier, password=PASSWORD, next_path="/learn/training/"):
    """Sign in on the public site (English labels: use the ``english_interface`` fixture), then go to ``next_path``."""
    tab.goto(f"{base}/account/sign-in/?next={next_path}")
    tab.get_by_label("Email or phone number").fill(identifier)
    tab.get_by_label("Password").fill(password)
    tab.locator("main form button[type=submit]").click()


def sms_mark():
    """Where the test SMS provider's file (``SMS_FILE_PATH``, written by the worker) ends now."""
    path = Path(settings.SMS_FILE_PATH)
    return path.stat().st_size if path.exists() else 0


def sms_code(phone, since=0, timeout=60):
    """The code in the newest SMS to ``phone`` the test SMS provider received after ``since`` (a
    ``sms_mark``), as the person reads it on their phone (not from the database)."""
    number = phone_normalise(phone)
    path = Path(settings.SMS_FILE_PATH)

    def newest():
        if not path.exists():
            return None
        with open(path, "rb") as handle:
            handle.seek(since)
            lines = [json.loads(line) for line in handle.read().decode().splitlines() if line.strip()]
        texts = [line["text"] for line in lines if line["to"] == number]
        found = texts and re.search(r"\b(\d{6})\b", texts[-1])
        return found.group(1) if found else None

    code = wait_until(newest, timeout=timeout)
    assert code, f"no SMS with a code reached {number} in {path}"
    return code


def sign_up(tab, name="Nguyễn Thị Hằng", phone="0987 111 222", language="en"):
    """Fill in and send the sign-up form, shown in ``language`` (its labels read from the catalogue).

    With a phone number, the account waits for the code sent by SMS: it is read from the test SMS
    provider (the worker sends it: the test needs ``celery_worker``) and typed in.
    """
    since = sms_mark()
    with translation.override(language):
        tab.get_by_label(gettext("Full name")).fill(name)
        tab.get_by_label(gettext("Email or phone number")).fill(phone)
        tab.get_by_label(gettext("Password"), exact=True).fill("mat-khau-dai-2026!")
        tab.get_by_label(gettext("Password again")).fill("mat-khau-dai-2026!")
        tab.get_by_label(
            gettext("I have read the privacy notice and agree that my personal data is processed as it describes.")
        ).check()
        tab.get_by_role("button", name=gettext("Create account")).click()
        if "@" not in phone:
            expect(tab).to_have_url(re.compile(r"/account/sign-up/confirm/$"))
            tab.get_by_label(gettext("Code")).fill(sms_code(phone, since))
            tab.get_by_role("button", name=gettext("Confirm"), exact=True).click()


def welcome_continue(tab, language="en"):
    """On the welcome page after sign-up, go back to the page the person came from."""
    with translation.override(language):
        expect(tab).to_have_url(re.compile(r"/account/welcome/\?next="))
        tab.get_by_role("link", name=gettext("Continue where you were")).click()


def axe_read():
    """axe-core's script, from npm (``make test`` installs it)."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` runs `npm ci` to install it")
    return AXE.read_text(encoding="utf-8")


def axe_violations(tab, axe_source, context=None):
    """The WCAG 2.1 A/AA violations axe finds in ``context`` (a selector; the whole document by default)."""
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
    # govern (an injected <script> tag would be blocked: the site allows no inline script).
    tab.evaluate(axe_source)
    return tab.evaluate(
        "async ([context, tags]) => (await axe.run(context || document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))",
        [context, WCAG_TAGS],
    )
