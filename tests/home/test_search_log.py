"""The search log: counted in the cache (cache hits included), flushed into a daily table once, masked, forgotten.

And the editors' report "What citizens search": who sees it, what it lists, its promote link and export.
"""

import datetime
import socket
import uuid

import pytest
from django.urls import reverse
from django.utils.http import urlencode
from wagtail.contrib.search_promotions.models import Query

from accounts import roles
from core.localtime import local_today
from home.models import SearchQueryDay
from home.search import querylog
from home.search.promotions import search_promotion_ensure
from home.tasks import search_queries_flush, search_queries_forget
from tests.accounts.factories import UserFactory
from tests.courses.factories import tutorial_create, tutorial_index_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def tutorials(home_page):
    index = tutorial_index_create(home_page, title="Danh mục", slug="danh-muc")
    return [
        tutorial_create(index, "Hướng dẫn đăng ký tài khoản trên Cổng Dịch vụ công", summary="Tóm tắt"),
        tutorial_create(index, "Thanh toán lệ phí", summary="Tóm tắt"),
    ]


def rows():
    return {
        row.query: (row.searches, row.zero_results, row.last_results)
        for row in SearchQueryDay.objects.filter(day=local_today())
    }


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("Dịch vụ công", "dich vu cong"),
        ("  DICH   VU CONG ", "dich vu cong"),
        ("cccd 012345678901", "cccd #"),
        ("sđt 0912.345.678 bị khóa", "sdt # bi khoa"),
        ("le phi 2024", "le phi 2024"),  # a year is not personal data: fewer than six digits stay
        ("12345", "12345"),
        ("x" * 300, "x" * 200),
        ('"?!', ""),
    ],
)
def test_queries_are_folded_and_long_digit_runs_masked(query, stored):
    assert querylog.search_query_clean(query) == stored


def test_the_log_counts_folded_queries_and_the_last_result_count():
    querylog.search_query_record(query="Dịch vụ công", result_count=3)
    querylog.search_query_record(query="dich vu cong", result_count=2)
    querylog.search_query_record(query="DỊCH VỤ CÔNG", result_count=0)
    querylog.search_query_record(query="cccd 079123456789", result_count=0)
    assert SearchQueryDay.objects.count() == 0  # nothing written per search
    assert querylog.search_queries_flush() == 4
    assert rows() == {"dich vu cong": (3, 1, 0), "cccd #": (1, 1, 0)}
    assert not SearchQueryDay.objects.filter(query__contains="079123456789").exists()


def test_a_flush_that_runs_twice_counts_once():
    for _ in range(5):
        querylog.search_query_record(query="vneid", result_count=2)
    assert search_queries_flush() == 5  # the Celery task, called
    assert search_queries_flush() == 0
    assert rows() == {"vneid": (5, 0, 2)}
    querylog.search_query_record(query="VNeID", result_count=1)
    search_queries_flush()
    search_queries_flush()
    assert rows() == {"vneid": (6, 0, 1)}


def test_entries_taken_by_a_failing_flush_are_put_back(monkeypatch):
    querylog.search_query_record(query="le phi", result_count=1)

    def broken(_rows):
        raise RuntimeError("database down")

    monkeypatch.setattr(querylog, "_upsert", broken)
    with pytest.raises(RuntimeError):
        querylog.search_queries_flush()
    monkeypatch.undo()
    assert querylog.pending_search_entries() == 1
    assert querylog.search_queries_flush() == 1
    assert rows() == {"le phi": (1, 0, 1)}


def test_a_flush_stores_at_most_the_cap_keeping_the_most_searched(settings):
    settings.SEARCH_LOG_FLUSH_ROWS = 2
    for query, times in (("a", 3), ("b", 1), ("c", 2)):
        for _ in range(times):
            querylog.search_query_record(query=query, result_count=0)
    assert querylog.search_queries_flush() == 5
    assert set(rows()) == {"a", "c"}


def test_a_process_keeps_at_most_the_pending_cap(settings):
    settings.SEARCH_LOG_BATCH_SECONDS = 3600  # nothing pushed until the flush
    settings.SEARCH_LOG_PENDING_MAX = 3
    querylog.search_queries_push()
    for number in range(10):
        querylog.search_query_record(query=f"bot query {chr(97 + number)}", result_count=0)
    querylog.search_query_record(query="bot query a", result_count=0)  # a query already counted still counts
    querylog.search_queries_flush()
    assert rows() == {"bot query a": (2, 2, 0), "bot query b": (1, 1, 0), "bot query c": (1, 1, 0)}


def test_old_days_are_forgotten(settings):
    today = local_today()
    for back in (0, 179, 180, 400):
        SearchQueryDay.objects.create(day=today - datetime.timedelta(days=back), query="vneid", searches=1)
    assert search_queries_forget() == 2
    assert sorted((today - row.day).days for row in SearchQueryDay.objects.all()) == [0, 179]


def test_the_search_page_is_counted_cache_hits_included(client, tutorials, settings):
    settings.PAGE_CACHE_SECONDS = 600
    first = client.get("/search/", {"q": "Dịch vụ công"})
    again = client.get("/search/", {"q": "Dịch vụ công"})
    assert first["X-Page-Cache"] == "miss"
    assert again["X-Page-Cache"] == "hit"
    assert querylog.HEADER not in first and querylog.HEADER not in again  # never sent to the visitor
    client.get("/search/", {"q": "Dịch vụ công", "page": 2})  # the next page is the same search
    client.head("/search/", {"q": "dich vu cong"})
    client.get("/search/", {"q": "khong co gi ca"})
    client.get("/search/")
    querylog.search_queries_flush()
    # Two results: the tutorial and the home page, whose text names the portal.
    assert rows() == {"dich vu cong": (2, 0, 2), "khong co gi ca": (1, 1, 0)}


def _redis_reachable():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_on_redis_entries_go_through_a_list_and_are_taken_once(settings):
    prefix = f"test-searchlog-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "core.page_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/5",
            "KEY_PREFIX": prefix,
        },
    }
    try:
        querylog.search_query_record(query="Căn cước", result_count=0)
        querylog.search_query_record(query="can cuoc", result_count=0)
        assert querylog.pending_search_entries() == 2
        assert querylog.search_queries_flush() == 2
        assert querylog.search_queries_flush() == 0
        assert querylog.pending_search_entries() == 0
        assert rows() == {"can cuoc": (2, 2, 0)}
    finally:
        from django.core.cache import cache  # the Redis cache set up above, emptied of this test's keys

        cache.clear()


# The editors' report -----------------------------------------------------------------------------

REPORT = "home_search_queries_report"


@pytest.fixture
def logged():
    today = local_today()
    SearchQueryDay.objects.create(day=today, query="dich vu cong", searches=9, last_results=4)
    SearchQueryDay.objects.create(day=today, query="bhyt", searches=5, zero_results=5, last_results=0)
    SearchQueryDay.objects.create(day=today - datetime.timedelta(days=20), query="gplx", searches=7, zero_results=7)
    SearchQueryDay.objects.create(day=today - datetime.timedelta(days=60), query="khai sinh", searches=30)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (roles.COMMUNICATIONS_STAFF, 200),
        ("superuser", 200),
        (roles.CIVIL_SERVANT, "/admin/login/"),  # no admin at all: sent to sign in
        (roles.CITIZEN, "/admin/login/"),
        (roles.TRAINING_ADMINISTRATOR, "/admin/"),  # in the admin, without the permission: sent home
    ],
)
def test_who_sees_the_report(client, logged, role, expected):
    client.force_login(UserFactory(role=role))
    response = client.get(reverse(REPORT))
    export = client.get(reverse(REPORT), {"export": "csv"})
    if expected == 200:
        assert response.status_code == export.status_code == 200
        assert b'id="search-queries-help"' in response.content
    else:
        assert response.status_code == export.status_code == 302
        assert response["Location"].split("?")[0] == expected
        assert b"bhyt" not in b"".join(getattr(export, "streaming_content", [export.content]))
    menu = client.get("/admin/")
    if menu.status_code == 200:
        assert (reverse(REPORT).encode() in menu.content) == (expected == 200)


def test_the_report_lists_frequent_queries_over_the_period_with_a_promote_link(client, logged):
    client.force_login(UserFactory(officer=True))
    html = client.get(reverse(REPORT)).content.decode()  # the last 30 days by default
    assert html.index("dich vu cong") < html.index("gplx") < html.index("bhyt")  # most searched first
    assert "khai sinh" not in html
    promote = reverse("home_search_promotion_add")
    assert f"{promote}?{urlencode({'q': 'bhyt'})}" in html
    assert f"{promote}?{urlencode({'q': 'dich vu cong'})}" not in html  # it finds pages
    week = client.get(reverse(REPORT), {"period": "7"}).content.decode()
    assert "gplx" not in week and "bhyt" in week
    quarter = client.get(reverse(REPORT), {"period": "90", "ordering": "query"}).content.decode()
    assert quarter.index("bhyt") < quarter.index("dich vu cong") < quarter.index("khai sinh")
    nothing = client.get(reverse(REPORT), {"found": "none"}).content.decode()
    assert "bhyt" in nothing and "gplx" in nothing and "dich vu cong" not in nothing
    assert client.get(reverse(REPORT), {"period": "'; drop", "found": "x"}).status_code == 200


def test_the_report_exports_csv(client, logged):
    client.force_login(UserFactory(officer=True))
    response = client.get(reverse(REPORT), {"export": "csv", "period": "30"})
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 4  # a heading and three queries
    assert lines[1].startswith("dich vu cong,9,0,4,1,")


def test_the_promote_link_opens_the_add_form_with_the_query(client, home_page):
    client.force_login(UserFactory(officer=True))
    response = client.get(reverse("home_search_promotion_add"), {"q": "Bảo hiểm y tế"})
    assert response.status_code == 200
    assert b'value="bao hiem y te"' in response.content
    client.force_login(UserFactory(civil_servant=True))
    assert client.get(reverse("home_search_promotion_add"), {"q": "x"}).status_code == 302


def test_a_promoted_query_links_to_its_picks_instead(client, logged, home_page):
    search_promotion_ensure(query="BHYT", page=home_page)
    client.force_login(UserFactory(officer=True))
    html = client.get(reverse(REPORT)).content.decode()
    promoted = Query.objects.get(query_string="bhyt")
    assert reverse("wagtailsearchpromotions:edit", args=[promoted.pk]) in html
    assert f"{reverse('home_search_promotion_add')}?{urlencode({'q': 'bhyt'})}" not in html
    assert f"{reverse('home_search_promotion_add')}?{urlencode({'q': 'gplx'})}" in html
