"""Tutorial page views: counted like campaign page views (one mechanism), stored in courses, shown by insights."""

import datetime

import pytest
from django.core.cache import cache
from django.utils.translation import gettext

from core.offline import SAVE_HEADER
from core.page_views import _today, page_views_flush, page_views_push, pending_page_views
from courses.models import PublicService, TutorialPageView
from insights import selectors
from insights.period import Period
from insights.scope import EVERYTHING
from outreach.models import CampaignPageView
from tests.accounts.factories import OrganisationUnitFactory, UserFactory
from tests.courses.factories import tutorial_create, tutorial_index_create
from tests.outreach.factories import campaign_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def tutorial(home_page):
    return tutorial_create(tutorial_index_create(home_page), "Đăng ký tài khoản VNeID")


def test_the_copy_a_service_worker_keeps_for_offline_reading_is_not_a_view(client, tutorial, settings):
    settings.PAGE_CACHE_SECONDS = 600
    assert client.get(tutorial.url).status_code == 200
    kept = client.get(tutorial.url, headers={SAVE_HEADER: "1"})  # the worker's fetch after a first visit
    assert kept.status_code == 200 and kept["X-Page-Cache"] == "hit"
    assert pending_page_views(tutorial.pk, kind="tutorial") == 1


def test_views_are_counted_for_cache_hits_and_misses(client, tutorial, settings):
    settings.PAGE_CACHE_SECONDS = 600
    first = client.get(tutorial.url)
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
    second = client.get(tutorial.url)
    assert second["X-Page-Cache"] == "hit"
    assert "X-Tutorial-Page" not in first and "X-Tutorial-Page" not in second
    assert pending_page_views(tutorial.pk, kind="tutorial") == 2
    assert pending_page_views(tutorial.pk) == 0  # not a campaign's counter
    assert page_views_flush() == 2
    row = TutorialPageView.objects.get(tutorial=tutorial)
    assert (row.day, row.views) == (_today(), 2)
    assert not CampaignPageView.objects.exists()


def test_a_web_process_adds_its_views_to_the_shared_counter_in_batches(client, tutorial, settings):
    settings.PAGE_VIEW_BATCH_SECONDS = 3600  # no batch falls due during the test
    page_views_push()  # start from an empty batch
    for _ in range(3):
        assert client.get(tutorial.url).status_code == 200
    assert pending_page_views(tutorial.pk, kind="tutorial") == 0  # still in this process
    page_views_push()
    assert pending_page_views(tutorial.pk, kind="tutorial") == 3
    page_views_push()  # nothing pending: nothing added twice
    assert page_views_flush() == 3
    assert TutorialPageView.objects.get(tutorial=tutorial).views == 3


def test_head_not_found_and_previews_are_not_views(client, tutorial):
    assert client.head(tutorial.url).status_code == 200
    assert client.get(tutorial.url + "khong-co/").status_code == 404
    client.force_login(UserFactory(superuser=True))
    preview = client.get(f"/admin/pages/{tutorial.pk}/view_draft/")
    assert preview.status_code == 200 and "X-Tutorial-Page" not in preview
    assert page_views_flush() == 0
    assert not TutorialPageView.objects.exists()
    client.logout()
    client.get(tutorial.url)
    assert page_views_flush() == 1


def test_flush_is_idempotent_and_adds_to_the_day(client, tutorial, home_page):
    campaign = campaign_create(home_page)
    client.get(tutorial.url)
    client.get(campaign.url)
    assert page_views_flush() == 2
    assert page_views_flush() == 0  # a second run moves nothing
    assert TutorialPageView.objects.get(tutorial=tutorial).views == 1
    assert CampaignPageView.objects.get(campaign=campaign).views == 1
    client.get(tutorial.url)
    client.get(tutorial.url)
    assert page_views_flush() == 2
    assert TutorialPageView.objects.get(tutorial=tutorial).views == 3
    assert TutorialPageView.objects.count() == 1


def test_a_broken_cache_does_not_break_the_page(client, tutorial, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "incr", broken)
    monkeypatch.setattr(cache, "add", broken)
    assert client.get(tutorial.url).status_code == 200


def test_flush_takes_a_fixed_number_of_queries(client, home_page, django_assert_max_num_queries):
    index = tutorial_index_create(home_page)
    tutorials = [tutorial_create(index, f"Hướng dẫn {number}") for number in range(6)]
    for page in tutorials:
        client.get(page.url)
    # Campaign ids, tutorial ids, one upsert for every tutorial counter: not one query per page.
    with django_assert_max_num_queries(3):
        assert page_views_flush() == 6
    for page in tutorials:
        client.get(page.url)
    with django_assert_max_num_queries(3):
        assert page_views_flush() == 6
    assert sorted(TutorialPageView.objects.values_list("views", flat=True)) == [2] * 6


def test_insights_show_views_province_wide_only(tutorial, client):
    today = _today()
    TutorialPageView.objects.create(tutorial=tutorial, day=today, views=7)
    TutorialPageView.objects.create(tutorial=tutorial, day=today - datetime.timedelta(days=30), views=100)
    period = Period(today - datetime.timedelta(days=6), today)
    tables = selectors.dashboard(scope=EVERYTHING, unit=None, period=period, suppress=False)
    [row] = [row for row in tables["tutorials"].rows if row.key == tutorial.pk]
    assert row.values["views"] == 7
    headline = {column.key: cell.value for column, cell in selectors.headline_figures(tables=tables)}
    assert headline["views"] == 7 and headline["tutorials"] == 0  # "marked done" stays its own figure
    unit = OrganisationUnitFactory(name="Xã An Bình", code="P-A")
    in_unit = selectors.dashboard(scope=EVERYTHING, unit=unit, period=period, suppress=False)
    assert "views" not in [column.key for column, _cell in selectors.headline_figures(tables=in_unit)]
    assert "views" not in [column.key for column in in_unit["tutorials"].columns]
    client.force_login(UserFactory(superuser=True))
    response = client.get("/admin/insights/", {"start": period.start.isoformat(), "end": today.isoformat()})
    page = response.content.decode()
    assert gettext("Tutorial page views") in page
    note = gettext(
        "Tutorial page views are anonymous and belong to no unit: they are shown in the whole province's view only."
    )
    assert note in page


@pytest.mark.django_db
def test_the_public_services_admin_list_searches_names_and_procedure_codes(client):
    """Any search of the list was a 500 (the search index has no procedure code, SQLite no per-field search)."""
    PublicService.objects.create(name="Cấp phiếu lý lịch tư pháp", agency="Sở Tư pháp", procedure_code="2.001")
    client.force_login(UserFactory(superuser=True))
    for query in ("lý lịch", "2.001", '"', "' OR 1=1 --"):
        response = client.get("/admin/snippets/courses/publicservice/", {"q": query})
        assert response.status_code == 200, query
    assert "Cấp phiếu lý lịch tư pháp" in client.get("/admin/snippets/courses/publicservice/", {"q": "2.001"}).text
