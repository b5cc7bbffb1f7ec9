"""Cache of public pages as anonymous visitors see them, and what every page view reuses.

Rural learners are on slow links and the server is small: a tutorial page
that nobody is signed in to is the same for everyone, so it is rendered once
and then served from the cache until something is published.

- Only GET/HEAD of public site pages, by visitors without a session or
  messages cookie; never the admin (so never Wagtail's preview), the learner
  actions, accounts or certificates.
- Only 200 responses that set no cookie and are not marked private.
- Entries are kept per day (Vietnam time): a page that shows what runs today (campaigns)
  is rendered again after midnight.
- Publishing, unpublishing, moving or deleting any page, saving a public
  service, a site or a page's privacy empties it: every entry carries the
  generation number it was stored under, invalidation increments the number,
  and a hit reads both in one round trip (``get_many``; works across
  processes with a shared cache, Redis in production).

The generation lives in ``core.published``: pages that are rendered
(signed-in visitors, a miss) reuse, per process, what only changes when the
generation does. ``PageRoutingMiddleware`` uses it for Wagtail's ``serve``:
one query for the page instead of two per URL segment, no site query, and no
view-restriction queries while no page is private. Wagtail's preview runs in
the admin and never goes through it.
"""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.http import HttpResponse

from core.localtime import local_today
from core.published import (
    CACHE_ALIAS,
    GENERATION_KEY,
    any_page_private,
    published_generation,
    remembered_page,
    site_for_request,
    site_root_paths_for_request,
)

# robots.txt, the icon and the sitemap answer from memory or their own cache (core.seo).
SKIPPED_PREFIXES = (
    "/admin/",
    "/documents/",
    "/healthz",
    "/static/",
    "/media/",
    "/robots.txt",
    "/favicon.ico",
    "/sitemap.xml",
    "/sw.js",
    "/manifest.webmanifest",
    "/offline/session",
    # The APIs (docs/api.md) keep their own cache, behind their rate limit.
    "/api/",
)
SKIPPED_SEGMENTS = ("/learn/", "/account/", "/certificates/")
HEADER = "X-Page-Cache"


def _cache():
    return caches[CACHE_ALIAS]


def _eligible(request):
    if request.method not in ("GET", "HEAD"):
        return False
    path = request.path_info
    if path.startswith(SKIPPED_PREFIXES) or any(segment in path for segment in SKIPPED_SEGMENTS):
        return False
    cookies = request.COOKIES
    return not (settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies)


def _key(request):
    # Scheme and host are part of the key: two Wagtail sites (or http and https) share no page.
    # get_host() validates the Host header against ALLOWED_HOSTS (a bad one is a 400, never a key).
    # The day (in Vietnam) is part of the key: what is "running" (campaigns on the home page and
    # the campaign index) changes at midnight without anything being published.
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"page:{request.method}:{local_today().isoformat()}:{digest}"


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not getattr(settings, "PAGE_CACHE_SECONDS", 0) or not _eligible(request):
            return self.get_response(request)
        key = _key(request)
        # One round trip for both the current generation and the page (stored with its generation).
        found = _cache().get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        cached = found.get(key)
        if cached is not None and generation is not None and cached[0] == generation:
            _generation_stored, status, headers, content = cached
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response[HEADER] = "hit"
            return response
        if generation is None:
            generation = published_generation()
        request._published_generation = generation
        response = self.get_response(request)
        if self._storable(request, response):
            headers = [(name, value) for name, value in response.items() if name.lower() != "set-cookie"]
            entry = (generation, response.status_code, headers, response.content)
            _cache().set(key, entry, settings.PAGE_CACHE_SECONDS)
            response[HEADER] = "miss"
        return response

    @staticmethod
    def _storable(request, response):
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        if "private" in response.get("Cache-Control", "") or "no-store" in response.get("Cache-Control", ""):
            return False
        user = getattr(request, "user", None)
        return user is None or not user.is_authenticated


# Routing ------------------------------------------------------------------------------------


def _default_routing():
    """True when no page type overrides ``route`` (then a URL path leads to the page with that url_path)."""
    from wagtail.models import Page, get_page_models

    return all(model.route is Page.route for model in get_page_models())


class PageRoutingMiddleware:
    """Route requests for Wagtail's ``serve`` view with what this process remembers.

    Wagtail finds the site (one query), then walks the tree from the root, two queries
    per URL segment (the child by slug, then its specific row), then looks up the view
    restrictions of the page and its ancestors (two queries). Here the site and the page
    a path led to (prepared: see ``core.published.page_prepared``) are remembered per
    generation, and each request serves its own copy of the page: no query. A path
    Wagtail does not route to a plain page at that url_path (a 404, a page type with
    its own ``route``) is left to Wagtail. While no page is private, the restriction
    lookup is skipped (Wagtail still checks every restriction as soon as one exists).
    """

    def __init__(self, get_response):
        from wagtail import views

        self.get_response = get_response
        self.serve = views.serve
        self.enabled = None

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is not self.serve:
            return None
        if self.enabled is None:
            self.enabled = _default_routing()
        if not self.enabled:
            return None
        path = view_kwargs["path"] if "path" in view_kwargs else (view_args[0] if view_args else "")
        site = site_for_request(request)
        if site is None:
            return None
        site_root_paths_for_request(request)
        self._route(request, site, path)
        return None

    @staticmethod
    def _route(request, site, path):
        from wagtail.models import Page, PageViewRestriction
        from wagtail.url_routing import RouteResult

        components = tuple(component for component in path.split("/") if component)
        expected = site.root_page.url_path + "".join(f"{component}/" for component in components)

        def route():
            # Wagtail's own routing (the request keeps the result); only a plain page at the
            # path's url_path is remembered.
            result = Page.route_for_request(request, path)
            if result is None:
                return None
            page, args, kwargs = result
            return page if not (args or kwargs) and page.url_path == expected else None

        page = remembered_page(request, ("route", site.pk, components), route)
        if page is None:
            return  # Wagtail routes (or routed) this request itself
        request._wagtail_route_for_request = RouteResult(page)
        if not any_page_private(request):
            # Wagtail's on_serve_page hook asks the page for its restrictions: none exist.
            page.get_view_restrictions = PageViewRestriction.objects.none


class RedisCache(DjangoRedisCache):
    """Django's Redis cache, creating its ``redis.Redis`` client once per connection pool.

    Django builds a new client for every operation; redis-py fills a dictionary of about
    170 response callbacks for each, which costs more than the round trip itself.
    """

    class _Client(RedisCacheClient):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._clients = {}

        def get_client(self, key=None, *, write=False):
            # Private attributes of Django's RedisCacheClient (the stubs leave them out).
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            client = self._clients.get(id(pool))
            if client is None:
                client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            return client

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = self._Client
