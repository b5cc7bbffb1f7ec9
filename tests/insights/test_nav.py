"""The operations dashboard's header link: shown to whoever may open the dashboard, to nobody else."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from insights.nav import account_links
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def links_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return [link.url for link in account_links(request)]


@pytest.mark.parametrize("trait", ["unit_manager", "leader", "training_admin"])
def test_people_who_may_open_the_dashboard_get_its_link(trait):
    assert links_of(UserFactory(**{trait: True})) == [reverse("insights_dashboard")]


def test_a_civil_servant_gets_no_dashboard_link():
    assert links_of(UserFactory(kind="civil_servant")) == []


def test_the_link_is_in_the_site_header_of_a_unit_manager(client):
    manager = UserFactory(unit_manager=True)
    client.force_login(manager)
    page = client.get(reverse("accounts:notification_settings")).content.decode()
    assert f'<a href="{reverse("insights_dashboard")}">' in page
