"""The demo seeds one H5P lesson (the same package the tests build), once, and it plays."""

import pytest
from django.core.management import call_command

from courses.models import LearningPackage, LessonPage
from courses.packages.h5p import demo
from courses.packages.selectors import package_player
from tests.accounts.factories import UserFactory

from .conftest import stored_files
from .test_h5p_runtime import CONFIG, _Request

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_one_h5p_lesson_once(client, media):
    call_command("seed_demo")
    call_command("seed_demo")
    [package] = LearningPackage.objects.filter(standard="h5p")
    assert package.manifest["mainLibrary"] == demo.LIBRARY
    [lesson] = LessonPage.objects.filter(slug=demo.LESSON_SLUG).live()
    assert lesson.get_parent().slug == demo.COURSE_SLUG
    assert len([f for f in stored_files(media) if f.startswith(package.storage_prefix + "/")]) == 5
    learner = UserFactory()
    client.force_login(learner)
    page = client.get(lesson.url)
    assert page.status_code == 200 and b"/learn/package-h5p/" in page.content
    player = package_player(request=_Request(learner), lesson=lesson, package=package)
    response = client.get(player.launch_url)
    assert response.status_code == 200 and CONFIG.search(response.content.decode())
