"""A slug changed later in the admin: the old addresses answer 301 to the new ones, the retired English
ones too.

Wagtail's own redirect (WAGTAILREDIRECTS_AUTO_CREATE) covers ``/huong-dan/doi-giay-phep``; the old English
address ``/en/huong-dan/doi-giay-phep/`` first loses its prefix (core/i18n.py), then follows the same
redirect (core/page_redirects.py makes sure it exists). Through the admin's edit view
(a POST as a browser without JavaScript sends it) and a real HTTP client against the live server,
with the anonymous page cache on and the old addresses served (and remembered) before the change.
"""

import urllib.error
import urllib.request

import pytest
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page

from tests.courses.factories import tutorial_create, tutorial_index_create
from tests.home.test_slugs import _admin_client, _errors, _form_data, _streamfields_empty

# Wagtail sends page_slug_changed after commit: a real transaction, as in the running site.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class _NoFollow(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url):
    """(status, Location, X-Page-Cache) of a GET by a plain HTTP client, redirects not followed."""
    try:
        response = urllib.request.build_opener(_NoFollow).open(url, timeout=10)
    except urllib.error.HTTPError as error:
        response = error
    return response.status if hasattr(response, "status") else response.code, response.headers.get("Location")


def _admin_publish_slug(client, page_pk, slug):
    url = f"/admin/pages/{page_pk}/edit/"
    data = _form_data(client.get(url).content.decode())
    data.update(slug=slug, **{"action-publish": "action-publish"})
    _streamfields_empty(type(Page.objects.get(pk=page_pk).specific), data)
    response = client.post(url, data)
    assert response.status_code == 302, _errors(response)


def test_a_slug_changed_in_the_admin_redirects_the_old_addresses_permanently(home_page, settings, live_server):
    settings.PAGE_CACHE_SECONDS = 600
    index = tutorial_index_create(home_page)
    tutorial = tutorial_create(index, "Đổi giấy phép", slug="doi-giay-phep")
    old_paths = ["/huong-dan/doi-giay-phep/", "/en/huong-dan/doi-giay-phep/", "/huong-dan/", "/en/huong-dan/"]
    assert Page.objects.get(pk=tutorial.pk).url == old_paths[0]
    for path in old_paths[::2]:  # served, stored in the page cache and remembered by the routing
        assert _get(live_server.url + path) == (200, None)
        assert _get(live_server.url + path) == (200, None)
    for path in old_paths[1::2]:  # the retired English addresses: to the same address without /en
        assert _get(live_server.url + path) == (301, path[3:])

    client = _admin_client()
    _admin_publish_slug(client, tutorial.pk, "doi-giay-phep-moi")
    assert Page.objects.get(pk=tutorial.pk).url == "/huong-dan/doi-giay-phep-moi/"
    for _ in range(2):  # the second time too: a 301 is never stored
        assert _get(live_server.url + old_paths[0]) == (301, "/huong-dan/doi-giay-phep-moi/")
        assert _get(live_server.url + old_paths[1]) == (301, old_paths[0])
        assert _get(live_server.url + "/huong-dan/doi-giay-phep") == (301, "/huong-dan/doi-giay-phep-moi/")

    # The parent renamed: its own old addresses and its children's redirect too.
    _admin_publish_slug(client, index.pk, "huong-dan-thu-tuc")
    new = "/huong-dan-thu-tuc/doi-giay-phep-moi/"
    assert _get(live_server.url + new) == (200, None)
    assert _get(live_server.url + "/huong-dan/") == (301, "/huong-dan-thu-tuc/")
    assert _get(live_server.url + "/en/huong-dan/") == (301, "/huong-dan/")
    assert _get(live_server.url + "/huong-dan/doi-giay-phep-moi/") == (301, new)
    assert _get(live_server.url + "/en/huong-dan/doi-giay-phep-moi/") == (301, "/huong-dan/doi-giay-phep-moi/")
    # The first old address now reaches the newest one in one hop (its English one in two).
    assert _get(live_server.url + old_paths[0]) == (301, new)
    assert _get(live_server.url + old_paths[1]) == (301, old_paths[0])
    assert not Redirect.objects.filter(old_path__startswith="/en/").exists()
    assert not Redirect.objects.filter(is_permanent=False).exists()


def test_a_moved_page_redirects_its_old_address_and_its_english_one(home_page, settings):
    from django.test import Client

    settings.PAGE_CACHE_SECONDS = 600
    index = tutorial_index_create(home_page)
    other = tutorial_index_create(home_page, title="Khác", slug="khac")
    tutorial = tutorial_create(index, "Nộp thuế", slug="nop-thue")
    assert Client().get("/huong-dan/nop-thue/").status_code == 200
    Page.objects.get(pk=tutorial.pk).move(Page.objects.get(pk=other.pk), pos="last-child")
    for path, new in (("/huong-dan/nop-thue/", "/khac/nop-thue/"), ("/en/huong-dan/nop-thue/", "/huong-dan/nop-thue/")):
        response = Client().get(path)
        assert (response.status_code, response["Location"]) == (301, new)
    assert Client().get("/khac/nop-thue/").status_code == 200


def test_the_redirect_is_made_when_wagtails_own_is_missing(home_page):
    """Wagtail's receiver turned off: core.page_redirects still leaves the old address (and only it)."""
    from django.test import Client

    from core.page_redirects import page_redirects_create

    index = tutorial_index_create(home_page)
    tutorial = tutorial_create(index, "Nộp thuế", slug="nop-thue")
    Page.objects.filter(pk=tutorial.pk).update(
        slug="nop-thue-moi", url_path=tutorial.url_path.replace("nop-thue", "nop-thue-moi")
    )
    Redirect.objects.all().delete()
    old, new = tutorial.url_path, Page.objects.get(pk=tutorial.pk).url_path
    assert page_redirects_create(old_url_path=old, new_url_path=new) == 1
    assert page_redirects_create(old_url_path=old, new_url_path=new) == 0  # idempotent
    assert list(Redirect.objects.values_list("old_path", "is_permanent")) == [("/huong-dan/nop-thue", True)]
    response = Client().get("/huong-dan/nop-thue/")
    assert (response.status_code, response["Location"]) == (301, "/huong-dan/nop-thue-moi/")
