"""The learner's header links (core.nav, listed in ``SITE_ACCOUNT_LINKS``)."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from core.nav import AccountLink


def account_links(request: HttpRequest) -> list[AccountLink]:
    links = [AccountLink(_("My learning"), reverse("courses:my_learning"))]
    if request.user.kind == "civil_servant":
        links.append(AccountLink(_("My training"), reverse("courses:my_training")))
    return links
