"""The profile link in the site header (core.nav, listed in ``SITE_ACCOUNT_LINKS``)."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from core.nav import AccountLink


def account_links(request: HttpRequest) -> list[AccountLink]:
    return [AccountLink(_("Profile"), reverse("accounts:account_profile"))]
