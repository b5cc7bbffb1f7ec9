"""What search engines and sharing sites read (core/seo.py, docs/seo.md): canonical and hreflang, Open Graph
and Twitter tags, sitemap.xml, robots.txt and /favicon.ico, each without a full Wagtail render."""

import io
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup
from django.core.files.images import ImageFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image
from wagtail.images import get_image_model

from tests.courses.factories import tutorial_create, tutorial_index_create
from tests.outreach.factories import campaign_create

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def tutorial(home_page):
    index = tutorial_index_create(home_page)
    return tutorial_create(
        index, "Đăng ký khai sinh trực tuyến", slug="dang-ky-khai-sinh", summary="Làm giấy khai sinh cho con, tại nhà."
    )


def _image(title="Ảnh chiến dịch"):
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 900), "#0a4f8f").save(buffer, "PNG")
    return get_image_model().objects.create(
        title=title, description="Người dân làm thủ tục", file=ImageFile(buffer, name="chien-dich.png")
    )


def _head(response):
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    meta = {
        tag.get("property") or tag.get("name"): tag["content"]
        for tag in soup.head.find_all("meta")
        if tag.get("content")
    }
    links = [(tag["rel"][0], tag.get("hreflang"), tag["href"]) for tag in soup.head.find_all("link")]
    return meta, links


def test_a_tutorial_has_canonical_hreflang_and_sharing_tags(tutorial, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://kynangso.example.vn"
    meta, links = _head(Client().get(tutorial.url + "?from=qr&utm_source=zalo&fbclid=x"))
    canonical = "https://kynangso.example.vn/huong-dan/dang-ky-khai-sinh/"
    assert ("canonical", None, canonical) in links
    assert ("alternate", "vi", canonical) in links and ("alternate", "x-default", canonical) in links
    assert not [link for link in links if link[1] not in (None, "vi", "x-default")]
    assert meta["og:title"] == "Đăng ký khai sinh trực tuyến"
    assert meta["og:description"] == "Làm giấy khai sinh cho con, tại nhà."  # the summary: no search description
    assert meta["og:url"] == canonical
    assert meta["og:type"] == "article"
    assert meta["og:locale"] == "vi_VN"
    assert meta["og:site_name"] == "Kỹ Năng Số"
    assert meta["og:image"] == "https://kynangso.example.vn/static/brand/og-default.png"
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["twitter:card"] == "summary_large_image"
    assert ("icon", None, "/static/brand/favicon.svg") in links and (
        "icon",
        None,
        "/static/brand/favicon-32.png",
    ) in links


def test_seo_title_and_search_description_come_first(tutorial):
    tutorial.seo_title = "Khai sinh cho con trên mạng"
    tutorial.search_description = "Ba bước, mười phút."
    tutorial.save_revision().publish()
    meta, _links = _head(Client().get(tutorial.url))
    assert meta["og:title"] == "Khai sinh cho con trên mạng"
    assert meta["og:description"] == "Ba bước, mười phút."


def test_the_canonical_keeps_a_page_number_only(tutorial, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://kynangso.example.vn"
    index_url = tutorial.get_parent().url
    _meta, links = _head(Client().get(index_url + "?page=2&utm_campaign=x"))
    assert ("canonical", None, f"https://kynangso.example.vn{index_url}?page=2") in links
    _meta, links = _head(Client().get(index_url + "?page=1"))
    assert ("canonical", None, f"https://kynangso.example.vn{index_url}") in links


def test_the_home_page_is_a_website(home_page):
    meta, _links = _head(Client().get("/"))
    assert meta["og:type"] == "website" and meta["og:title"]


def test_a_campaign_shares_its_own_picture_as_a_1200_by_630_jpeg(home_page, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://kynangso.example.vn"
    campaign = campaign_create(home_page, hero_image=_image())
    meta, _links = _head(Client().get(campaign.url))
    assert meta["og:type"] == "article"
    assert meta["og:description"] == campaign.goal
    assert meta["og:image"].startswith("https://kynangso.example.vn/media/images/")
    assert meta["og:image"].endswith(".jpg")
    assert (meta["og:image:width"], meta["og:image:height"], meta["og:image:type"]) == ("1200", "630", "image/jpeg")
    assert meta["og:image:alt"] == "Người dân làm thủ tục"


def test_sharing_tags_cost_no_query_on_a_tutorial(tutorial, settings):
    """The same anonymous page, rendered (page cache off): no image query; a cached page costs none at all."""
    settings.PAGE_CACHE_SECONDS = 0
    Client().get(tutorial.url)  # the process remembers the route and the page
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(tutorial.url)
    assert response.status_code == 200 and 'property="og:image"' in response.content.decode()
    assert not [query for query in queries if "wagtailimages" in query["sql"]]
    settings.PAGE_CACHE_SECONDS = 600
    Client().get(tutorial.url)
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(tutorial.url)["X-Page-Cache"] == "hit"
    assert len(queries) == 0


def test_the_tag_itself_costs_no_query_and_a_campaign_only_its_rendition(
    tutorial, home_page, rf, django_assert_num_queries, django_assert_max_num_queries
):
    from wagtail.models import Page

    from core.seo import page_meta

    page = Page.objects.get(pk=tutorial.pk).specific
    request = rf.get(page.url)
    with django_assert_num_queries(0):
        page_meta(request=request, page=page)
    campaign = campaign_create(home_page, hero_image=_image())
    page = Page.objects.get(pk=campaign.pk).specific
    assert page.hero_image is not None  # loaded by the campaign's own template anyway
    page_meta(request=rf.get(page.url), page=page)  # the rendition is made once
    page = Page.objects.get(pk=campaign.pk).specific
    assert page.hero_image is not None
    request = rf.get(page.url)
    with django_assert_max_num_queries(1):  # the rendition lookup (none when Wagtail's cache has it)
        meta = page_meta(request=request, page=page)
    assert meta["image"]["width"] == 1200


# robots.txt, favicon.ico, sitemap.xml -----------------------------------------------------


def test_robots_txt_is_plain_text_without_a_query(settings, django_assert_num_queries):
    settings.WAGTAILADMIN_BASE_URL = "https://kynangso.example.vn"
    with django_assert_num_queries(0):
        response = Client().get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for path in ("/admin/", "/account/", "/learn/", "/inbox/", "/certificates/", "/search/"):
        assert f"Disallow: {path}" in lines
    assert "Allow: /" in lines and "Disallow: /" not in lines
    assert "Sitemap: https://kynangso.example.vn/sitemap.xml" in lines
    assert "max-age" in response["Cache-Control"]


def test_favicon_is_an_icon_with_long_caching_and_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert Image.open(io.BytesIO(response.content)).format == "ICO"
    assert "max-age=604800" in response["Cache-Control"]


def test_the_static_pictures_are_small_and_the_right_size():
    from django.conf import settings

    folder = settings.BASE_DIR / "static" / "brand"
    with Image.open(folder / "og-default.png") as picture:
        assert picture.size == (1200, 630) and picture.format == "PNG"
    assert (folder / "og-default.png").stat().st_size <= 40_000
    with Image.open(folder / "favicon-32.png") as icon:
        assert icon.size == (32, 32)
    assert (folder / "favicon.svg").read_text().startswith("<svg")


def test_sitemap_lists_live_public_pages_with_lastmod_and_is_cached(
    tutorial, home_page, settings, django_assert_max_num_queries, django_assert_num_queries
):
    from wagtail.models import Page, PageViewRestriction

    settings.WAGTAILADMIN_BASE_URL = "https://kynangso.example.vn"
    index = tutorial.get_parent()
    draft = tutorial_create(index, "Bản nháp", slug="ban-nhap")
    draft.unpublish()
    private = tutorial_create(index, "Riêng tư", slug="rieng-tu")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    with django_assert_max_num_queries(12):
        response = Client().get("/sitemap.xml")
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    root = ET.fromstring(response.content)  # noqa: S314 (our own response)
    urls = {url.find("s:loc", SITEMAP_NS).text: url.find("s:lastmod", SITEMAP_NS) for url in root}
    base = "https://kynangso.example.vn"
    assert base + "/" in urls and base + index.url in urls and base + tutorial.url in urls
    assert base + "/huong-dan/ban-nhap/" not in urls and base + "/huong-dan/rieng-tu/" not in urls
    for page in Page.objects.filter(pk__in=[index.pk, tutorial.pk]):  # lastmod: when it was last published
        assert urls[base + page.url].text[:10] in {
            str(page.last_published_at.date()),
            str(page.last_published_at.astimezone().date()),
        }
    with django_assert_num_queries(0):
        again = Client().get("/sitemap.xml")
    assert again.content == response.content
    # Publishing starts a new generation: the next sitemap has the new page.
    tutorial_create(index, "Nộp thuế", slug="nop-thue")
    assert base + "/huong-dan/nop-thue/" in Client().get("/sitemap.xml").content.decode()


@pytest.mark.parametrize("path", ["/robots.txt", "/favicon.ico", "/sitemap.xml"])
def test_none_goes_through_wagtail_or_the_page_cache(home_page, path, settings):
    settings.PAGE_CACHE_SECONDS = 600
    response = Client().get(path)
    assert response.status_code == 200
    assert "X-Page-Cache" not in response
    assert response.resolver_match.func.__module__ == "core.seo"


def test_the_security_policy_allows_the_icons_and_the_default_picture(tutorial):
    response = Client().get(tutorial.url)
    policy = response["Content-Security-Policy"]
    assert "img-src 'self'" in policy  # the icons and pictures are on this site
