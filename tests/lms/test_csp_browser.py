"""The Content-Security-Policy in a real browser: the public site and Wagtail's admin work under it.

Every page the browser opens is watched for CSP violations two ways: the
``securitypolicyviolation`` events of the document (an init script, which the CSP does not
govern) and Chromium's console errors about the policy. Both must stay empty.
"""

import contextlib
import json
import re

import pytest
from django.utils import timezone
from django.utils.translation import gettext
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from wagtail.models import Page

from courses.certificates.services import certificate_issue
from courses.models import Enrolment, Feedback
from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create, tutorial_create, tutorial_index_create
from tests.support.browser import admin_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Watched:
    """A browser tab whose CSP violations are collected (console and events, every document)."""

    def __init__(self, context):
        self.console = []
        self.events = []
        context.add_init_script(WATCH)
        self.tab = context.new_page()
        self.tab.set_default_timeout(20_000)
        self.tab.on("console", self._console)

    def _console(self, message):
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text or "Permissions-Policy" in text:
            self.console.append(text)

    def goto(self, url):
        """Open ``url`` after taking what the document being left reported."""
        self.collect()
        return self.tab.goto(url)

    def collect(self):
        """Violations reported so far by the documents now open (main frame and frames)."""
        for frame in self.tab.frames:
            with contextlib.suppress(PlaywrightError):  # a frame navigating away has nothing to give
                self.events.extend(frame.evaluate("window.__csp.splice(0)"))
        return self.console + self.events


@pytest.fixture
def content(home_page):
    index = tutorial_index_create(home_page, show_in_menus=True)
    tutorial = tutorial_create(
        index,
        "Hướng dẫn đăng ký tài khoản",
        slug="dang-ky-tai-khoan",
        body=[{"type": "paragraph", "value": "<p>Mở trang Cổng Dịch vụ công.</p>"}],
    )
    course = course_create(home_page, title="Dùng dịch vụ công", slug="dung-dich-vu-cong")
    return {"index": index, "tutorial": tutorial, "course": course}


def test_public_pages_work_under_the_policy_with_no_violation(live_server, content, browser):
    learner = UserFactory(full_name="Nguyễn Thị Hằng")
    enrolment = Enrolment.objects.create(user=learner, course=content["course"], completed_at=timezone.now())
    code = certificate_issue(enrolment=enrolment).code
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    watched = Watched(context)
    tab = watched.tab
    base = live_server.url
    pages = ["/", content["tutorial"].url, content["course"].url, "/certificates/", "/search/?q=dang+ky", "/minh-bach/"]
    pages.append(f"/certificates/{code}/")
    for path in pages:
        response = watched.goto(base + path)
        assert response.status == 200, path
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
        expect(tab.locator("main h1").first).to_be_visible()
    # The site's own stylesheet applied (a blocked stylesheet would leave the skip link on screen).
    assert tab.evaluate("getComputedStyle(document.querySelector('.skip-link')).position") == "absolute"
    assert watched.collect() == []
    context.close()


def test_feedback_from_a_cached_page_without_javascript(live_server, content, browser):
    tutorial = content["tutorial"]
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740}, locale="vi-VN")
    watched = Watched(context)
    tab = watched.tab
    tab.goto(live_server.url + tutorial.url)  # the first visit stores the page (it sets no cookie)
    response = tab.goto(live_server.url + tutorial.url)
    assert response.headers["x-page-cache"] == "hit"
    tab.get_by_role("button", name="Không", exact=True).click()  # "No": the one extra page
    expect(tab.get_by_label("Không", exact=True)).to_be_checked()
    tab.get_by_label("Góp ý (không bắt buộc)").fill("Thiếu ảnh bước 2")
    tab.get_by_role("button", name="Gửi góp ý").click()
    expect(tab.get_by_text("Cảm ơn bạn đã góp ý.")).to_be_visible()
    expect(tab).to_have_url(re.compile(re.escape(tutorial.url) + "$"))
    assert list(Feedback.objects.values_list("helpful", "comment")) == [(False, "Thiếu ảnh bước 2")]
    assert watched.collect() == []
    context.close()


def test_the_admin_works_under_its_policy(live_server, content, browser):
    tutorial = content["tutorial"]
    UserFactory(email="admin@example.vn", is_superuser=True)
    Feedback.objects.create(page=tutorial, helpful=False, comment="Khó hiểu")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    watched = Watched(context)
    tab = watched.tab
    base = live_server.url
    admin_sign_in(tab, base, "admin@example.vn")
    expect(tab.locator("main h1, main h2").first).to_be_visible()

    # The page editor: the StreamField's own script runs, a block is added, a draft saved.
    watched.goto(f"{base}/admin/pages/{tutorial.pk}/edit/")
    body = tab.locator("[data-contentpath=body]")
    expect(body.locator("[contenteditable=true]").first).to_be_visible()
    body.locator("button.c-sf-add-button").last.click()  # "Insert a block", in the admin's language
    tab.get_by_role("option", name=gettext("Paragraph")).click()  # our block labels are translated
    editors = body.locator("[contenteditable=true]")
    expect(editors).to_have_count(2)
    editors.last.click()
    editors.last.press_sequentially("Bước mới thêm trong trình soạn thảo.")
    expect(editors.last).to_contain_text("Bước mới thêm")
    # Draftail writes its content to the block's input a moment after typing.
    expect(body.locator("input[name$='-value']").last).to_have_value(re.compile("Bước mới thêm"))
    tab.get_by_role("button", name=gettext("Save draft")).click()
    expect(tab.locator(".messages .success, .messages [class*=success]").first).to_be_visible()
    saved = json.loads(Page.objects.get(pk=tutorial.pk).get_latest_revision().content["body"])
    assert [block["type"] for block in saved] == ["paragraph", "paragraph"]
    assert "Bước mới thêm" in " ".join(block["value"] for block in saved)

    # The preview panel: the preview is framed by the editor (frame-ancestors 'self').
    tab.get_by_role("button", name=gettext("Toggle preview")).click()
    expect(tab.locator("iframe[src*='/edit/preview/']")).to_have_count(1)
    preview = tab.frame_locator("iframe[src*='/edit/preview/']")
    expect(preview.locator("main h1")).to_have_text(tutorial.title)
    expect(preview.locator("main")).to_contain_text("Bước mới thêm trong trình soạn thảo.")

    # The image chooser: an image block's "Choose an image" opens its modal.
    body.locator("button.c-sf-add-button").last.click()  # "Insert a block", in the admin's language
    tab.get_by_role("option", name=gettext("Image"), exact=True).click()
    body.locator("[data-chooser-action-choose]").last.click()  # its label is Wagtail's Vietnamese
    modal = tab.locator(".modal-dialog")
    expect(modal.locator("h1").first).to_be_visible()
    expect(modal.locator("input[name=q]").first).to_be_visible()  # the chooser's search, loaded

    # The snippet chooser: its widget is started by an inline script (the admin's 'unsafe-inline').
    watched.goto(f"{base}/admin/pages/{tutorial.pk}/edit/")
    tab.locator("[data-contentpath=public_service] [data-chooser-action-choose]").click()
    expect(tab.locator(".modal-dialog input[name=q]").first).to_be_visible()

    # One of our own admin views: the feedback report.
    watched.goto(f"{base}/admin/feedback/")
    expect(tab.get_by_role("link", name=tutorial.title)).to_be_visible()

    # The public page as an editor sees it: the public policy, with Wagtail's userbar script.
    response = watched.goto(base + tutorial.url)
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    expect(tab.locator("wagtail-userbar")).to_be_attached()
    tab.locator("wagtail-userbar").locator("button").first.click()  # its script runs: the menu opens
    expect(tab.locator("wagtail-userbar").get_by_role("menuitem").first).to_be_visible()
    assert watched.collect() == []
    context.close()
