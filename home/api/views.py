"""What every content API answer goes through: the rate limit per client, then the cache.

The anonymous page cache (``core.page_cache``) skips ``/api/``: its rules are for pages, and a hit
there would skip the rate limit. Here a 200 is kept for ``API_CONTENT_CACHE_SECONDS`` under the
published generation (``core.published``): publishing, unpublishing, moving or a change of privacy
starts a new generation, so no answer outlives the content it shows. Answers are the same for
everyone (no authentication, public pages only), so the key is the address alone.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from core.clients import client_address
from core.published import CACHE_ALIAS, published_generation
from core.rate_limits import window_hit

HEADER = "X-API-Cache"


def _key(request, generation) -> str:
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return f"api-v2:{generation}:{hashlib.sha256(address.encode()).hexdigest()}"


def too_many(wait: int) -> JsonResponse:
    message = _("Too many requests. Wait %(seconds)d seconds and try again.") % {"seconds": wait}
    response = JsonResponse({"message": message}, status=429)
    response["Retry-After"] = str(wait)
    return response


def bad_value() -> JsonResponse:
    message = _("A value in the address holds a character that cannot be read (NUL).")
    return JsonResponse({"message": message, "detail": "NUL"}, status=400)


def content_api(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if any("\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values):
            return bad_value()  # PostgreSQL cannot compare text with NUL (search, filters by field)
        address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
        wait = window_hit(
            key=f"api-v2:ip:{address}", limit=settings.API_CONTENT_RATE_LIMIT, window=settings.API_RATE_WINDOW
        )
        if wait is not None:
            return too_many(wait)
        seconds = settings.API_CONTENT_CACHE_SECONDS
        cache = caches[CACHE_ALIAS]
        key = _key(request, published_generation()) if seconds > 0 and request.method == "GET" else None
        if key is not None:
            stored = cache.get(key)
            if stored is not None:
                content, content_type = stored
                response = HttpResponse(content, content_type=content_type)
                response[HEADER] = "hit"
                patch_cache_control(response, public=True, max_age=seconds)
                return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        if key is not None and response.status_code == 200:
            cache.set(key, (response.content, response["Content-Type"]), seconds)
            response[HEADER] = "miss"
            patch_cache_control(response, public=True, max_age=seconds)
        return response

    return wrapper


def api_not_found(request, *args, **kwargs):
    """Any other address under /api/: JSON, never a site page (no page can take these addresses)."""
    message = _("There is no such API address. The content API is at /api/v2/, the personal API at /api/me/v1/.")
    return JsonResponse({"message": message, "error": {"code": "not_found", "message": message}}, status=404)
