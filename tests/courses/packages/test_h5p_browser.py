"""An H5P multiple-choice in a lesson, in Chromium: played by h5p-standalone (from npm, served as our
static files) in the sandboxed frame; the right answer completes the lesson and the course, a wrong
one does not; the activity cannot read the site's cookies or its page."""

import re

import pytest
from playwright.sync_api import expect

from courses.models import Enrolment, LessonCompletion, PackageAttempt
from tests.accounts.factories import UserFactory
from tests.support.browser import axe_read, axe_violations, site_sign_in
from tests.support.layout import PHONE_VIEWPORT, assert_no_sideways_scroll

from .h5p_support import h5p_course, h5p_package

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


PROBE = """async () => {
  const out = { origin: self.origin };
  try { out.cookie = "read: " + document.cookie; } catch (e) { out.cookie = e.name; }
  try { out.parent = "read: " + window.parent.document.title; } catch (e) { out.parent = e.name; }
  try { out.top = "read: " + window.top.location.href; } catch (e) { out.top = e.name; }
  try {
    const response = await fetch("/learn/my-learning/", { credentials: "include" });
    out.fetch = "read: " + response.status;
  } catch (e) { out.fetch = e.name; }
  return out;
}"""


@pytest.fixture
def lesson_setup(media, home_page):
    package = h5p_package()
    course = h5p_course(home_page, package)
    lesson = course.get_children().specific().get()
    return package, course, lesson


def _open(browser, base, user, lesson, violations):
    tab = browser.new_page()
    tab.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    site_sign_in(tab, base, user.email, next_path=lesson.url)
    expect(tab).to_have_url(re.compile(re.escape(lesson.url) + "$"))
    frame = tab.frame_locator("iframe.package-frame")
    expect(frame.locator(".h5p-kns-question")).to_be_visible()
    return tab, frame


def test_the_right_answer_completes_the_lesson_and_the_course(live_server, lesson_setup, english_interface, browser):
    package, course, lesson = lesson_setup
    user = UserFactory()
    violations: list[str] = []
    tab, frame = _open(browser, live_server.url, user, lesson, violations)
    player = next(frame for frame in tab.frames if "/learn/package-h5p/" in frame.url)
    axe = axe_read()
    assert axe_violations(tab, axe) == []
    assert axe_violations(player, axe) == []  # the activity as H5P's core renders it
    tab.set_viewport_size(PHONE_VIEWPORT)
    assert_no_sideways_scroll(tab)
    frame.get_by_label("dichvucong.gov.vn", exact=True).check()
    frame.get_by_role("button", name="Kiểm tra").click()
    expect(frame.locator(".h5p-kns-feedback")).to_have_text("Đúng rồi!")
    expect(tab.locator("[data-package-player]")).to_have_attribute("data-course-completed", "true")
    assert LessonCompletion.objects.filter(user=user, lesson=lesson).exists()
    assert Enrolment.objects.get(user=user, course=course).completed_at is not None
    attempt = PackageAttempt.objects.get(user=user, lesson=lesson, package=package)
    assert (attempt.completion_status, attempt.success_status, attempt.score_scaled) == ("completed", "passed", 1.0)
    assert violations == []

    # The activity's scripts run in an opaque origin: no cookie, no page around it, no session.
    assert player.evaluate(PROBE) == {
        "origin": "null",
        "cookie": "SecurityError",
        "parent": "SecurityError",
        "top": "SecurityError",
        "fetch": "TypeError",
    }


def test_a_wrong_answer_does_not_pass(live_server, lesson_setup, english_interface, browser):
    package, course, lesson = lesson_setup
    user = UserFactory()
    violations: list[str] = []
    tab, frame = _open(browser, live_server.url, user, lesson, violations)
    frame.get_by_label("dichvucong-gov.vn.com", exact=True).check()
    frame.get_by_role("button", name="Kiểm tra").click()
    expect(frame.locator(".h5p-kns-feedback")).to_have_text("Chưa đúng.")
    expect(tab.locator("[data-package-status]")).not_to_be_empty()
    attempt = PackageAttempt.objects.get(user=user, lesson=lesson, package=package)
    assert (attempt.completion_status, attempt.success_status, attempt.score_raw) == ("completed", "failed", 0.0)
    assert not LessonCompletion.objects.filter(user=user, lesson=lesson).exists()
    assert Enrolment.objects.filter(user=user, course=course, completed_at__isnull=False).count() == 0
    assert violations == []


def test_an_activity_declaring_only_the_iframe_embed_type_plays_too(
    live_server, media, home_page, english_interface, browser
):
    package = h5p_package(embed_types=("iframe",))
    course = h5p_course(home_page, package)
    lesson = course.get_children().specific().get()
    user = UserFactory()
    violations: list[str] = []
    tab = browser.new_page()
    tab.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    site_sign_in(tab, live_server.url, user.email, next_path=lesson.url)
    # Played in the sandboxed frame itself, as "div" (a nested frame would get an origin of its own).
    inner = tab.frame_locator("iframe.package-frame")
    inner.get_by_label("dichvucong.gov.vn", exact=True).check()
    inner.get_by_role("button", name="Kiểm tra").click()
    expect(tab.locator("[data-package-player]")).to_have_attribute("data-course-completed", "true")
    assert LessonCompletion.objects.filter(user=user, lesson=lesson).exists()
    assert violations == []
