"""Personal data of attempts (export, erasure through the providers) and the demo's SCORM lesson."""

import io
import json

import pytest
from django.core.management import call_command

from accounts.personal_data import personal_data_erase, personal_data_export
from core.localtime import moment_iso
from courses.models import LearningPackage, LessonPage, PackageAttempt
from courses.packages import demo
from courses.packages.services import package_upload
from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create

from .builders import scorm2004_zip
from .conftest import stored_files
from .test_runtime import _commit, _launch

pytestmark = pytest.mark.django_db


def test_attempts_are_exported_and_erased(client, media, home_page):
    data = scorm2004_zip()
    uploader = UserFactory(training_admin=True)
    package = package_upload(upload=io.BytesIO(data), user=uploader, size=len(data))
    course = course_create(home_page, lessons=[("Bài", [("package", {"package": package, "height": 600})])])
    lesson = course.lessons().first().specific
    learner, other = UserFactory(), UserFactory()
    for person in (learner, other):
        client.force_login(person)
        player, _r, state = _launch(client, person, lesson, package)
        _commit(client, player, state, {"cmi.location": f"p-{person.pk}", "cmi.score.scaled": "0.5"})

    exported = personal_data_export(learner)
    json.dumps(exported)  # serialisable as it is
    [attempt] = exported["package_attempts"]
    assert attempt["package"] == package.title and attempt["lesson"] == "Bài"
    assert attempt["data"] == {"cmi.location": f"p-{learner.pk}", "cmi.score.scaled": "0.5"}
    assert attempt["score_scaled"] == 0.5
    assert personal_data_export(uploader)["packages_uploaded"] == [
        {"package": package.title, "uploaded_at": moment_iso(package.uploaded_at)}
    ]

    personal_data_erase(learner)
    assert list(PackageAttempt.objects.values_list("user_id", flat=True)) == [other.pk]
    personal_data_erase(uploader)
    package.refresh_from_db()
    assert package.uploaded_by is None and stored_files(media)  # the course's content stays


def test_the_demo_seeds_one_scorm_lesson_once(client, media):
    call_command("seed_demo")
    call_command("seed_demo")
    package = LearningPackage.objects.get(identifier=demo.IDENTIFIER)
    assert LearningPackage.objects.count() == 1
    [lesson] = LessonPage.objects.filter(slug=demo.LESSON_SLUG).live()
    assert lesson.get_parent().slug == demo.COURSE_SLUG
    assert package.standard == "scorm12" and package.manifest["mastery_score"] == "80"
    assert len(stored_files(media / package.storage_prefix.split("/")[0])) >= 4
    learner = UserFactory()
    client.force_login(learner)
    page = client.get(lesson.url)
    assert page.status_code == 200 and b'class="package-frame"' in page.content
    _player, response, state = _launch(client, learner, lesson, package)
    assert state["values"]["cmi.student_data.mastery_score"] == "80"
    assert "Nộp bài" in response.content.decode()
