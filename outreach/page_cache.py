"""Cache of public pages as anonymous visitors see them.

Rural learners are on slow links and the server is small: a tutorial page
that nobody is signed in to is the same for everyone, so it is rendered once
and then served from the cache until something is published.

- Only GET/HEAD of public site pages, by visitors without a session or
  messages cookie; never the admin (so never Wagtail's preview), the learner
  actions, accounts or certificates.
- Only 200 responses that set no cookie and are not marked private.
- Publishing, unpublishing, moving or deleting any page empties it: every
  entry carries the generation number it was stored under, invalidation
  increments the number, and a hit reads both in one round trip (``get_many``;
  works across processes with a shared cache, Redis in production).
"""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse

CACHE_ALIAS = "pages"
GENERATION_KEY = "page-cache-generation"
SKIPPED_PREFIXES = ("/admin/", "/documents/", "/i18n/", "/healthz", "/static/", "/media/")
SKIPPED_SEGMENTS = ("/learn/", "/account/", "/certificates/")
HEADER = "X-Page-Cache"


def _cache():
    return caches[CACHE_ALIAS]


def _generation():
    return _cache().get_or_set(GENERATION_KEY, 1, timeout=None)


def page_cache_invalidate(**_kwargs):
    """Forget every cached page (a signal receiver too: it accepts any keyword)."""
    cache = _cache()
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)


def _eligible(request):
    if request.method not in ("GET", "HEAD"):
        return False
    path = request.path_info
    if path.startswith(SKIPPED_PREFIXES) or any(segment in path for segment in SKIPPED_SEGMENTS):
        return False
    cookies = request.COOKIES
    return not (settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies)


def _key(request):
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"page:{request.method}:{digest}"


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
            generation = _generation()
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
