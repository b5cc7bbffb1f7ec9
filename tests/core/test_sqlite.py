"""Values a visitor can type that SQLite cannot hold find nothing, as on PostgreSQL (core.sqlite).

Both databases run these: the answer must be the same, "no row", never an error."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Page

from accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

HUGE = 99999999999999999999


def test_an_id_beyond_64_bits_matches_no_row(home_page):
    # A page's primary key is a one-to-one link (Django's own overflow guard covers plain integers only).
    assert not Page.objects.filter(pk=HUGE).exists()
    assert not Page.objects.filter(pk=-HUGE).exists()
    assert list(Page.objects.filter(pk__in=[home_page.pk, HUGE])) == [home_page.page_ptr]
    assert not User.objects.filter(groups__id=HUGE).exists()
    assert Page.objects.filter(pk__lt=HUGE).exists()


def test_a_date_time_at_the_calendars_edge_compares_like_the_edge():
    UserFactory()
    first = datetime.datetime(1, 1, 1, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    last = datetime.datetime(9999, 12, 31, 23, 59, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert User.objects.filter(date_joined__gte=first).exists()
    assert User.objects.filter(date_joined__lte=last).exists()
    assert not User.objects.filter(date_joined__lt=first).exists()


def test_the_admin_answers_such_values_with_not_found_or_the_list(client):
    """The fuzz test's finds: campaign results by a 20-digit id, the people list by group, history by date."""
    client.force_login(UserFactory(superuser=True))
    Group.objects.get_or_create(name="x")
    assert client.get(f"/admin/campaigns/messages/results/{HUGE}/").status_code == 404
    assert client.get("/admin/users/", {"group": str(HUGE)}).status_code == 200
    user = UserFactory()
    history = reverse("wagtailusers_users:history", args=[user.pk])
    assert client.get(history, {"timestamp_after": "0001-01-01", "timestamp_before": "9999-12-31"}).status_code == 200
