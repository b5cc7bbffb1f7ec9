"""Security headers on every response: the Content-Security-Policy and the Permissions-Policy.

The public site runs no JavaScript and no inline style, so it gets the strict policy of
``CONTENT_SECURITY_POLICY``. Wagtail's admin (and its preview, which is served under
``/admin/``) needs a little more: ``CONTENT_SECURITY_POLICY_ADMIN`` lists its directives in
full, each relaxation explained in the settings and in ``docs/deployment.md``.

Wagtail's preview renders a page with a dummy request for its public URL, inside the admin request
that shows it: that inner response gets nothing, the admin request sets the admin's policy.

The middleware sits outside the page cache, so a page served from the cache gets the same
headers as a rendered one and no policy is ever stored with a page.
"""

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

PERMISSIONS_POLICY_HEADER = "Permissions-Policy"


def _admin_path(path: str) -> bool:
    return path.startswith(tuple(getattr(settings, "CONTENT_SECURITY_POLICY_ADMIN_PREFIXES", ())))


class SecurityHeadersMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's policy on the admin's paths, and the Permissions-Policy."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and _admin_path(request.path_info):
            parts.config = default_config(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        return parts

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "is_dummy", False):
            # Wagtail's preview renders the page through the whole middleware chain with a dummy
            # request for the page's public URL, inside the real admin request: the admin's
            # policy is set once, on the real response.
            return response
        response = super().process_response(request, response)
        policy = getattr(settings, "PERMISSIONS_POLICY", {})
        if policy and PERMISSIONS_POLICY_HEADER not in response:
            response[PERMISSIONS_POLICY_HEADER] = ", ".join(
                f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items()
            )
        return response
