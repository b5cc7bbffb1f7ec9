"""A package lesson's page tells the truth: the final test is offered after the last lesson, a package
deleted from under a published lesson leaves a normal lesson (its button back), the commit says the
course's progress, and the admin tells apart two uploads of one zip and warns before deleting a package
a live lesson plays."""

import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from courses.models import LearningPackage, LessonCompletion
from courses.packages import selectors
from courses.packages.selectors import lesson_package_ids, package_player
from courses.packages.services import package_upload
from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create, question

from .builders import scorm12_zip, scorm2004_zip

pytestmark = pytest.mark.django_db

STATE = re.compile(r'<script id="kns-package-state" type="application/json">(.*?)</script>', re.S)
HINT = "Finish the activity above to complete this lesson."
BUTTON = "Mark this lesson complete"


def _package(data=None):
    data = data or scorm12_zip()
    return package_upload(upload=io.BytesIO(data), user=None, size=len(data))


@pytest.fixture
def world(media, home_page):
    package = _package()
    course = course_create(
        home_page,
        lessons=[
            ("Bài đọc", [{"type": "paragraph", "value": "<p>Đọc.</p>"}]),
            ("Bài SCORM", [("package", {"package": package, "height": 600})]),
        ],
        final=[question()],
    )
    reading, scorm = (lesson.specific for lesson in course.lessons())
    return course, reading, scorm, package


class _Request:
    def __init__(self, user):
        self.user = user


def test_the_last_package_lesson_offers_the_final_test(client, world, english_interface):
    course, reading, scorm, _ = world
    client.force_login(UserFactory())
    html = client.get(scorm.url).content.decode()
    assert f'href="{course.url}#test-heading">Final test →</a>' in html
    assert 'id="test-heading"' in client.get(course.url).content.decode()
    # Not on a lesson that has a next one: that one is offered.
    html = client.get(reading.url).content.decode()
    assert "Final test →" not in html and f'href="{scorm.url}"' in html


def test_a_completed_package_lesson_shows_no_hint(client, world, english_interface):
    _course, _reading, scorm, package = world
    user = UserFactory()
    client.force_login(user)
    html = client.get(scorm.url).content.decode()
    assert HINT in html and "data-package-done hidden" in html and BUTTON not in html
    player = package_player(request=_Request(user), lesson=scorm, package=package)
    state = json.loads(STATE.search(client.get(player.launch_url).content.decode()).group(1))
    body = {"attempt": state["attempt"], "values": {"cmi.core.lesson_status": "passed"}, "terminate": True}
    answer = client.post(player.commit_url, json.dumps(body), content_type="application/json").json()
    assert answer["lesson_completed"] is True
    # The commit says the course's progress again, for the page's header.
    assert answer["progress"] == {"label": "1 of 2 lessons done", "percent": 50}
    html = client.get(scorm.url).content.decode()
    assert HINT not in html and "You have completed this lesson." in html


def test_the_progress_comes_translated(client, world):
    _course, _reading, scorm, package = world
    user = UserFactory()
    client.force_login(user)
    player = package_player(request=_Request(user), lesson=scorm, package=package)
    state = json.loads(STATE.search(client.get(player.launch_url).content.decode()).group(1))
    body = {"attempt": state["attempt"], "values": {}, "terminate": False}
    answer = client.post(player.commit_url, json.dumps(body), content_type="application/json").json()
    with translation.override("vi"):
        expected = gettext("%(done)s of %(total)s lessons done") % {"done": 0, "total": 2}
    assert answer["progress"]["label"] == expected


def test_a_deleted_package_leaves_a_normal_lesson(client, world, english_interface):
    _course, _reading, scorm, package = world
    user = UserFactory()
    client.force_login(user)
    player = package_player(request=_Request(user), lesson=scorm, package=package)
    assert scorm.has_package and lesson_package_ids(lesson=scorm) == {package.pk}
    package.delete()
    scorm = type(scorm).objects.get(pk=scorm.pk)
    assert not scorm.has_package and lesson_package_ids(lesson=scorm) == set()
    response = client.get(scorm.url)
    html = response.content.decode()
    assert HINT not in html and BUTTON in html
    assert "package-frame" not in html and package.title not in html.split("<h1")[1]
    assert "frame-src" not in response.get("Content-Security-Policy", "") or "'self'" not in re.search(
        r"frame-src([^;]*)", response["Content-Security-Policy"]
    ).group(1)
    # The old commit address is gone, and the button completes the lesson.
    assert client.post(player.commit_url, "{}", content_type="application/json").status_code == 404
    assert client.post(reverse("courses:lesson_complete", args=[scorm.pk])).status_code == 302
    assert LessonCompletion.objects.filter(user=user, lesson=scorm).exists()


def test_a_block_read_before_the_deletion_plays_nothing(world):
    _course, _reading, scorm, package = world
    user = UserFactory()
    stale = LearningPackage.objects.get(pk=package.pk)  # the block's value, loaded before the deletion
    LearningPackage.objects.filter(pk=package.pk).delete()
    assert package_player(request=_Request(user), lesson=scorm, package=stale) is None


def test_the_preview_tells_staff_the_package_is_gone(world, english_interface):
    _course, _reading, scorm, package = world
    package.delete()
    scorm = type(scorm).objects.get(pk=scorm.pk)
    editor = Client()
    editor.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = editor.get(reverse("wagtailadmin_pages:view_draft", args=[scorm.pk]))
    assert response.status_code == 200
    assert "This block's learning package was deleted" in response.content.decode()
    learner = Client()
    learner.force_login(UserFactory())
    assert "This block's learning package was deleted" not in learner.get(scorm.url).content.decode()


VN = ZoneInfo("Asia/Ho_Chi_Minh")
ADMIN = "wagtailsnippets_courses_learningpackage"


def test_two_uploads_of_one_zip_are_told_apart(client, media, english_interface):
    client.force_login(UserFactory(training_admin=True))
    data = scorm2004_zip()
    add = reverse(f"{ADMIN}:add")
    first = client.post(add, {"package_file": SimpleUploadedFile("a.zip", data), "title": ""}, follow=True)
    assert "same identifier" not in first.content.decode()
    second = client.post(add, {"package_file": SimpleUploadedFile("a.zip", data), "title": ""}, follow=True)
    older, newer = LearningPackage.objects.order_by("pk")
    message = second.content.decode()
    assert f"A package with the same identifier ({newer.identifier}) was already uploaded" in message
    assert older.uploaded_at.astimezone(VN).strftime("%d/%m/%Y %H:%M") in message
    chooser = "wagtailsnippetchoosers_courses_learningpackage"
    for url in (reverse(f"{ADMIN}:list"), reverse(f"{chooser}:choose"), reverse(f"{chooser}:choose_results")):
        response = client.get(url)
        html = response.json()["html"] if response["Content-Type"] == "application/json" else response.content.decode()
        assert html.count(newer.identifier) >= 2, url
        assert "SCORM 2004 (4th edition)" in html, url
        assert newer.uploaded_at.astimezone(VN).strftime("%d/%m/%Y") in html, url


def test_deleting_a_package_a_live_lesson_plays_warns(client, world, english_interface):
    _course, _reading, scorm, package = world
    assert [page.pk for page in selectors.package_live_lessons(package=package)] == [scorm.pk]
    unused = _package(scorm2004_zip())
    client.force_login(UserFactory(training_admin=True))
    confirm = client.get(reverse(f"{ADMIN}:delete", args=[package.pk])).content.decode()
    assert "is played by 1 published lesson(s): Bài SCORM" in confirm
    assert "is played by" not in client.get(reverse(f"{ADMIN}:delete", args=[unused.pk])).content.decode()
