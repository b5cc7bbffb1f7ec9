"""The runtime's server side: the sandboxed content, the attempt's state, commits, resume, results, tampering."""

import io
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from courses.learning import events
from courses.models import Enrolment, LessonCompletion, PackageAttempt
from courses.packages.selectors import content_token, package_player
from courses.packages.services import package_upload
from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create

from .builders import scorm12_zip, scorm2004_zip

pytestmark = pytest.mark.django_db

STATE = re.compile(r'<script id="kns-package-state" type="application/json">(.*?)</script>', re.S)


def _package(data):
    return package_upload(upload=io.BytesIO(data), user=None, size=len(data))


@pytest.fixture
def world(media, home_page):
    scorm12, scorm2004 = _package(scorm12_zip()), _package(scorm2004_zip())
    course = course_create(
        home_page,
        pass_mark=80,
        lessons=[
            ("Bài SCORM 1.2", [("package", {"package": scorm12, "height": 600})]),
            ("Bài SCORM 2004", [("package", {"package": scorm2004, "height": 600})]),
        ],
    )
    lesson12, lesson2004 = course.lessons()
    return {"course": course, "12": (lesson12.specific, scorm12), "2004": (lesson2004.specific, scorm2004)}


class _Request:
    def __init__(self, user):
        self.user = user


def _launch(client, user, lesson, package):
    player = package_player(request=_Request(user), lesson=lesson, package=package)
    response = client.get(player.launch_url)
    assert response.status_code == 200, response.content[:300]
    state = json.loads(STATE.search(response.content.decode()).group(1))
    return player, response, state


def _commit(client, player, state, values, *, terminate=False, attempt=None):
    body = {"attempt": attempt or state["attempt"], "values": values, "terminate": terminate}
    return client.post(player.commit_url, json.dumps(body), content_type="application/json")


def test_the_content_is_sandboxed_and_gets_the_adapter(client, world):
    lesson, package = world["12"]
    user = UserFactory()
    client.force_login(user)
    player, response, state = _launch(client, user, lesson, package)
    policy = response["Content-Security-Policy"]
    assert policy.startswith("sandbox allow-scripts allow-forms;")
    assert "allow-same-origin" not in policy and "frame-ancestors 'self'" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    assert html.index("kns-package-state") < html.index("scorm-api.js") < html.index('src="scorm.js"')
    assert state["standard"] == "scorm12"
    assert state["values"]["cmi.core.entry"] == "ab-initio"
    assert state["values"]["cmi.core.student_name"] == user.full_name
    # An asset of the package: same policy, readable by the content's own scripts.
    asset = client.get(player.launch_url.replace("index.html", "sco.js"))
    assert asset.status_code == 200 and asset["Content-Security-Policy"] == policy
    assert asset["Access-Control-Allow-Origin"] == "*"
    assert b"scorm.initialize" in b"".join(asset.streaming_content)
    # The lesson page itself lets only this site's frames in (the site's policy otherwise).
    page = client.get(lesson.url)
    assert "frame-src" in page["Content-Security-Policy"] and "'self'" in page["Content-Security-Policy"]
    html = page.content.decode()
    assert re.search(r'<iframe class="package-frame" src="/learn/package-content/[^/"]+/index.html"', html)
    assert 'sandbox="allow-scripts allow-forms"' in html
    # Completed by the package, not by the button.
    assert reverse("courses:lesson_complete", args=[lesson.pk]) not in html


def test_content_without_the_session_cookie_is_served_by_the_token(world):
    """The frame's own requests come from an opaque origin: no cookie; the signed token grants them."""
    lesson, package = world["12"]
    user = UserFactory()
    _player, _response, state = _launch(Client(), user, lesson, package)
    assert state["values"]["cmi.core.student_id"] == str(user.pk)


@pytest.mark.parametrize("case", ["forged", "other-person", "traversal", "missing", "lesson-without-package"])
def test_content_refuses_anything_else(client, world, case):
    lesson, package = world["12"]
    owner, other = UserFactory(), UserFactory()
    token = content_token(user_id=owner.pk, lesson_id=lesson.pk, package_id=package.pk)
    path = "index.html"
    if case == "forged":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif case == "other-person":
        client.force_login(other)
    elif case == "traversal":
        path = "../../../../etc/passwd"
    elif case == "missing":
        path = "nothing.html"
    elif case == "lesson-without-package":
        token = content_token(user_id=owner.pk, lesson_id=world["2004"][0].pk, package_id=package.pk)
    url = reverse("courses:package_content", kwargs={"token": token, "path": "x"}).removesuffix("x") + path
    assert client.get(url).status_code == 404


def test_scorm12_progress_is_stored_and_resumed(client, world):
    lesson, package = world["12"]
    user = UserFactory()
    client.force_login(user)
    player, _response, state = _launch(client, user, lesson, package)
    values = {
        "cmi.core.lesson_location": "page-2",
        "cmi.suspend_data": "answers=1,2;page=2",
        "cmi.core.lesson_status": "incomplete",
        "cmi.core.exit": "suspend",
    }
    response = _commit(client, player, state, values)
    assert response.status_code == 200 and response.json()["ok"] is True
    response = _commit(client, player, state, {**values, "cmi.core.session_time": "0001:00:00"}, terminate=True)
    assert response.json()["lesson_completed"] is False
    attempt = PackageAttempt.objects.get(user=user)
    assert attempt.completion_status == "incomplete" and attempt.closed_at is None
    assert attempt.session_seconds == 3600
    _player, _response, again = _launch(client, user, lesson, package)
    assert again["attempt"] == state["attempt"]
    assert again["values"]["cmi.core.entry"] == "resume"
    assert again["values"]["cmi.core.lesson_location"] == "page-2"
    assert again["values"]["cmi.suspend_data"] == "answers=1,2;page=2"
    assert again["values"]["cmi.core.total_time"] == "0001:00:00.00"
    assert "cmi.core.exit" not in again["values"] and "cmi.core.session_time" not in again["values"]


def _finish12(client, player, state, raw=90):
    values = {
        "cmi.core.score.raw": str(raw),
        "cmi.core.score.min": "0",
        "cmi.core.score.max": "100",
        "cmi.core.lesson_status": "passed",
        "cmi.core.exit": "logout",
        "cmi.core.session_time": "0000:01:30.00",
    }
    return _commit(client, player, state, values, terminate=True)


def _finish2004(client, player, state, scaled="0.9"):
    values = {
        "cmi.score.scaled": scaled,
        "cmi.score.raw": str(float(scaled) * 100),
        "cmi.completion_status": "completed",
        "cmi.success_status": "passed",
        "cmi.exit": "normal",
        "cmi.session_time": "PT1M30S",
    }
    return _commit(client, player, state, values, terminate=True)


def test_both_packages_complete_the_lessons_and_the_course(client, world, english_interface):
    user = UserFactory()
    client.force_login(user)
    announced = []
    subscriber = events.package_finished.subscribe(lambda **facts: announced.append(facts))
    try:
        player, _r, state = _launch(client, user, *world["12"])
        body = _finish12(client, player, state).json()
        assert body == {
            "ok": True,
            "lesson_completed": True,
            "course_completed": False,
            "message": "Lesson complete.",
            "progress": {"label": "1 of 2 lessons done", "percent": 50},
        }
        player, _r, state = _launch(client, user, *world["2004"])
        body = _finish2004(client, player, state).json()
        assert body["course_completed"] is True
        assert body["message"] == "Congratulations! You have completed the course."
    finally:
        events.package_finished.subscribers.remove(subscriber)
    assert LessonCompletion.objects.filter(user=user).count() == 2
    assert Enrolment.objects.get(user=user, course=world["course"]).completed_at is not None
    attempts = PackageAttempt.objects.filter(user=user).order_by("pk")
    assert [a.closed_at is not None for a in attempts] == [True, True]
    assert [(a.score_scaled, a.success_status) for a in attempts] == [(0.9, "passed"), (0.9, "passed")]
    results = [facts["result"] for facts in announced]
    assert [(r.standard, r.completed, r.passed, r.score_scaled) for r in results] == [
        ("scorm12", True, True, 0.9),
        ("scorm2004", True, True, 0.9),
    ]
    assert results[0].attempt_id == str(attempts[0].uuid) and results[0].activity_id == "com.example.scorm12"
    assert results[1].duration_seconds == 90 and results[0].score_raw == 90
    # A new launch after a finished attempt is a new attempt.
    _p, _r, fresh = _launch(client, user, *world["12"])
    assert fresh["values"]["cmi.core.entry"] == "ab-initio" and fresh["attempt"] != state["attempt"]


def test_announced_once_per_attempt_and_change_of_result(client, world):
    user = UserFactory()
    client.force_login(user)
    announced = []
    subscriber = events.package_finished.subscribe(lambda **facts: announced.append(facts["result"]))
    try:
        player, _r, state = _launch(client, user, *world["2004"])
        values = {"cmi.completion_status": "completed", "cmi.success_status": "failed", "cmi.score.scaled": "0.5"}
        _commit(client, player, state, values)
        _commit(client, player, state, values)  # the same result: not again
        _commit(client, player, state, {**values, "cmi.location": "p3"})  # not a result
        _commit(client, player, state, {**values, "cmi.success_status": "passed", "cmi.score.scaled": "0.95"})
    finally:
        events.package_finished.subscribers.remove(subscriber)
    assert [(r.passed, r.score_scaled) for r in announced] == [(False, 0.5), (True, 0.95)]


def test_a_score_under_the_courses_pass_mark_does_not_complete_the_lesson(client, world):
    user = UserFactory()
    client.force_login(user)
    player, _r, state = _launch(client, user, *world["12"])
    body = _finish12(client, player, state, raw=70).json()  # "passed" by the package, 70 % < 80 %
    assert body["lesson_completed"] is False
    assert not LessonCompletion.objects.filter(user=user).exists()
    player, _r, state = _launch(client, user, *world["2004"])
    assert _finish2004(client, player, state, scaled="0.79").json()["lesson_completed"] is False


@pytest.mark.parametrize(
    ("standard", "values", "element"),
    [
        ("12", {"cmi.core.lesson_status": "done"}, "cmi.core.lesson_status"),
        ("12", {"cmi.core.score.raw": "101"}, "cmi.core.score.raw"),
        ("12", {"cmi.core.score.raw": "ninety"}, "cmi.core.score.raw"),
        ("12", {"cmi.core.student_id": "someone-else"}, "cmi.core.student_id"),
        ("12", {"cmi.core.session_time": "90 seconds"}, "cmi.core.session_time"),
        ("12", {"cmi.suspend_data": "x" * 4097}, "cmi.suspend_data"),
        ("12", {"cmi.nothing": "1"}, "cmi.nothing"),
        ("2004", {"cmi.score.scaled": "1.5"}, "cmi.score.scaled"),
        ("2004", {"cmi.completion_status": "passed"}, "cmi.completion_status"),
        ("2004", {"cmi.success_status": "completed"}, "cmi.success_status"),
        ("2004", {"cmi.entry": "resume"}, "cmi.entry"),
        ("2004", {"cmi.session_time": "PT"}, "cmi.session_time"),
        ("2004", {"cmi.location": 5}, "cmi.location"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(client, world, standard, values, element):
    user = UserFactory()
    client.force_login(user)
    player, _r, state = _launch(client, user, *world[standard])
    good = {"cmi.suspend_data": "kept"}
    assert _commit(client, player, state, good).status_code == 200
    with translation.override("en"):
        response = _commit(client, player, state, {"cmi.suspend_data": "changed", **values})
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and [error["element"] for error in body["errors"]] == [element]
    assert PackageAttempt.objects.get(user=user).cmi == good


def test_the_errors_are_translated(client, world):
    user = UserFactory()
    client.force_login(user)
    player, _r, state = _launch(client, user, *world["2004"])
    response = _commit(client, player, state, {"cmi.score.scaled": "2"})
    with translation.override("vi"):
        from django.utils.translation import gettext

        expected = gettext("%(element)s: this value is out of range.") % {"element": "cmi.score.scaled"}
    assert response.json()["errors"][0]["message"] == expected


@pytest.mark.parametrize("case", ["other-persons-attempt", "forged-attempt", "other-lesson", "unknown-package"])
def test_tampered_commits_are_404_and_write_nothing(client, world, case):
    owner, intruder = UserFactory(), UserFactory()
    player, _r, state = _launch(Client(), owner, *world["12"])
    owner_client = Client()
    owner_client.force_login(owner)
    assert _commit(owner_client, player, state, {"cmi.suspend_data": "mine"}).status_code == 200
    client.force_login(intruder)
    attempt, url = state["attempt"], player.commit_url
    if case == "forged-attempt":
        attempt = attempt[:-3] + "xyz"
    elif case == "other-lesson":
        lesson2004, package2004 = world["2004"]
        url = reverse("courses:package_commit", kwargs={"lesson_id": lesson2004.pk, "package_id": package2004.pk})
    elif case == "unknown-package":
        url = reverse("courses:package_commit", kwargs={"lesson_id": world["12"][0].pk, "package_id": 99999999})
    body = {"attempt": attempt, "values": {"cmi.suspend_data": "theirs"}, "terminate": False}
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 404
    assert list(PackageAttempt.objects.values_list("user_id", "cmi")) == [(owner.pk, {"cmi.suspend_data": "mine"})]


def test_commits_need_a_signed_in_person_and_the_csrf_token(world):
    owner = UserFactory()
    player, _r, state = _launch(Client(), owner, *world["12"])
    anonymous = Client(enforce_csrf_checks=True)
    body = json.dumps({"attempt": state["attempt"], "values": {}, "terminate": False})
    assert anonymous.post(player.commit_url, body, content_type="application/json").status_code == 403
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(owner)
    assert signed_in.post(player.commit_url, body, content_type="application/json").status_code == 403
    assert not PackageAttempt.objects.exists()


@pytest.mark.parametrize("body", [b"", b"[]", b"{", b'{"attempt": 1, "values": {}}', b'{"attempt": "x", "values": []}'])
def test_unreadable_commits_are_400(client, world, body):
    user = UserFactory()
    client.force_login(user)
    player = package_player(request=_Request(user), lesson=world["12"][0], package=world["12"][1])
    response = client.post(player.commit_url, body, content_type="application/json")
    assert response.status_code == 400
    assert not PackageAttempt.objects.exists()


def test_anonymous_visitors_see_a_sign_in_link_not_the_frame(client, world, english_interface):
    lesson, _package = world["12"]
    html = client.get(lesson.url).content.decode()
    assert "<iframe" not in html and "Sign in to take this activity" in html
