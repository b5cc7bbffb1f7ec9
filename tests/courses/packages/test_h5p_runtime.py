"""H5P's server side: the sandboxed player page, the package's files for it, and the relayed xAPI results
(checked, stored on the attempt, mapped onto the lesson with the course's pass mark, announced once)."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from courses.learning import events
from courses.models import Enrolment, LessonCompletion, PackageAttempt
from courses.packages.selectors import content_token, package_player
from tests.accounts.factories import UserFactory
from tests.courses.packages.builders import scorm12_zip

from .h5p_support import h5p_course, h5p_package
from .test_runtime import _package

pytestmark = pytest.mark.django_db

CONFIG = re.compile(r'<script id="kns-h5p-config" type="application/json">(.*?)</script>', re.S)
ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def _statement(verb=ANSWERED, raw=1, maximum=1, success=True, **extra):
    score = {"min": 0, "max": maximum, "raw": raw, "scaled": round(raw / maximum, 4)}
    return {"verb": verb, "result": {"score": score, "completion": True, "success": success, **extra}}


class _Request:
    def __init__(self, user):
        self.user = user


@pytest.fixture
def world(media, home_page):
    package = h5p_package()
    course = h5p_course(home_page, package)
    return {"course": course, "lesson": course.get_children().specific().get(), "package": package}


def _launch(client, user, world):
    client.force_login(user)
    player = package_player(request=_Request(user), lesson=world["lesson"], package=world["package"])
    response = client.get(player.launch_url)
    assert response.status_code == 200, response.content[:300]
    return player, response, json.loads(CONFIG.search(response.content.decode()).group(1))


def _commit(client, player, config, values, attempt=None):
    body = {"attempt": attempt or config["attempt"], "values": values, "terminate": False}
    return client.post(player.commit_url, json.dumps(body), content_type="application/json")


def test_the_player_page_is_sandboxed_with_a_policy_of_its_own(client, world):
    user = UserFactory()
    player, response, config = _launch(client, user, world)
    assert player.launch_url.startswith("/learn/package-h5p/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["sandbox"] == "allow-scripts"  # an opaque origin: no cookies, storage, forms, popups
    assert directives["default-src"] == "'none'"
    assert "'unsafe-eval'" not in policy and "'unsafe-inline'" not in directives["script-src"]
    assert directives["script-src"].split() == [
        "http://testserver/static/vendor/h5p-standalone/",
        "http://testserver/static/courses/packages/h5p-player.js",
        config["options"]["h5pJsonPath"] + "/",
    ]
    assert directives["frame-ancestors"] == "'self'"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Cache-Control"] == "private, no-store"
    options = config["options"]
    assert options["h5pJsonPath"].startswith("http://testserver/learn/package-content/")
    assert options["frameJs"] == "http://testserver/static/vendor/h5p-standalone/frame.bundle.js"
    assert options["embedType"] == "div"
    assert config["origin"] == "http://testserver"
    html = response.content.decode()
    assert 'src="http://testserver/static/vendor/h5p-standalone/main.bundle.js"' in html
    # The site's own pages keep the site's strict policy.
    lesson_page = client.get(world["lesson"].url)
    assert "'unsafe-inline'" not in lesson_page["Content-Security-Policy"]
    assert "sandbox" not in lesson_page["Content-Security-Policy"]
    assert 'sandbox="allow-scripts allow-forms"' in lesson_page.content.decode()
    assert re.search(r'<iframe [^>]*src="/learn/package-h5p/[^"/]+/"', lesson_page.content.decode())


def test_the_package_files_answer_the_opaque_origin(world):
    user = UserFactory()
    _player, _response, config = _launch(Client(), user, world)
    anonymous = Client()  # the frame's requests carry no cookie: the token grants them
    for path in ("h5p.json", "content/content.json", "H5P.KnsMultiChoice-1.0/library.json"):
        response = anonymous.get(config["options"]["h5pJsonPath"] + "/" + path, HTTP_ORIGIN="null")
        assert response.status_code == 200, path
        assert response["Access-Control-Allow-Origin"] == "*"
        json.loads(b"".join(response.streaming_content))


def test_the_vendored_player_is_served_from_our_static_files(client):
    from django.contrib.staticfiles import finders  # the finders see STATICFILES_DIRS as collectstatic does

    for name in ("main.bundle.js", "frame.bundle.js", "styles/h5p.css"):
        found = finders.find(f"vendor/h5p-standalone/{name}")
        assert found and found.endswith(f"node_modules/h5p-standalone/dist/{name}")


@pytest.mark.parametrize("case", ["forged", "another_person", "scorm_package", "not_in_the_lesson"])
def test_the_player_refuses_anything_else(client, world, case, media):
    user, other = UserFactory(), UserFactory()
    lesson, package = world["lesson"], world["package"]
    if case == "scorm_package":
        package = _package(scorm12_zip())
        lesson.body = [("package", {"package": package, "height": 600})]
        lesson.save_revision().publish()
    if case == "not_in_the_lesson":
        package = h5p_package(question="Khác?")
    token = content_token(user_id=user.pk, lesson_id=lesson.pk, package_id=package.pk)
    if case == "forged":
        token = token[:-3] + "abc"
    client.force_login(other if case == "another_person" else user)
    response = client.get(reverse("courses:package_h5p_player", kwargs={"token": token}))
    assert response.status_code == 404


def test_the_right_answer_completes_the_lesson_and_the_course_announced_once(client, world, english_interface):
    user = UserFactory()
    announced = []
    subscriber = events.package_finished.subscribe(lambda **facts: announced.append(facts))
    try:
        player, _response, config = _launch(client, user, world)
        answered = _commit(client, player, config, _statement())
        completed = _commit(client, player, config, _statement(COMPLETED))
    finally:
        events.package_finished.subscribers.remove(subscriber)
    assert answered.json() == {
        "ok": True,
        "lesson_completed": True,
        "course_completed": True,
        "message": "Congratulations! You have completed the course.",
        "progress": {"label": "1 of 1 lessons done", "percent": 100},
    }
    assert completed.json()["ok"] is True
    attempt = PackageAttempt.objects.get(user=user)
    assert (attempt.completion_status, attempt.success_status) == ("completed", "passed")
    assert (attempt.score_raw, attempt.score_min, attempt.score_max, attempt.score_scaled) == (1, 0, 1, 1)
    assert attempt.cmi["h5p"]["statements"] == 2
    assert LessonCompletion.objects.filter(user=user, lesson=world["lesson"]).exists()
    assert Enrolment.objects.get(user=user, course=world["course"]).completed_at is not None
    [facts] = announced  # the same result twice: announced once
    result = facts["result"]
    assert (facts["user"], facts["lesson"].pk) == (user, world["lesson"].pk)
    assert result.standard == "h5p" and result.activity_id == world["package"].identifier
    assert (result.completed, result.passed, result.score_scaled, result.attempt_id) == (
        True,
        True,
        1,
        str(attempt.uuid),
    )


def test_a_wrong_answer_then_a_retry_announces_each_result(client, world):
    user = UserFactory()
    announced = []
    subscriber = events.package_finished.subscribe(lambda **facts: announced.append(facts["result"]))
    try:
        player, _response, config = _launch(client, user, world)
        wrong = _commit(client, player, config, _statement(raw=0, success=False))
        assert wrong.json()["lesson_completed"] is False
        assert not LessonCompletion.objects.filter(user=user).exists()
        assert PackageAttempt.objects.get(user=user).success_status == "failed"
        right = _commit(client, player, config, _statement())
    finally:
        events.package_finished.subscribers.remove(subscriber)
    assert right.json()["lesson_completed"] is True
    assert [(r.passed, r.score_raw) for r in announced] == [(False, 0), (True, 1)]
    assert PackageAttempt.objects.filter(user=user).count() == 1  # one attempt, its result replaced


def test_a_score_under_the_courses_pass_mark_does_not_complete_the_lesson(client, world):
    user = UserFactory()
    player, _response, config = _launch(client, user, world)
    response = _commit(client, player, config, _statement(raw=3, maximum=4, success=True))  # 75 % < 80
    assert response.json()["lesson_completed"] is False
    assert PackageAttempt.objects.get(user=user).score_scaled == 0.75
    assert not LessonCompletion.objects.filter(user=user).exists()
    assert _commit(client, player, config, _statement(raw=4, maximum=5)).json()["lesson_completed"] is True


def test_answered_without_success_but_complete_and_full_marks_completes(client, world):
    user = UserFactory()
    player, _response, config = _launch(client, user, world)
    values = _statement()
    del values["result"]["success"]
    assert _commit(client, player, config, values).json()["lesson_completed"] is True
    assert PackageAttempt.objects.get(user=user).success_status == "unknown"


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"verb": "http://adlnet.gov/expapi/verbs/experienced"}, "Only the xAPI verbs"),
        ({"verb": ANSWERED, "result": []}, "The statement's result is not an object."),
        ({"verb": ANSWERED, "result": {"score": {"raw": 2, "min": 0, "max": 1}}}, "outside the minimum and maximum"),
        ({"verb": ANSWERED, "result": {"score": {"raw": "1", "max": 1}}}, "The score's raw is not a number."),
        (
            {"verb": ANSWERED, "result": {"score": {"raw": 1, "max": 0}}},
            "A raw score needs a maximum above its minimum.",
        ),
        ({"verb": ANSWERED, "result": {"score": {"raw": 1, "max": 2, "scaled": 1}}}, "does not match the raw score"),
        ({"verb": ANSWERED, "result": {"score": {"scaled": 3}}}, "between -1 and 1"),
        ({"verb": ANSWERED, "result": {"success": "yes"}}, "The statement's success is not true or false."),
        (_statement(duration="ten minutes"), "not an ISO 8601 duration"),
    ],
)
def test_bad_statements_are_refused_and_nothing_is_written(client, world, english_interface, values, reason):
    user = UserFactory()
    player, _response, config = _launch(client, user, world)
    response = _commit(client, player, config, values)
    assert response.status_code == 400
    assert reason in response.json()["message"]
    assert not PackageAttempt.objects.exists()


def test_another_persons_attempt_token_is_404_and_writes_nothing(client, world):
    owner, intruder = UserFactory(), UserFactory()
    _player, _response, owner_config = _launch(Client(), owner, world)
    player, _response, _config = _launch(client, intruder, world)
    response = _commit(client, player, owner_config, _statement())
    assert response.status_code == 404
    assert not PackageAttempt.objects.exists()
    assert not LessonCompletion.objects.exists()


def test_commits_need_the_session_and_the_csrf_token(world):
    user = UserFactory()
    player, _response, config = _launch(Client(), user, world)
    body = json.dumps({"attempt": config["attempt"], "values": _statement(), "terminate": False})
    assert Client().post(player.commit_url, body, content_type="application/json").status_code == 403
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(user)
    assert checked.post(player.commit_url, body, content_type="application/json").status_code == 403
    assert not PackageAttempt.objects.exists()


def test_a_duration_is_kept_as_time_spent(client, world):
    user = UserFactory()
    player, _response, config = _launch(client, user, world)
    _commit(client, player, config, _statement(duration="PT1M30.25S"))
    assert PackageAttempt.objects.get(user=user).session_seconds == 90.25
