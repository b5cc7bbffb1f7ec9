"""The visitor's language on pages outside the language-prefixed URLs.

``LocaleMiddleware`` gives every unprefixed URL the default language (Vietnamese), which is right
for the public pages (``/en/…`` is English). Some addresses have one form for everyone, such as
the signed links in campaign messages (``/r/…``, ``/unsubscribe/…``): there the visitor's own
choice (the language cookie, then the browser's ``Accept-Language``) decides.
"""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

View = Callable[..., HttpResponse]


def visitor_language(view: View) -> View:
    """Render ``view`` in the language the visitor asked for (cookie, then Accept-Language)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        language = translation.get_language_from_request(request, check_path=False)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, **kwargs)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    return wrapped
