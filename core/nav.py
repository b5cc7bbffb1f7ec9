"""The signed-in person's links in the site header, contributed by the apps that own the pages.

``settings.SITE_ACCOUNT_LINKS`` lists functions (dotted paths) that take the request and return
``AccountLink``s, in header order: the header (a ``core`` template) names no higher app.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class AccountLink:
    label: str
    url: str
    badge: int = 0  # a count shown beside the label (unread notifications)
    badge_text: str = ""  # the count in words, for screen readers


def account_links(*, request: HttpRequest) -> list[AccountLink]:
    """Every provider's links for the signed-in person (none for a visitor)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    links: list[AccountLink] = []
    for path in getattr(settings, "SITE_ACCOUNT_LINKS", ()):
        links.extend(import_string(path)(request))
    return links
