"""Steps of the citizen, civil servant and unit manager journeys: what a person does, one function each.

Fields are found by their names and forms by their place (the site renders in Vietnamese and its catalogue is
compiled after merge, so the steps do not read English labels on Vietnamese pages). SMS are read from the test
SMS provider's file, as the person reads them on their phone, never from the database.
"""

import json
import re
from pathlib import Path

from django.conf import settings
from playwright.sync_api import expect

from accounts.phone import phone_normalise
from tests.support.layout import PHONE_VIEWPORT
from tests.support.waiting import wait_until


def desk(browser):
    """A tab in a fresh context (no cookies) at a desktop's width, for the staff who work in the admin."""
    tab = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN").new_page()
    tab.set_default_timeout(15_000)
    return tab


def phone(browser):
    """A tab in a fresh context at a phone's width (``PHONE_VIEWPORT``)."""
    tab = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN").new_page()
    tab.set_default_timeout(15_000)
    return tab


def admin_sign_in(tab, base, email, password):
    """Sign in to the Wagtail admin; lands on the admin's home."""
    tab.goto(base + "/admin/login/")
    tab.locator("input[name=username]").fill(email)
    tab.locator("input[name=password]").fill(password)
    tab.locator("form button[type=submit]").click()
    expect(tab).to_have_url(re.compile(r"/admin/$"))


def site_sign_in(tab, base, identifier, password):
    """Sign in on the public site from the sign-in page (no ``next``: the person lands where their work is)."""
    if "/account/sign-in/" not in tab.url:
        tab.goto(base + "/account/sign-in/")
    tab.locator("input[name=username]").fill(identifier)
    tab.locator("input[name=password]").fill(password)
    tab.locator("main form button[type=submit]").click()
    expect(tab).not_to_have_url(re.compile(r"/account/sign-in/"))


def sms_texts(number, since=0):
    """The texts of the SMS to ``number`` the test provider received after ``since`` (a ``sms_mark``)."""
    path = Path(settings.SMS_FILE_PATH)
    if not path.exists():
        return []
    with open(path, "rb") as handle:
        handle.seek(since)
        lines = [json.loads(line) for line in handle.read().decode().splitlines() if line.strip()]
    return [line["text"] for line in lines if line["to"] == phone_normalise(number)]


def sms_text(number, since=0, *, contains, timeout=60):
    """The newest SMS to ``number`` after ``since`` with ``contains`` in its text (waits for the worker)."""

    def newest():
        texts = [text for text in sms_texts(number, since) if contains in text]
        return texts[-1] if texts else None

    text = wait_until(newest, timeout=timeout)
    assert text, f"no SMS with {contains!r} reached {number}: {sms_texts(number, since)}"
    return text


def link_in(text, fragment, base):
    """The first link in ``text`` that contains ``fragment``, on the live server ``base``.

    The worker writes absolute links on the configured site address (``WAGTAILADMIN_BASE_URL``, a placeholder
    host in the tests): the path is kept and put on the live server, as the phone would open it on the real site.
    """
    for link in re.findall(r"https?://\S+", text):
        if fragment in link:
            return base + re.sub(r"^https?://[^/]+", "", link.rstrip(".,;)"))
    raise AssertionError(f"no link with {fragment!r} in {text!r}")


def code_in(text):
    """The six-digit code in a message's text."""
    match = re.search(r"\b(\d{6})\b", text)
    assert match, f"no code in {text!r}"
    return match.group(1)


def roster_upload(tab, base, content, tmp_path, name="roster.csv"):
    """The training office uploads a roster file (not a full roster) and waits for its check."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8-sig")
    tab.goto(base + "/admin/roster/upload/")
    tab.locator("input[type=file]").set_input_files(str(path))
    tab.locator("form[enctype] button[type=submit]").click()
    expect(tab.locator("#roster-apply")).to_be_visible()


def extension_decide(tab, requester_name, *, approve, note=""):
    """From the team page, the manager opens the requests to decide and records a decision on one."""
    tab.locator("main a[href$='/learn/training/extensions/']").first.click()
    card = tab.locator("li.card", has_text=requester_name)
    card.locator("input[name=decision][value=%s]" % ("approve" if approve else "refuse")).check()
    if note:
        card.locator("input[name=note]").fill(note)
    card.locator("button[type=submit]").click()
    expect(tab.locator(".message, .messages").first).to_be_visible()


def quiet_now():
    """True in the quiet hours (no SMS at night, 21:00 to 07:00 by default): SMS that may wait are held then."""
    from django.utils import timezone

    from outreach.delivery.outbox import quiet_end_at

    return quiet_end_at(now=timezone.now()) is not None


def sms_or_held(number, since, *, contains, kind):
    """The text of the SMS to ``number`` with ``contains``; in the quiet hours, the text of the message of ``kind``
    held for the morning (it is planned and not sent: the person reads it at 07:00; read from the delivery log)."""
    from outreach.models import Delivery

    if not quiet_now():
        try:
            return sms_text(number, since, contains=contains)
        except AssertionError as error:
            rows = Delivery.objects.filter(address=phone_normalise(number), kind=kind).values_list("status", "reason")
            raise AssertionError(f"{error}; the delivery log's {kind} rows: {list(rows)}") from None

    def held():
        row = Delivery.objects.filter(address=phone_normalise(number), kind=kind, channel="sms").order_by("-pk").first()
        return row if row is not None and contains in row.body else None

    row = wait_until(held, timeout=60)
    assert row is not None and row.status == Delivery.Status.PLANNED, row
    return row.body


def segment_create(tab, base, *, name, learner_kind):
    """The communications officer saves a segment by learner kind (after its live count)."""
    tab.goto(base + "/admin/campaigns/segments/new/")
    tab.locator("#id_name").fill(name)
    tab.locator("#id_learner_kind").select_option(learner_kind)
    tab.locator("button[name=count]").click()
    expect(tab.locator("#live-count")).to_be_visible()
    tab.locator("footer button[type=submit]").first.click()
    expect(tab).to_have_url(re.compile(r"/admin/campaigns/segments/$"))


def message_create_and_send(tab, base, *, campaign_title, name, segment, texts):
    """The officer writes a campaign message (``texts``: its fields by name) and sends it now."""
    tab.goto(base + "/admin/campaigns/messages/new/")
    tab.locator("#id_campaign").select_option(label=campaign_title)
    tab.locator("#id_name").fill(name)
    tab.locator("#id_segment").select_option(label=segment)
    for field, value in texts.items():
        tab.locator(f"#id_{field}").fill(value)
    tab.locator("footer button[type=submit]").first.click()
    expect(tab).to_have_url(re.compile(r"/admin/campaigns/messages/$"))
    tab.get_by_role("link", name=name, exact=True).first.click()  # its edit page, whose header menu offers "Send"
    tab.locator("header .w-dropdown__toggle").first.click()
    tab.locator("a[href*='/admin/campaigns/messages/send/']").first.click()
    tab.locator("button[name=send]").click()
    expect(tab).to_have_url(re.compile(r"/admin/campaigns/messages/edit/\d+/$"))
