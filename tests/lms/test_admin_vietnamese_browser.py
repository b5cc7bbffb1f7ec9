"""What Wagtail's scripts draw in the page editor reads in Vietnamese too (issue 14).

The crawl (``test_admin_vietnamese.py``) reads the HTML the server sends; the StreamField's block chooser,
the rich-text toolbar, the minimap and the comments are drawn by Wagtail's scripts from its script
catalogue. Here Chromium opens a tutorial in the editor as a Vietnamese officer, opens the block chooser
and a rich-text toolbar, and every text and label on the page, drawn or sent, is read.
"""

import pytest
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.accounts.factories import UserFactory
from tests.courses.factories import tutorial_create, tutorial_index_create
from tests.support.browser import admin_sign_in
from tests.support.english import english_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Every text node (hidden ones too: dialogs opened later) and every readable attribute, as the page is now.
READ = """() => {
  const texts = [];
  const skip = new Set(['SCRIPT', 'STYLE', 'CODE', 'PRE', 'TEXTAREA', 'svg']);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    // The date picker's "Save Selected" is for range selection, which Wagtail never turns on: never shown.
    const never = '[contenteditable=true], svg, [translate=no], .xdsoft_save_selected';
    if (parent && !skip.has(parent.tagName) && !parent.closest(never)) {
      const text = node.textContent.trim();
      if (text) texts.push(text);
    }
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt], [aria-description]')) {
    for (const name of ['aria-label', 'title', 'placeholder', 'alt', 'aria-description']) {
      const value = el.getAttribute(name);
      if (value) texts.push(value);
    }
  }
  return texts;
}"""


def _english(tab):
    return sorted({text for text in tab.evaluate(READ) if english_in(text)})


def test_the_page_editor_and_its_block_chooser_are_in_vietnamese(live_server, home_page, browser):
    index = tutorial_index_create(home_page)
    tutorial = tutorial_create(
        index, "Hướng dẫn nộp lệ phí trực tuyến", body=[{"type": "paragraph", "value": "<p>Bước một.</p>"}]
    )
    UserFactory(email="truyenthong@example.vn", officer=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    admin_sign_in(tab, live_server.url, "truyenthong@example.vn")
    tab.goto(f"{live_server.url}/admin/pages/{tutorial.pk}/edit/")
    body = tab.locator("[data-contentpath=body]")
    expect(body.locator("[contenteditable=true]").first).to_be_visible()
    found = _english(tab)

    # The rich-text toolbar appears on focus; the block chooser opens from the "+" between blocks.
    body.locator("[contenteditable=true]").first.click()
    body.locator("button.c-sf-add-button").last.click()
    expect(tab.get_by_role("option", name=gettext("Paragraph"))).to_be_visible()
    found += _english(tab)
    # An image block: its fields are Wagtail's ImageBlock's (its "Image" field was unmarked English).
    tab.get_by_role("option", name=gettext("Image"), exact=True).click()
    expect(body.locator("[data-contentpath=image]").first).to_be_visible()
    found += _english(tab)

    # The side panels: status (with the scheduling dialog's form) and the checks panel.
    tab.get_by_role("button", name=gettext("Toggle status")).click()
    found += _english(tab)
    context.close()
    assert not found, f"English in the page editor: {sorted(set(found))}"
