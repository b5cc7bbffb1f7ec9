"""Who is asking: the personal access token of ``Authorization: Bearer kns_…``, rate-limited.

Every request counts against its client address first (``core.clients`` sees the client behind the
trusted proxies), signed or not, so guessing tokens is slow too; then against its token. Either
limit answers 429 with ``Retry-After``.
"""

import hashlib

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from accounts.tokens.models import PersonalAccessToken
from accounts.tokens.services import TokenRefused, bearer_token, token_authenticate
from core.clients import client_address
from core.rate_limits import window_hit

from .errors import ApiError


def _too_many(wait: int) -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        _("Too many requests. Wait %(seconds)d seconds and try again.") % {"seconds": wait},
        retry_after=wait,
    )


class TokenAuth(HttpBearer):
    """HTTP bearer authentication (the OpenAPI schema's ``TokenAuth``) by personal access token."""

    def __call__(self, request: HttpRequest) -> PersonalAccessToken:
        address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
        window = settings.API_RATE_WINDOW
        wait = window_hit(key=f"api-me:ip:{address}", limit=settings.API_PERSONAL_RATE_LIMIT_ADDRESS, window=window)
        if wait is not None:
            raise _too_many(wait)
        try:
            token = token_authenticate(raw=bearer_token(header=request.headers.get("Authorization")))
        except TokenRefused as refused:
            raise ApiError(401, refused.code, refused.message) from None
        wait = window_hit(key=f"api-me:token:{token.pk}", limit=settings.API_PERSONAL_RATE_LIMIT_TOKEN, window=window)
        if wait is not None:
            raise _too_many(wait)
        return token

    def authenticate(self, request: HttpRequest, token: str) -> PersonalAccessToken | None:
        return None  # not used: __call__ does it all, with reasons


def scope_required(request: HttpRequest, scope: str) -> PersonalAccessToken:
    """The request's token, if it was given ``scope``; else 403 naming the scope."""
    token: PersonalAccessToken = request.auth  # type: ignore[attr-defined]
    if scope not in token.scopes:
        message = _("This token may not read this. Make a token that may read “%(scope)s” on your account page.")
        raise ApiError(403, "insufficient_scope", message % {"scope": scope}, scope=scope)
    return token
