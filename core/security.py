"""Security headers on every response: the Content-Security-Policy and the Permissions-Policy.

The public site runs no JavaScript and no inline style, so it gets the strict policy of
``CONTENT_SECURITY_POLICY``. Wagtail's admin (and its preview, which is served under
``/admin/``) needs a little more: ``CONTENT_SECURITY_POLICY_ADMIN`` lists its directives in
full, each relaxation explained in the settings and in ``docs/deployment.md``.

Wagtail's preview renders a page with a dummy request for its public URL, inside the admin request
that shows it: that inner response gets nothing, the admin request sets the admin's policy.

The middleware sits outside the page cache, so a page served from the cache gets the same
headers as a rendered one and no policy is ever stored with a page. The two policies do not
change between requests, so each header is built once (again when a test changes the settings);
a view that uses django-csp's decorators or a nonce goes through django-csp's own path.
"""

from functools import lru_cache

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy, default_config
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponseBase

PERMISSIONS_POLICY_HEADER = "Permissions-Policy"
_PER_VIEW = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")


def _admin_path(path: str) -> bool:
    return path.startswith(tuple(getattr(settings, "CONTENT_SECURITY_POLICY_ADMIN_PREFIXES", ())))


def _admin_directives() -> dict:
    return default_config(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]) or {}


@lru_cache(maxsize=2)
def _policy(admin: bool) -> str:
    return build_policy(config=_admin_directives() if admin else None)


@lru_cache(maxsize=1)
def _permissions_policy() -> str:
    policy = getattr(settings, "PERMISSIONS_POLICY", {})
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items())


def _settings_changed(**kwargs: object) -> None:
    _policy.cache_clear()
    _permissions_policy.cache_clear()


setting_changed.connect(_settings_changed)


class SecurityHeadersMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's policy on the admin's paths, and the Permissions-Policy."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and _admin_path(request.path_info):
            parts.config = _admin_directives()
        return parts

    @staticmethod
    def _fixed_policy_applies(request: HttpRequest, response: HttpResponseBase) -> bool:
        """True when nothing about this response changes the policy (no decorator, nonce, debug page)."""
        return not (
            settings.DEBUG
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in _PER_VIEW)
        )

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "is_dummy", False):
            # Wagtail's preview: the real admin request around it sets the headers.
            return response
        if self._fixed_policy_applies(request, response):
            if HEADER not in response:
                response[HEADER] = _policy(_admin_path(request.path_info))
            # As django-csp does: a nonce asked for after the header is written is an error.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        else:
            response = super().process_response(request, response)
        permissions = _permissions_policy()
        if permissions and PERMISSIONS_POLICY_HEADER not in response:
            response[PERMISSIONS_POLICY_HEADER] = permissions
        return response
