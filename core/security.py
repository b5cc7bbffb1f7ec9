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

from dataclasses import dataclass
from functools import lru_cache

from csp.constants import HEADER
from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import build_policy, default_config
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponseBase

PERMISSIONS_POLICY_HEADER = "Permissions-Policy"
_PER_VIEW = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")


def _admin_directives() -> dict:
    return default_config(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]) or {}


@dataclass(frozen=True)
class _Fixed:
    """What every response needs, read from the settings once (again on ``setting_changed``)."""

    public: str
    admin: str
    admin_prefixes: tuple[str, ...]
    permissions: str
    per_response: bool  # DEBUG (django-csp skips its error pages) or a report-only policy


@lru_cache(maxsize=1)
def _fixed() -> _Fixed:
    permissions = getattr(settings, "PERMISSIONS_POLICY", {})
    return _Fixed(
        public=build_policy(),
        admin=build_policy(config=_admin_directives()),
        admin_prefixes=tuple(getattr(settings, "CONTENT_SECURITY_POLICY_ADMIN_PREFIXES", ())),
        permissions=", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in permissions.items()),
        per_response=bool(settings.DEBUG or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)),
    )


def _settings_changed(**kwargs: object) -> None:
    _fixed.cache_clear()


setting_changed.connect(_settings_changed)


class SecurityHeadersMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's policy on the admin's paths, and the Permissions-Policy."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and request.path_info.startswith(_fixed().admin_prefixes):
            parts.config = _admin_directives()
        return parts

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "is_dummy", False):
            # Wagtail's preview: the real admin request around it sets the headers.
            return response
        fixed = _fixed()
        if (
            fixed.per_response
            or request.__dict__.get("_csp_nonce")
            or any(name in response.__dict__ for name in _PER_VIEW)
        ):
            response = super().process_response(request, response)  # django-csp's own path
        elif HEADER not in response:
            admin = request.path_info.startswith(fixed.admin_prefixes)
            response[HEADER] = fixed.admin if admin else fixed.public
        if fixed.permissions and PERMISSIONS_POLICY_HEADER not in response:
            response[PERMISSIONS_POLICY_HEADER] = fixed.permissions
        return response
