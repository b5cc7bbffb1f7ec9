import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from courses.models import TutorialIndexPage, TutorialPage
from home.models import HomePage, StandardPage
from tests.accounts.factories import UserFactory
from tests.courses.factories import tutorial_create, tutorial_index_create
from tests.support.pages import page_add

pytestmark = pytest.mark.django_db


def test_home_page_is_vietnamese_by_default(client, home_page):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Tìm kiếm" in html  # "Search", translated
    assert home_page.hero_title in html
    assert response["Content-Language"] == "vi"


def test_the_home_page_names_the_site_once_in_its_title(client, home_page):
    assert re.search(r"<title>\s*Kỹ Năng Số\s*</title>", client.get("/").content.decode())
    home_page.seo_title = "Học kỹ năng số miễn phí"
    home_page.save_revision().publish()
    assert "<title>Học kỹ năng số miễn phí · Kỹ Năng Số</title>" in Client().get("/").content.decode()
    tutorials = TutorialIndexPage.objects.first() or tutorial_index_create(home_page)
    assert f"<title>{tutorials.title} · Kỹ Năng Số</title>" in Client().get(tutorials.url).content.decode()


def test_page_not_found_is_friendly_and_translated(client, home_page):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_server_error_page_renders_without_a_request():
    html = render_to_string("500.html")
    assert "Đã có lỗi xảy ra" in html and "Something went wrong" in html


def test_tutorial_pages_render(client, home_page):
    index = tutorial_index_create(home_page)
    tutorial = tutorial_create(
        index,
        "Thanh toán phí, lệ phí trực tuyến",
        body=[
            {"type": "callout", "value": {"kind": "needs", "text": "<p>Tài khoản ngân hàng</p>"}},
            {"type": "step", "value": {"title": "Mở hồ sơ", "text": "<p>Chọn hồ sơ.</p>", "tip": "Kiểm tra kỹ."}},
            {"type": "step", "value": {"title": "Thanh toán", "text": "<p>Xác nhận OTP.</p>", "tip": ""}},
        ],
    )
    html = client.get(tutorial.url).content.decode()
    assert html.count('class="step"') == 2
    assert "Bạn cần chuẩn bị" in html  # "You will need"
    assert "Kiểm tra kỹ." in html
    listing = client.get(index.url).content.decode()
    assert "Thanh toán phí, lệ phí trực tuyến" in listing


def test_tutorial_index_paginates_and_survives_bad_page_numbers(client, home_page):
    index = tutorial_index_create(home_page)
    for number in range(TutorialIndexPage.page_size + 3):
        tutorial_create(index, f"Hướng dẫn số {number}")
    assert "Trang 1/2" in client.get(index.url).content.decode()
    second = client.get(index.url, {"page": 2}).content.decode()
    assert second.count('class="card"') == 3
    for bad in ("abc", "999", "-1"):
        assert client.get(index.url, {"page": bad}).status_code == 200


def test_unpublished_pages_are_hidden(client, home_page):
    index = tutorial_index_create(home_page)
    draft = TutorialPage(title="Bản nháp", slug="ban-nhap", summary="Chưa xuất bản", live=False)
    index.add_child(instance=draft)
    assert client.get("/huong-dan/ban-nhap/").status_code == 404
    assert "Bản nháp" not in client.get(index.url).content.decode()


def test_home_page_query_count_does_not_grow_with_content(client, home_page, django_assert_max_num_queries, settings):
    settings.PAGE_CACHE_SECONDS = 0  # count the queries of rendering, not of the page cache
    index = tutorial_index_create(home_page)
    page_add(home_page, StandardPage(title="Giới thiệu", slug="gioi-thieu", show_in_menus=True))
    tutorial_create(index, "Hướng dẫn 1")
    client.get("/")  # warm caches (site root, locale)
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for number in range(2, 8):
        tutorial_create(index, f"Hướng dẫn {number}")
    client.get("/")  # publishing started a new page-cache generation: warm again
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)
    # The home page's own lists (and public()'s restriction check); site, route, menu are remembered.
    with django_assert_max_num_queries(3):
        client.get("/")


def test_tutorial_page_query_count(client, home_page, django_assert_max_num_queries, settings):
    settings.PAGE_CACHE_SECONDS = 0
    index = tutorial_index_create(home_page)
    tutorial = tutorial_create(index, "Hướng dẫn")
    client.get(tutorial.url)
    # Site, route, the page with its tags, public service, parent and images, and the menu are
    # remembered until something is published (core.published): an anonymous view runs no query.
    with django_assert_max_num_queries(0):
        assert client.get(tutorial.url).status_code == 200


def test_every_page_type_declares_its_parents_and_children():
    from courses.models import CourseIndexPage, CoursePage, LessonPage
    from outreach.models import CampaignIndexPage, CampaignPage

    for model in (
        HomePage,
        StandardPage,
        TutorialIndexPage,
        TutorialPage,
        CourseIndexPage,
        CoursePage,
        LessonPage,
        CampaignIndexPage,
        CampaignPage,
    ):
        assert "parent_page_types" in model.__dict__, model
        assert "subpage_types" in model.__dict__, model
    assert HomePage.allowed_parent_page_models() == [Page]
    assert TutorialPage.allowed_parent_page_models() == [TutorialIndexPage]
    assert CampaignPage.allowed_parent_page_models() == [CampaignIndexPage]


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_a_refused_page_is_the_sites_own_and_translated(client, home_page):
    # 403 was Django's bare English page.
    client.force_login(UserFactory())
    response = client.get("/learn/team/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Bạn không mở được trang này" in html and 'class="skip-link"' in html
    assert "Sorry" not in html and "Forbidden" not in html


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/account/sign-in/", "Biểu mẫu đã hết hạn")],
)
def test_a_form_without_its_csrf_token_gets_a_translated_page_and_saves_nothing(home_page, path, heading):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(path, {"identifier": "lan@example.vn", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert heading in html and "CSRF verification failed" not in html
