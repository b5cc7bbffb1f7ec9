"""Offline reading and queued submissions, on the server's side (docs/offline.md): the worker and the
manifest, the owner marker, and submission keys that record a replayed submission once."""

import gzip
import json
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from core.offline import PAGE_HEADER, offline_owner
from courses.learning.quiz import quiz_questions
from courses.models import LessonCompletion, QuizAttempt, SubmissionKey, TutorialCompletion
from tests.accounts.factories import UserFactory
from tests.courses.factories import answers_for, course_create, question, tutorial_create, tutorial_index_create

pytestmark = pytest.mark.django_db

STATIC = Path(settings.BASE_DIR) / "static" / "js"


@pytest.fixture
def course(home_page):
    return course_create(
        home_page,
        lessons=[
            ("Bài đọc", [{"type": "paragraph", "value": "<p>Đọc.</p>"}]),
            ("Bài có câu hỏi", [question("Đúng không?")]),
            ("Bài cuối", [{"type": "paragraph", "value": "<p>Hết.</p>"}]),
        ],
    )


@pytest.fixture
def tutorial(home_page):
    return tutorial_create(tutorial_index_create(home_page), "Đăng ký tài khoản", slug="dang-ky")


@pytest.fixture
def learner_client():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.user = user
    return client


def csrf_of(client):
    return client.get("/offline/session").json()["csrf"]


def test_service_worker_is_served_from_the_root_uncached_as_javascript(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert body.startswith("self.KNS = ")
    assert json.loads(body.split("\n", 1)[0][len("self.KNS = ") : -1])["header"] == PAGE_HEADER
    assert "X-Page-Cache" not in response  # never the page cache
    assert client.post("/sw.js").status_code == 405


def test_manifest_names_the_site_and_its_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["lang"] == "vi" and manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert sizes == {"192x192", "512x512"}
    for icon in manifest["icons"]:  # drawn by ``manage.py brand_images``, committed
        assert (Path(settings.BASE_DIR) / "static" / icon["src"].removeprefix(settings.STATIC_URL)).exists()


def test_pages_link_the_manifest_and_load_the_script_deferred(client, tutorial):
    html = client.get(tutorial.url).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'src="/static/js/pwa.js" defer>' in html
    assert "<script>" not in html  # no inline script (strict CSP)
    assert 'data-offline-owner=""' in html


def test_csp_allows_the_worker_and_the_manifest_from_this_site_only(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "worker-src 'self'" in policy and "manifest-src 'self'" in policy
    assert "script-src 'self';" in policy or policy.rstrip().endswith("script-src 'self'")


def test_script_sizes_stay_small():
    total = sum(len(gzip.compress((STATIC / name).read_bytes(), 9)) for name in ("pwa.js", "sw.js"))
    assert total < 30 * 1024


def test_tutorials_and_lessons_name_their_owner_others_do_not(client, learner_client, tutorial, course):
    lesson = course.get_children().first()
    assert client.get(tutorial.url)[PAGE_HEADER] == ""
    assert client.get(lesson.url)[PAGE_HEADER] == ""
    mine = learner_client.get(lesson.url)
    owner = mine[PAGE_HEADER]
    assert len(owner) == 20 and owner != str(learner_client.user.pk)
    assert f'data-offline-owner="{owner}"' in mine.content.decode()
    other = UserFactory()
    other_client = Client()
    other_client.force_login(other)
    assert other_client.get(lesson.url)[PAGE_HEADER] not in ("", owner)
    # Not on the home page, the learner's own pages or the admin: the worker keeps none of them.
    assert PAGE_HEADER not in learner_client.get("/")
    assert PAGE_HEADER not in learner_client.get(reverse("courses:my_learning"))


def test_offline_page_names_no_owner_and_session_gives_a_fresh_token(client, learner_client):
    assert 'class="wrap offline"' in client.get("/offline/").content.decode()  # what the worker keeps
    response = learner_client.get("/offline/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="wrap offline"' in html
    assert "data-offline-owner" not in html
    response = learner_client.get("/offline/session")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    data = response.json()
    assert data["owner"] == offline_owner(type("R", (), {"user": learner_client.user})())
    assert data["csrf"] and settings.CSRF_COOKIE_NAME in response.cookies


def test_a_replayed_lesson_completion_is_recorded_once(learner_client, course):
    lesson = course.get_children().first()
    url = reverse("courses:lesson_complete", args=[lesson.pk])
    key = str(uuid.uuid4())
    for _ in range(2):
        token = csrf_of(learner_client)
        response = learner_client.post(url, {"csrfmiddlewaretoken": token}, headers={"X-Idempotency-Key": key})
        assert response.status_code == 302
    assert LessonCompletion.objects.filter(user=learner_client.user, lesson=lesson).count() == 1
    assert SubmissionKey.objects.filter(user=learner_client.user, key=key).count() == 1


def test_the_key_may_come_in_a_hidden_field_and_is_per_person(learner_client, tutorial):
    url = reverse("courses:tutorial_done", args=[tutorial.pk])
    key = str(uuid.uuid4())
    learner_client.post(url, {"csrfmiddlewaretoken": csrf_of(learner_client), "idempotency_key": key})
    TutorialCompletion.objects.filter(user=learner_client.user).delete()
    # The same key again records nothing (even though the completion is gone now).
    learner_client.post(url, {"csrfmiddlewaretoken": csrf_of(learner_client), "idempotency_key": key})
    assert not TutorialCompletion.objects.filter(user=learner_client.user).exists()
    # Someone else's submission with the same key is theirs.
    other = Client(enforce_csrf_checks=True)
    other_user = UserFactory()
    other.force_login(other_user)
    other.post(url, {"csrfmiddlewaretoken": csrf_of(other), "idempotency_key": key})
    assert TutorialCompletion.objects.filter(user=other_user).count() == 1


def test_a_replayed_quiz_is_graded_by_the_server_and_recorded_once(learner_client, course):
    lesson = course.get_children()[1].specific
    url = reverse("courses:lesson_quiz_submit", args=[lesson.pk])
    data = answers_for(quiz_questions(lesson.body)).dict()
    data.update(token=str(uuid.uuid4()), passed="yes", score="100")  # the browser's claims count for nothing
    key = str(uuid.uuid4())
    for _ in range(2):
        learner_client.post(
            url, {**data, "csrfmiddlewaretoken": csrf_of(learner_client)}, headers={"X-Idempotency-Key": key}
        )
    attempt = QuizAttempt.objects.get(user=learner_client.user, lesson=lesson)
    assert attempt.passed and attempt.score == 100
    wrong = answers_for(quiz_questions(lesson.body), correct=False).dict()
    wrong.update(token=str(uuid.uuid4()))
    learner_client.post(
        url, {**wrong, "csrfmiddlewaretoken": csrf_of(learner_client)}, headers={"X-Idempotency-Key": str(uuid.uuid4())}
    )
    assert QuizAttempt.objects.filter(user=learner_client.user, lesson=lesson, passed=False).count() == 1


def test_a_replay_without_a_fresh_token_is_refused(learner_client, course):
    lesson = course.get_children().first()
    url = reverse("courses:lesson_complete", args=[lesson.pk])
    response = learner_client.post(
        url, {"csrfmiddlewaretoken": "x" * 64}, headers={"X-Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 403
    assert not LessonCompletion.objects.exists() and not SubmissionKey.objects.exists()


@pytest.mark.parametrize("raw", ["not-a-key", "x" * 5000, "1' OR '1'='1"])
def test_a_bad_key_is_refused_with_nothing_written(learner_client, course, raw):
    lesson = course.get_children().first()
    url = reverse("courses:lesson_complete", args=[lesson.pk])
    response = learner_client.post(url, {"csrfmiddlewaretoken": csrf_of(learner_client), "idempotency_key": raw})
    assert response.status_code == 302
    assert not LessonCompletion.objects.exists() and not SubmissionKey.objects.exists()


def test_a_visitors_keys_live_in_the_session(client, course):
    lesson = course.get_children().first()
    url = reverse("courses:lesson_complete", args=[lesson.pk])
    key = str(uuid.uuid4())
    client.post(url, headers={"X-Idempotency-Key": key})
    session = client.session
    session["kns_progress"]["lessons"] = []
    session.save()
    client.post(url, headers={"X-Idempotency-Key": key})
    assert client.session["kns_progress"]["lessons"] == []
    assert not SubmissionKey.objects.exists()


def test_without_a_key_everything_works_as_before(learner_client, course):
    lesson = course.get_children().first()
    url = reverse("courses:lesson_complete", args=[lesson.pk])
    learner_client.post(url, {"csrfmiddlewaretoken": csrf_of(learner_client)})
    learner_client.post(url, {"csrfmiddlewaretoken": csrf_of(learner_client)})
    assert LessonCompletion.objects.filter(user=learner_client.user).count() == 1
    assert not SubmissionKey.objects.exists()


def test_a_page_showing_a_message_is_not_kept_as_it_is(learner_client, course):
    first, second = course.get_children()[:2]
    url = reverse("courses:lesson_complete", args=[first.pk])
    response = learner_client.post(url, {"csrfmiddlewaretoken": csrf_of(learner_client)}, follow=True)
    assert response.redirect_chain[-1][0] == second.url
    assert 'class="wrap messages"' in response.content.decode()
    assert PAGE_HEADER not in response  # "Lesson complete." would show offline for ever
    assert PAGE_HEADER in learner_client.get(second.url)  # the next visit is kept


def test_a_preview_is_never_marked_for_keeping(client, course):
    lesson = course.get_children().first()
    client.force_login(UserFactory(superuser=True))
    response = client.get(f"/admin/pages/{lesson.pk}/edit/preview/?mode=")
    assert response.status_code == 200
    assert PAGE_HEADER not in response
