"""Public pages are cached as anonymous visitors see them, and emptied on publish."""

import pytest
from django.test import Client

from courses.models import LessonCompletion
from tests.factories import UserFactory, course_create, tutorial_create, tutorial_index_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def tutorial(home_page):
    index = tutorial_index_create(home_page)
    return tutorial_create(index, "Tra cứu hồ sơ", slug="tra-cuu")


def test_second_anonymous_view_is_served_from_the_cache(client, tutorial, django_assert_num_queries):
    first = client.get(tutorial.url)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = Client().get(tutorial.url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "csrfmiddlewaretoken" not in second.content.decode()


def test_languages_and_query_strings_are_cached_apart(client, tutorial):
    vietnamese = client.get("/huong-dan/tra-cuu/").content.decode()
    english = client.get("/en/huong-dan/tra-cuu/").content.decode()
    assert '<html lang="vi">' in vietnamese and '<html lang="en">' in english
    assert client.get("/en/huong-dan/tra-cuu/").content.decode() == english
    assert client.get("/huong-dan/", {"page": 1})["X-Page-Cache"] == "miss"
    assert client.get("/huong-dan/", {"page": 1})["X-Page-Cache"] == "hit"
    assert client.get("/huong-dan/", {"page": 2})["X-Page-Cache"] == "miss"


def test_publishing_empties_the_cache(client, tutorial):
    client.get(tutorial.url)
    tutorial.title = "Tra cứu tình trạng hồ sơ"
    tutorial.save_revision().publish()
    response = Client().get(tutorial.url)
    assert response["X-Page-Cache"] == "miss"
    assert "Tra cứu tình trạng hồ sơ" in response.content.decode()


def test_unpublishing_empties_the_cache(client, tutorial):
    client.get(tutorial.url)
    tutorial.unpublish()
    assert Client().get(tutorial.url).status_code == 404


def test_signed_in_pages_are_never_cached(client, tutorial):
    client.force_login(UserFactory())
    first = client.get(tutorial.url)
    second = client.get(tutorial.url)
    assert "X-Page-Cache" not in first and "X-Page-Cache" not in second
    assert "csrfmiddlewaretoken" in second.content.decode()


def test_visitors_with_a_session_bypass_the_cache(client, tutorial):
    client.get("/en/huong-dan/tra-cuu/")
    client.post(f"/learn/tutorials/{tutorial.pk}/done/")  # anonymous progress: a session now
    response = client.get("/en/huong-dan/tra-cuu/")
    assert "X-Page-Cache" not in response
    assert "You marked this tutorial as done." in response.content.decode()
    # Another visitor still gets the cached page, without this visitor's progress.
    assert "You marked this tutorial as done." not in Client().get("/en/huong-dan/tra-cuu/").content.decode()


def test_admin_and_preview_are_never_cached(client, tutorial):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(f"/admin/pages/{tutorial.pk}/edit/preview/")
    assert "X-Page-Cache" not in response
    client.logout()
    anonymous = Client()
    anonymous.get(f"/admin/pages/{tutorial.pk}/edit/preview/")
    assert "X-Page-Cache" not in anonymous.get(f"/admin/pages/{tutorial.pk}/edit/preview/")


def test_anonymous_actions_need_no_token_but_signed_in_ones_do(home_page):
    course = course_create(home_page, lessons=[("Một", [])], issues_certificate=False)
    lesson = course.lessons().first()
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(f"/learn/lessons/{lesson.pk}/complete/").status_code == 302
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(UserFactory())
    assert signed_in.post(f"/learn/lessons/{lesson.pk}/complete/").status_code == 403
    assert not LessonCompletion.objects.exists()
