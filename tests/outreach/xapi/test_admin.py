"""The xAPI listing says whether xAPI is on, and where it sends; off, what turns it on."""

import pytest

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_listing_says_xapi_is_off_and_which_setting_turns_it_on(client, settings, english_interface):
    settings.XAPI_ENDPOINT = ""
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get("/admin/reminders/xapi/").content.decode()
    assert 'data-xapi-status="off"' in page
    assert "xAPI is off." in page
    assert "XAPI_ENDPOINT" in page and "docs/xapi.md" in page
    assert 'data-xapi-status="on"' not in page


def test_the_listing_names_the_lrs_host_when_xapi_is_on(client, settings, english_interface):
    settings.XAPI_ENDPOINT = "https://lrs.example.gov.vn:8443/xAPI/"
    settings.XAPI_PASSWORD = "s3cret-never-shown"
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get("/admin/reminders/xapi/").content.decode()
    assert 'data-xapi-status="on"' in page
    assert "lrs.example.gov.vn:8443" in page
    assert "s3cret-never-shown" not in page
    assert "xAPI is off." not in page
