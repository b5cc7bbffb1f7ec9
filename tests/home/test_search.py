"""Search forgives missing diacritics, on SQLite and PostgreSQL alike."""

import pytest

from core.search import fold
from home.models import StandardPage
from home.search.selectors import pages_search
from tests.courses.factories import tutorial_create, tutorial_index_create
from tests.support.pages import page_add

TITLES = [
    "Hướng dẫn đăng ký tài khoản trên Cổng Dịch vụ công quốc gia",
    "Nộp hồ sơ trực tuyến toàn trình",
    "An toàn thông tin cho cán bộ",
    "Thanh toán lệ phí",
]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đăng ký dịch vụ công", "dang ky dich vu cong"),
        ("HƯỚNG DẪN  trực   tuyến", "huong dan truc tuyen"),
        ("đ Đ ư Ư ơ", "d d u u o"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


@pytest.fixture
def tutorials(home_page):
    index = tutorial_index_create(home_page, title="Danh mục", slug="danh-muc")
    return [tutorial_create(index, title, summary="Tóm tắt ngắn") for title in TITLES]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected_title"),
    [
        ("dich vu cong", TITLES[0]),
        ("huong dan", TITLES[0]),
        ("dang ky", TITLES[0]),
        ("truc tuyen", TITLES[1]),
        ("dịch vụ công", TITLES[0]),
        ("DICH VU CONG", TITLES[0]),
        ("an toan", TITLES[2]),  # "an" is an English stop-word; not here
        ("le phi", TITLES[3]),
    ],
)
def test_search_without_diacritics_finds_pages(tutorials, query, expected_title):
    titles = [page.title for page in pages_search(query=query)]
    assert expected_title in titles


@pytest.mark.django_db
def test_search_matches_all_words(tutorials):
    titles = [page.title for page in pages_search(query="thanh toan")]
    assert titles == [TITLES[3]]
    assert list(pages_search(query="xyzzy")) == []
    assert list(pages_search(query="   ")) == []


@pytest.mark.django_db
def test_search_finds_body_text_and_hides_drafts(home_page):
    page_add(home_page, StandardPage(title="Giới thiệu", slug="gioi-thieu", body="<p>Chương trình chuyển đổi số</p>"))
    draft = StandardPage(title="Chuyển đổi số nội bộ", slug="noi-bo", live=False)
    home_page.add_child(instance=draft)
    titles = [page.title for page in pages_search(query="chuyen doi so")]
    assert titles == ["Giới thiệu"]


@pytest.mark.django_db
def test_search_view(client, tutorials):
    response = client.get("/search/", {"q": "dich vu cong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert TITLES[0] in html
    assert "kết quả" in html
    empty = client.get("/search/", {"q": "khongcogica"}).content.decode()
    assert "Không có kết quả" in empty


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"q": "x" * 5000}, {"q": "dich", "page": "abc"}, {"q": "dich", "page": "99"}, {}])
def test_search_view_survives_odd_input(client, tutorials, params):
    assert client.get("/search/", params).status_code == 200


@pytest.mark.django_db
def test_search_view_query_count_is_bounded(client, tutorials, django_assert_max_num_queries, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/search/", {"q": "huong dan"})
    with django_assert_max_num_queries(6):
        client.get("/search/", {"q": "huong dan"})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        '"',
        'a"b',
        "vneid\x00",
        '"thanh toan',
        "le phi\"'",
        "a AND (b OR",
        "NEAR(a b)",
        "x*^-",
        "😀 ‮abc",
        "'; DROP TABLE x; --",
    ],
)
def test_quotes_nul_and_query_syntax_are_not_errors(client, tutorials, query):
    # Each of these was an SQLite "unterminated string" or syntax error (a 500) before.
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert list(pages_search(query=query)) is not None


@pytest.mark.django_db
def test_a_quoted_phrase_finds_the_page_with_its_words(tutorials):
    assert [page.title for page in pages_search(query='"thanh toan le phi"')] == [TITLES[3]]
    assert [page.title for page in pages_search(query='"le phi')] == [TITLES[3]]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "POST", "PUT", "DELETE"])
@pytest.mark.parametrize("path", ["/search/?q=vneid", "/minh-bach/"])
def test_search_and_the_transparency_page_answer_get_and_head_only(client, path, method):
    # OPTIONS and TRACE returned the whole page.
    response = client.generic(method, path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert client.head(path).status_code == 200
