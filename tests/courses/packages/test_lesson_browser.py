"""The demo SCORM lesson on a 360 px phone, in Chromium: the frame grows to the content's height (told
by the adapter through postMessage), and once the package passes the page says so at once: the hint
gives way to the done message, the header's progress counts the lesson, the final test is offered."""

import io

import pytest
from playwright.sync_api import expect

from courses.packages.demo import demo_package_zip
from courses.packages.services import package_upload
from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create, question
from tests.support.browser import axe_violations, site_sign_in
from tests.support.layout import PHONE_VIEWPORT, sideways_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def course(media, home_page):
    data = demo_package_zip()
    package = package_upload(upload=io.BytesIO(data), user=None, size=len(data))
    return course_create(
        home_page,
        lessons=[
            ("Bài đọc", [{"type": "paragraph", "value": "<p>Đọc.</p>"}]),
            ("Bài thực hành", [("package", {"package": package, "height": 600})]),
        ],
        final=[question()],
    )


def test_the_demo_package_fits_a_phone_and_the_page_says_when_it_is_done(
    live_server, course, english_interface, page, axe_source
):
    page.set_viewport_size(PHONE_VIEWPORT)
    reading, _practice = (lesson.specific for lesson in course.lessons())
    site_sign_in(page, live_server.url, UserFactory().email, next_path=reading.url)
    page.get_by_role("button", name="Mark this lesson complete").click()
    expect(page.locator("h1")).to_have_text("Bài thực hành")
    frame = page.frame_locator("iframe.package-frame")
    expect(frame.locator("h1")).to_be_visible()
    content = page.frames[1]
    content_height = content.evaluate("document.body.scrollHeight")
    iframe = page.locator("iframe.package-frame")
    # The frame grew to the whole content: nothing is cut, nothing scrolls inside it.
    page.wait_for_function(
        "h => document.querySelector('iframe.package-frame').getBoundingClientRect().height >= h", arg=content_height
    )
    assert content.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
    assert iframe.bounding_box()["height"] <= content_height + 40
    assert sideways_overflow(page) is None
    hint = page.get_by_text("Finish the activity above to complete this lesson.")
    expect(hint).to_be_visible()
    expect(page.locator("[data-progress-label]")).to_have_text("1 of 2 lessons done")
    expect(page.get_by_role("link", name="Final test →")).to_be_visible()

    frame.locator("input[name=q1][value='1']").check()
    frame.locator("input[name=q2][value='1']").check()
    frame.get_by_role("button", name="Nộp bài").click()
    expect(page.locator("[data-package-status]")).to_have_text("Lesson complete.")
    expect(hint).to_be_hidden()
    expect(page.locator("[data-package-done]")).to_be_visible()
    expect(page.locator("[data-package-done]")).to_have_text("You have completed this lesson.")
    expect(page.locator("[data-progress-label]")).to_have_text("2 of 2 lessons done")
    assert page.locator("progress.progress-track").evaluate("p => p.value") == 100
    assert axe_violations(page, axe_source) == []
    assert sideways_overflow(page) is None

    page.get_by_role("link", name="Final test →").click()
    expect(page.locator("#test-heading")).to_be_visible()
