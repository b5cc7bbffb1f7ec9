"""One language on the public site: Vietnamese, without a prefix (docs/languages.md).

The site once served an English interface around its Vietnamese content under ``/en/…``. Those
addresses live on in SMS, e-mails, posters, bookmarks and search engines, so every one of them
answers a permanent redirect to the same address without the prefix, query string kept. It is
answered here, before the page cache, sessions and Wagtail: a redirect costs no query and no render.
"""

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect

# Language prefixes the site served once and serves no more.
RETIRED_PREFIXES = ("en",)


def retired_prefix_target(full_path: str) -> str | None:
    """The address without a retired language prefix (``/en/a/?b`` → ``/a/?b``), or None if it has none."""
    for code in RETIRED_PREFIXES:
        prefix = f"/{code}"
        if full_path == prefix or full_path.startswith((prefix + "/", prefix + "?")):
            # One leading slash only: "/en//evil.example" must not become "//evil.example" (another
            # host, for a browser; "/\\" counts as "//" too), nor "%2F%2F" once decoded.
            rest = full_path[len(prefix) :].lstrip("/\\")
            while rest.lower().startswith(("%2f", "%5c")):
                rest = rest[3:].lstrip("/\\")
            return "/" + rest
    return None


class RetiredLanguagePrefixMiddleware:
    """``/en/…`` → 301 ``/…`` (``/en`` and ``/en/`` → ``/``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # get_full_path() is percent-encoded: the target is a valid Location as it stands.
        target = retired_prefix_target(request.get_full_path())
        if target is not None:
            response = HttpResponsePermanentRedirect(target)
            response["Cache-Control"] = "public, max-age=86400"
            return response
        return self.get_response(request)
