"""CSRF for actions that anonymous visitors may take on cacheable pages."""

from functools import wraps

from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt


def _no_response(request):  # pragma: no cover - never called: process_view only inspects the request
    return None


def csrf_protect_signed_in(view):
    """Check the CSRF token of signed-in people only.

    Public pages are cached as anonymous visitors see them, so they carry no
    per-visitor CSRF token. What an anonymous visitor can do with these
    actions (mark a lesson done, answer a quiz) lives only in that visitor's
    own session, which a cross-site request cannot reach (the session cookie is
    SameSite=Lax), so a forged request gains nothing. Never use it for a write
    to a shared table (feedback is CSRF-checked for everyone). As soon as
    someone is signed in, the normal CSRF check applies: the pages they see
    are not cached and carry a token.
    """

    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated:
            rejection = CsrfViewMiddleware(_no_response).process_view(request, None, (), {})
            if rejection is not None:
                return rejection
        return view(request, *args, **kwargs)

    return wrapped
