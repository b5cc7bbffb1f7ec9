"""Until a staff person passes two-step verification, their session reaches only the two-step pages and sign-out.

Placed after django-otp's ``OTPMiddleware`` (which gives ``request.user.is_verified()``). It covers every
URL (the Wagtail admin with its own login view, the staff pages on the site, the public pages) instead of a
list of protected ones, so a new staff page cannot be forgotten.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from .policy import two_factor_enforced, two_factor_required

# URL names an unverified staff session may still open.
ALLOWED_URL_NAMES = {
    "accounts:two_factor_verify",
    "accounts:two_factor_set_up",
    "accounts:two_factor_recovery_codes",
    "accounts:sign_out",
    "wagtailadmin_logout",
    "healthz",
}


def _allowed(path: str) -> bool:
    if path.startswith((settings.STATIC_URL, settings.MEDIA_URL)):
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.view_name in ALLOWED_URL_NAMES


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            two_factor_enforced()
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not _allowed(request.path_info)
            and two_factor_required(user=user)
        ):
            target = reverse("accounts:two_factor_verify")
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
