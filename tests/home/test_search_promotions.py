"""Promoted results: shown above the results for a query that folds to the editors' query, and cost no query."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test import RequestFactory
from django.urls import reverse
from wagtail.contrib.search_promotions.models import Query, SearchPromotion

from accounts import roles
from home.models import SearchQueryDay
from home.search.promotions import promotion_form_labels_fix, search_promotion_ensure, search_promotions_for
from tests.accounts.factories import UserFactory
from tests.courses.factories import tutorial_create, tutorial_index_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def tutorials(home_page):
    index = tutorial_index_create(home_page, title="Danh mục", slug="danh-muc")
    return {
        "vneid": tutorial_create(index, "Kích hoạt tài khoản định danh điện tử VNeID", summary="Tóm tắt"),
        "fees": tutorial_create(index, "Thanh toán lệ phí", summary="Tóm tắt"),
    }


def promoted_urls(response):
    html = response.content.decode()
    if 'id="search-promotions"' not in html:
        return []
    section = html.split('id="search-promotions"', 1)[1].split("</section>", 1)[0]
    return [part.split('"', 1)[0] for part in section.split('data-promotion-url="')[1:]]


@pytest.mark.parametrize("query", ["Căn cước công dân", "CAN CUOC CONG DAN", "căn cuoc  công dân"])
def test_a_promotion_is_shown_for_a_matching_query_folded_and_case_insensitive(client, tutorials, query):
    search_promotion_ensure(query="căn cước công dân", page=tutorials["vneid"], description="Kích hoạt trên VNeID")
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert promoted_urls(response) == [tutorials["vneid"].url]
    html = response.content.decode()
    assert html.index('id="search-promotions"') < html.index("data-result-count")  # above the results


@pytest.mark.parametrize("query", ["can cuoc", "can cuoc cong dan moi", "vneid"])
def test_no_promotion_for_other_queries(client, tutorials, query):
    search_promotion_ensure(query="can cuoc cong dan", page=tutorials["vneid"])
    assert promoted_urls(client.get("/search/", {"q": query})) == []


def test_promotions_in_the_editors_order(client, tutorials):
    search_promotion_ensure(query="le phi", page=tutorials["fees"])
    search_promotion_ensure(query="LỆ PHÍ", page=tutorials["vneid"])
    search_promotion_ensure(query="le phi", page=tutorials["fees"])  # idempotent
    assert SearchPromotion.objects.count() == 2
    assert promoted_urls(client.get("/search/", {"q": "lệ phí"})) == [tutorials["fees"].url, tutorials["vneid"].url]


def test_an_unpublished_page_is_not_promoted(client, tutorials):
    search_promotion_ensure(query="vneid", page=tutorials["vneid"])
    assert promoted_urls(client.get("/search/", {"q": "vneid"})) == [tutorials["vneid"].url]
    tutorials["vneid"].unpublish()
    assert promoted_urls(client.get("/search/", {"q": "vneid"})) == []


def test_no_query_for_promotions_once_read_and_a_change_is_seen(tutorials, django_assert_num_queries):
    request = RequestFactory().get("/search/")
    assert search_promotions_for(query="vneid", request=request) == []
    with django_assert_num_queries(0):
        assert search_promotions_for(query="vneid", request=RequestFactory().get("/search/")) == []
        assert search_promotions_for(query="bhyt", request=RequestFactory().get("/search/")) == []
    search_promotion_ensure(query="vneid", page=tutorials["vneid"])  # a save starts a new generation
    found = search_promotions_for(query="VNeID", request=RequestFactory().get("/search/"))
    assert [promotion.url for promotion in found] == [tutorials["vneid"].url]
    with django_assert_num_queries(0):
        assert len(search_promotions_for(query="vneid", request=RequestFactory().get("/search/"))) == 1
    Query.objects.get(query_string="vneid").editors_picks.all().delete()
    assert search_promotions_for(query="vneid", request=RequestFactory().get("/search/")) == []


def sql_of(client, **params):
    """The SQL one request runs (an execute wrapper: the test client's request_started resets connection.queries)."""
    statements = []

    def wrapper(execute, sql, *args):
        statements.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(wrapper):
        response = client.get("/search/", params)
    return response, statements


def test_a_search_without_promotions_costs_no_extra_query(client, tutorials, settings):
    settings.PAGE_CACHE_SECONDS = 0  # every search rendered
    client.get("/search/", {"q": "vneid"})  # warms what the process remembers
    _response, before = sql_of(client, q="vneid")
    search_promotion_ensure(query="le phi", page=tutorials["fees"])  # another query's promotion
    _response, first = sql_of(client, q="vneid")  # the new generation's promotions read once
    response, after = sql_of(client, q="vneid")
    # Search results are remembered too (home.search.selectors), so a warm repeat may cost no query at all.
    assert len(after) == len(before)
    assert any("searchpromotion" in sql for sql in first)
    assert not any("searchpromotion" in sql for sql in after)
    assert promoted_urls(response) == []


def test_editors_manage_promoted_results_and_learners_do_not(client):
    staff = {p.codename for p in Permission.objects.filter(group__name=roles.COMMUNICATIONS_STAFF)}
    assert {"add_searchpromotion", "change_searchpromotion", "delete_searchpromotion"} <= staff
    client.force_login(UserFactory(officer=True))
    assert client.get("/admin/searchpicks/").status_code == 200
    assert client.get("/admin/searchpicks/add/").status_code == 200
    client.force_login(UserFactory(civil_servant=True))
    assert client.get("/admin/searchpicks/").status_code == 302


def test_seed_demo_promotes_the_top_needs_and_fills_the_report(client, settings):
    settings.DEMO_DATA_ALLOWED = True
    call_command("seed_demo", stdout=io.StringIO())
    first = (
        SearchPromotion.objects.count(),
        SearchQueryDay.objects.count(),
        SearchQueryDay.objects.aggregate(n=Sum("searches")),
    )
    call_command("seed_demo", stdout=io.StringIO())
    assert (
        SearchPromotion.objects.count(),
        SearchQueryDay.objects.count(),
        SearchQueryDay.objects.aggregate(n=Sum("searches")),
    ) == first
    for query in ("VNeID", "cccd", "lệ phí"):
        assert search_promotions_for(query=query), query
    assert SearchQueryDay.objects.filter(last_results=0).values("query").distinct().count() >= 3
    client.force_login(UserFactory(officer=True))
    html = client.get(reverse("home_search_queries_report"), {"found": "none"}).content.decode()
    assert "doi giay phep lai xe" in html and "dang ky tai khoan" not in html


def test_the_promotion_form_label_wagtail_left_unmarked_is_ours():
    from wagtail.contrib.search_promotions.forms import SearchPromotionsFormSet

    assert promotion_form_labels_fix()  # the field is still there (a Wagtail upgrade would say otherwise)
    label = SearchPromotionsFormSet.form.base_fields["external_link_text"].label
    assert type(label).__name__ == "__proxy__"  # a lazy gettext string, translated in our catalogue
