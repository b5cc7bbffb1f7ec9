"""The operations dashboard's link in the site header (core.nav, listed in ``SITE_ACCOUNT_LINKS``), for whoever
may open it: unit managers and leaders work on the site, and without it the dashboard is only reachable by
typing the admin's address."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from core.nav import AccountLink

PERMISSION = "insights.view_dashboard"


def account_links(request: HttpRequest) -> list[AccountLink]:
    if not request.user.has_perm(PERMISSION):
        return []
    return [AccountLink(_("Operations dashboard"), reverse("insights_dashboard"))]
