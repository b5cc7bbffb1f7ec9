"""A learner plays both packages in Chromium: SCORM 1.2 and SCORM 2004 4th edition, real zips the tests
build, the SCO's side being pipwerks' wrapper (npm). The lesson and the course complete; the content,
sandboxed, reads neither the site's cookies nor the page around it."""

import io

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from courses.models import Enrolment, LessonCompletion, PackageAttempt
from courses.packages.selectors import content_token
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


SCORM12_CALLS = [
    # (call, arguments, result, error code): SCORM 1.2 RTE 3.3 (API) and 3.4 (data model).
    ("LMSGetValue", ["cmi.core.student_id"], "", "301"),
    ("LMSSetValue", ["cmi.core.lesson_location", "x"], "false", "301"),
    ("LMSInitialize", [""], "true", "0"),
    ("LMSInitialize", [""], "false", "101"),
    ("LMSSetValue", ["cmi.core.student_id", "x"], "false", "403"),
    ("LMSGetValue", ["cmi.core.exit"], "", "404"),
    ("LMSSetValue", ["cmi.core.lesson_status", "done"], "false", "405"),
    ("LMSSetValue", ["cmi.core.lesson_status", "not attempted"], "false", "405"),
    ("LMSSetValue", ["cmi.core.score.raw", "101"], "false", "405"),
    ("LMSSetValue", ["cmi.core.score.raw", "ninety"], "false", "405"),
    ("LMSSetValue", ["cmi.core.session_time", "90"], "false", "405"),
    ("LMSSetValue", ["cmi.core._children", "x"], "false", "402"),
    ("LMSGetValue", ["cmi.core.score._children"], "raw,min,max", "0"),
    ("LMSGetValue", ["cmi.core.lesson_status._children"], "", "202"),
    ("LMSGetValue", ["cmi.core._count"], "", "203"),
    ("LMSGetValue", ["cmi.nothing"], "", "201"),
    ("LMSGetValue", ["cmi.core.lesson_status"], "not attempted", "0"),
    ("LMSSetValue", ["cmi.core.lesson_status", "passed"], "true", "0"),
    ("LMSGetValue", ["cmi.core.lesson_status"], "passed", "0"),
    ("LMSSetValue", ["cmi.core.score.raw", "85.5"], "true", "0"),
    ("LMSSetValue", ["cmi.objectives.1.id", "o2"], "false", "201"),
    ("LMSSetValue", ["cmi.objectives.0.id", "o1"], "true", "0"),
    ("LMSGetValue", ["cmi.objectives._count"], "1", "0"),
    ("LMSGetErrorString", ["301"], "Not initialized", None),
    ("LMSGetDiagnostic", ["405"], "Incorrect data type", None),
    ("LMSCommit", [""], "true", "0"),
    ("LMSFinish", [""], "true", "0"),
    ("LMSGetValue", ["cmi.core.lesson_status"], "", "101"),
    ("LMSCommit", [""], "false", "101"),
]

SCORM2004_CALLS = [
    # SCORM 2004 4th edition RTE 3.1.7 (error codes) and 4.2 (data model).
    ("GetValue", ["cmi.learner_id"], "", "122"),
    ("SetValue", ["cmi.location", "x"], "false", "132"),
    ("Commit", [""], "false", "142"),
    ("Terminate", [""], "false", "112"),
    ("Initialize", [""], "true", "0"),
    ("Initialize", [""], "false", "103"),
    ("SetValue", ["cmi.learner_id", "x"], "false", "404"),
    ("SetValue", ["cmi._version", "2"], "false", "404"),
    ("GetValue", ["cmi.exit"], "", "405"),
    ("GetValue", ["cmi.location"], "", "403"),
    ("GetValue", ["cmi.nothing"], "", "401"),
    ("SetValue", ["cmi.completion_status", "passed"], "false", "406"),
    ("SetValue", ["cmi.success_status", "completed"], "false", "406"),
    ("SetValue", ["cmi.score.scaled", "1.5"], "false", "407"),
    ("SetValue", ["cmi.score.scaled", "abc"], "false", "406"),
    ("SetValue", ["cmi.progress_measure", "-0.1"], "false", "407"),
    ("SetValue", ["cmi.session_time", "PT"], "false", "406"),
    ("SetValue", ["cmi.objectives.0.score.raw", "1"], "false", "408"),
    ("SetValue", ["cmi.objectives.5.id", "o6"], "false", "351"),
    ("SetValue", ["cmi.objectives.0.id", "o1"], "true", "0"),
    ("SetValue", ["cmi.objectives.0.score.raw", "1"], "true", "0"),
    ("GetValue", ["cmi.objectives._count"], "1", "0"),
    ("GetValue", ["cmi._version"], "1.0", "0"),
    ("GetValue", ["cmi.completion_status"], "unknown", "0"),
    ("SetValue", ["cmi.score.scaled", "-0.25"], "true", "0"),
    ("GetValue", ["cmi.score.scaled"], "-0.25", "0"),
    ("GetValue", ["cmi.entry"], "ab-initio", "0"),
    ("GetErrorString", ["407"], "Data Model Element Value Out Of Range", None),
    ("Terminate", [""], "true", "0"),
    ("Terminate", [""], "false", "113"),
    ("GetValue", ["cmi.location"], "", "123"),
    ("SetValue", ["cmi.location", "x"], "false", "133"),
    ("Commit", [""], "false", "143"),
    ("Initialize", [""], "false", "104"),
]

_CALLS_SCRIPT = """([name, calls]) => {
  const api = window[name];
  const lastError = name === "API" ? "LMSGetLastError" : "GetLastError";
  return calls.map(([call, args]) => {
    const result = api[call](...args);
    const code = call.endsWith("ErrorString") || call.endsWith("Diagnostic") ? null : api[lastError]();
    return [call, args, result, code];
  });
}"""


@pytest.mark.parametrize(("index", "name", "calls"), [(0, "API", SCORM12_CALLS), (1, "API_1484_11", SCORM2004_CALLS)])
def test_the_adapter_answers_the_standards_error_codes(live_server, lessons, page, index, name, calls):
    """Called as content would, in the sandboxed page the server serves (the token grants it)."""
    _course, found = lessons
    lesson = found[index]
    package_id = lesson.body[0].value["package"].pk
    user = UserFactory()
    token = content_token(user_id=user.pk, lesson_id=lesson.pk, package_id=package_id)
    page.goto(live_server.url + reverse("courses:package_content", kwargs={"token": token, "path": "probe.html"}))
    got = page.evaluate(_CALLS_SCRIPT, [name, [[call, args] for call, args, _r, _c in calls]])
    assert [tuple(row) for row in got] == [(call, args, result, code) for call, args, result, code in calls]
    assert not PackageAttempt.objects.exists()  # nothing reaches the server without the lesson page around it
