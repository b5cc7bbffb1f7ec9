"""A learner plays both packages in Chromium: SCORM 1.2 and SCORM 2004 4th edition, real zips the tests
build, the SCO's side being pipwerks' wrapper (npm). The lesson and the course complete; the content,
sandboxed, reads neither the site's cookies nor the page around it."""

import io

import pytest
from playwright.sync_api import expect

from courses.models import Enrolment, LessonCompletion, PackageAttempt
from courses.packages.services import package_upload
from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create
from tests.support.browser import axe_violations, site_sign_in
from tests.support.layout import sideways_overflow

from .builders import scorm12_zip, scorm2004_zip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def lessons(media, home_page):
    packages = []
    for data in (scorm12_zip(), scorm2004_zip()):
        packages.append(package_upload(upload=io.BytesIO(data), user=None, size=len(data)))
    course = course_create(
        home_page,
        pass_mark=80,
        lessons=[
            ("Bài SCORM 1.2", [("package", {"package": packages[0], "height": 600})]),
            ("Bài SCORM 2004", [("package", {"package": packages[1], "height": 600})]),
        ],
    )
    return course, [lesson.specific for lesson in course.lessons()]


def test_a_learner_plays_both_packages_and_completes_the_course(
    live_server, lessons, english_interface, page, axe_source
):
    course, (lesson12, lesson2004) = lessons
    base = live_server.url
    user = UserFactory()
    site_sign_in(page, base, user.email, next_path=lesson12.url)
    expect(page.locator("h1")).to_have_text("Bài SCORM 1.2")
    frame = page.frame_locator("iframe.package-frame")
    status = page.locator("[data-package-status]")

    # The SCO found the API the standard way, in its own window; the site stays out of its reach.
    expect(frame.locator("#api")).to_have_text("found")
    expect(frame.locator("#entry")).to_have_text("ab-initio")
    expect(frame.locator("#cookie")).to_have_text("blocked")
    expect(frame.locator("#parent")).to_have_text("blocked")
    assert "csrftoken=" in page.evaluate("document.cookie")  # the site's own page reads its cookie
    assert page.frames[1].evaluate("() => { try { return document.cookie } catch (e) { return e.name } }") == (
        "SecurityError"
    )
    assert page.frames[1].evaluate("() => { try { return !!localStorage } catch (e) { return e.name } }") == (
        "SecurityError"
    )
    assert axe_violations(page, axe_source) == []
    assert sideways_overflow(page) is None

    # Progress is saved, and resumed on the next visit.
    frame.locator("#progress").click()
    expect(status).to_have_text("Your progress is saved.")
    page.reload()
    expect(frame.locator("#entry")).to_have_text("resume")
    expect(frame.locator("#location")).to_have_text("page-2")
    expect(frame.locator("#suspend")).to_have_text("answers=1,2;page=2")

    frame.locator("#finish").click()
    expect(frame.locator("#done")).to_have_text("finished true")
    expect(status).to_have_text("Lesson complete.")

    page.goto(base + lesson2004.url)
    expect(frame.locator("#api")).to_have_text("found")
    expect(frame.locator("#cookie")).to_have_text("blocked")
    expect(frame.locator("#parent")).to_have_text("blocked")
    frame.locator("#finish").click()
    expect(status).to_have_text("Congratulations! You have completed the course.")

    page.reload()
    expect(page.get_by_text("You have completed this lesson.")).to_be_visible()
    assert LessonCompletion.objects.filter(user=user).count() == 2
    assert Enrolment.objects.get(user=user, course=course).completed_at is not None
    attempts = PackageAttempt.objects.filter(user=user).order_by("pk")
    assert [(a.package.standard, a.success_status, a.score_scaled) for a in attempts] == [
        ("scorm12", "passed", 0.9),
        ("scorm2004", "passed", 0.9),
    ]
