"""Public pages are cached as anonymous visitors see them, and emptied on publish."""

import pytest
from django.test import Client
from wagtail.models import Site

from courses.models import LessonCompletion
from home.models import StandardPage
from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create, tutorial_create, tutorial_index_create
from tests.support.pages import page_add

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


def test_query_strings_are_cached_apart_and_the_old_english_address_is_never_stored(client, tutorial):
    vietnamese = client.get("/huong-dan/tra-cuu/").content.decode()
    assert '<html lang="vi">' in vietnamese
    for _ in range(2):  # answered before the page cache: a redirect, never a stored page
        english = client.get("/en/huong-dan/tra-cuu/")
        assert (english.status_code, english["Location"]) == (301, "/huong-dan/tra-cuu/")
        assert "X-Page-Cache" not in english
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
    done = "Bạn đã đánh dấu là đã làm xong hướng dẫn này."  # "You marked this tutorial as done."
    client.get("/huong-dan/tra-cuu/")
    client.post(f"/learn/tutorials/{tutorial.pk}/done/")  # anonymous progress: a session now
    response = client.get("/huong-dan/tra-cuu/")
    assert "X-Page-Cache" not in response
    assert done in response.content.decode()
    # Another visitor still gets the cached page, without this visitor's progress.
    assert done not in Client().get("/huong-dan/tra-cuu/").content.decode()


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


# What each process remembers between requests (core.published): the page cache is off here,
# so every request renders, and only the generation number keeps what is remembered current.


@pytest.fixture
def rendered(settings):
    settings.PAGE_CACHE_SECONDS = 0


def test_a_remembered_page_goes_when_it_is_unpublished_or_renamed(client, tutorial, rendered):
    assert client.get("/huong-dan/tra-cuu/").status_code == 200
    tutorial.slug = "tra-cuu-ho-so"
    tutorial.save_revision().publish()
    assert client.get("/huong-dan/tra-cuu/").status_code == 404
    assert client.get("/huong-dan/tra-cuu-ho-so/").status_code == 200
    tutorial.unpublish()
    assert client.get("/huong-dan/tra-cuu-ho-so/").status_code == 404


def test_preview_shows_the_draft_while_the_live_page_is_remembered(client, tutorial, rendered):
    assert "Tra cứu hồ sơ" in client.get(tutorial.url).content.decode()
    tutorial.title = "Bản nháp mới"
    tutorial.save_revision()  # a draft: nothing published
    editor = Client()
    editor.force_login(UserFactory(is_superuser=True))
    assert "Bản nháp mới" in editor.get(f"/admin/pages/{tutorial.pk}/view_draft/").content.decode()
    live = client.get(tutorial.url).content.decode()
    assert "Tra cứu hồ sơ" in live and "Bản nháp mới" not in live


def test_private_pages_stay_private_once_a_restriction_is_added(client, home_page, tutorial, rendered):
    from wagtail.models import PageViewRestriction

    course = course_create(home_page, lessons=[("Một", [])], issues_certificate=False)
    lesson = course.lessons().first()
    index = tutorial.get_parent().specific
    index.show_in_menus = True
    index.save_revision().publish()
    menu_link = f'<a href="{index.url}"'
    assert menu_link in client.get("/").content.decode()
    assert client.get(tutorial.url).status_code == 200
    assert client.post(f"/learn/lessons/{lesson.pk}/complete/").status_code == 302
    for page in (index, course):
        PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    response = client.get(tutorial.url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert menu_link not in client.get("/").content.decode()
    assert client.post(f"/learn/lessons/{lesson.pk}/complete/").status_code == 404
    PageViewRestriction.objects.all().delete()
    assert client.get(tutorial.url).status_code == 200


def test_each_site_and_scheme_has_its_own_cached_pages(client, home_page):
    # With two Wagtail sites, host B was served host A's cached home page.
    other_root = page_add(home_page, StandardPage(title="Trang của huyện", slug="huyen", introduction="Huyện B"))
    Site.objects.create(hostname="b.example", port=80, root_page=other_root)
    first = client.get("/", HTTP_HOST="localhost")
    assert first["X-Page-Cache"] == "miss"
    assert client.get("/", HTTP_HOST="localhost")["X-Page-Cache"] == "hit"
    other = client.get("/", HTTP_HOST="b.example")
    assert other["X-Page-Cache"] == "miss" and "Huyện B" in other.content.decode()
    assert "Huyện B" in client.get("/", HTTP_HOST="b.example").content.decode()
    assert client.get("/", HTTP_HOST="localhost", secure=True)["X-Page-Cache"] == "miss"
