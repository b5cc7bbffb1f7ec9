"""What search engines and sharing sites read: canonical addresses, Open Graph tags, the sitemap,
``robots.txt`` and ``/favicon.ico`` (docs/seo.md).

Addresses are absolute on ``WAGTAILADMIN_BASE_URL``, the site's public address (as in messages, QR
codes and certificates). ``robots.txt`` and the icon need no database and no template; the sitemap
is built once per published-content generation (``core.published``) and then read from the cache.

Pages describe themselves with class attributes (read here, so no floor is imported):
``og_type`` ("article" or the default "website"), ``og_description_field`` (the field used when the
page has no search description) and ``og_image_field`` (a ``wagtailimages.Image`` foreign key).
"""

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.views.decorators.http import require_safe
from wagtail.contrib.sitemaps import Sitemap
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap

from core.published import CACHE_ALIAS, request_generation, site_for_request, site_root_paths_for_request

# The picture of a shared page that has none of its own (static/brand/, drawn by `manage.py brand_images`).
DEFAULT_IMAGE = "brand/og-default.png"
DEFAULT_IMAGE_SIZE = (1200, 630)
# Facebook and Zalo show 1.91:1 pictures; JPEG is what every sharing preview reads.
IMAGE_FILTER = "fill-1200x630|format-jpeg"
FAVICON = "brand/favicon.ico"
# Query parameters that change what a page shows (kept in its canonical address); all others
# (?from=qr, utm_*, fbclid…) are dropped.
CANONICAL_PARAMS = ("page",)
SITEMAP_SECONDS = 24 * 3600
# Signed-in areas, one-use links and endless result lists: nothing there for a search engine.
ROBOTS_DISALLOW = (
    "/admin/",
    "/account/",
    "/learn/",
    "/inbox/",
    "/certificates/",
    "/search/",
    "/c/",
    "/r/",
    "/s/",
    "/unsubscribe/",
)


def absolute_url(path: str) -> str:
    """``path`` (``/…``) on the site's public address."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def canonical_url(request: HttpRequest) -> str:
    """The request's address without tracking parameters (and without ``?page=1``)."""
    kept = [(key, value) for key in CANONICAL_PARAMS for value in request.GET.getlist(key)[:1] if value != "1"]
    query = "&".join(f"{key}={value}" for key, value in kept if value.isdigit())
    return absolute_url(request.path) + (f"?{query}" if query else "")


def _description(page: Any) -> str:
    text = getattr(page, "search_description", "") or ""
    field = getattr(page, "og_description_field", "")
    if not text and field:
        text = str(getattr(page, field, "") or "")
    return " ".join(text.split())[:300]


def _image(page: Any) -> dict[str, object]:
    """The page's own picture as a 1200 × 630 JPEG rendition, else the site's default picture."""
    field = getattr(page, "og_image_field", "")
    image = getattr(page, field, None) if field else None
    if image is not None:
        rendition = image.get_rendition(IMAGE_FILTER)
        url = rendition.url if rendition.url.startswith(("http://", "https://")) else absolute_url(rendition.url)
        return {
            "url": url,
            "width": rendition.width,
            "height": rendition.height,
            "alt": getattr(image, "description", "") or image.title,
            "type": "image/jpeg",
        }
    width, height = DEFAULT_IMAGE_SIZE
    return {
        "url": absolute_url(static(DEFAULT_IMAGE)),
        "width": width,
        "height": height,
        "alt": "",
        "type": "image/png",
    }


def page_meta(*, request: HttpRequest, page: Any | None) -> dict[str, object]:
    """Canonical address and Open Graph values of the page being rendered (no query but a rendition's)."""
    meta: dict[str, object] = {"canonical": canonical_url(request)}
    if page is not None and hasattr(page, "path"):  # a Wagtail page
        meta.update(
            title=getattr(page, "seo_title", "") or page.title,
            description=_description(page),
            type=getattr(page, "og_type", "website"),
            image=_image(page),
        )
    return meta


# robots.txt and favicon.ico -----------------------------------------------------------------


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Public content allowed, signed-in areas and one-use links not; where the sitemap is."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), "Allow: /", ""]
    lines.append(f"Sitemap: {absolute_url('/sitemap.xml')}")
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@cache
def _favicon_bytes() -> bytes:
    for folder in settings.STATICFILES_DIRS:
        if isinstance(folder, tuple | list):  # (prefix, folder): a vendored package, not our brand
            continue
        path = Path(str(folder)) / FAVICON
        if path.exists():
            return path.read_bytes()
    return b""


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers and crawlers ask for on their own, from memory."""
    response = HttpResponse(_favicon_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=604800"
    return response


# sitemap.xml --------------------------------------------------------------------------------


class SiteSitemap(Sitemap):
    """Live public pages of the request's site, at their addresses on ``WAGTAILADMIN_BASE_URL``."""

    def get_wagtail_site(self):
        return site_for_request(self.request) or super().get_wagtail_site()

    def _urls(self, page, protocol, domain):
        urls = super()._urls(page, protocol, domain)
        for url in urls:
            url["location"] = absolute_url(urlsplit(url["location"]).path)
        return urls


@require_safe
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    """``/sitemap.xml``: built once per published-content generation and host, then from the cache."""
    key = f"sitemap:{request_generation(request)}:{request.get_host()}"
    store = caches[CACHE_ALIAS]
    content = store.get(key)
    if content is None:
        site_root_paths_for_request(request)  # every page's address, without asking the database
        response = wagtail_sitemap(request, sitemaps={"wagtail": SiteSitemap})
        response.render()
        content = response.content
        store.set(key, content, SITEMAP_SECONDS)
    response = HttpResponse(content, content_type="application/xml")
    response["Cache-Control"] = "public, max-age=3600"
    return response
