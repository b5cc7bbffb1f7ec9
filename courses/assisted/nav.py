"""Header links (``SITE_ACCOUNT_LINKS``): the helper's "Assisted learning"; the training office's "Helpers".

A citizen who was helped finds "Help at the counter" on My learning (``courses/templatetags/assisted_tags.py``),
not in the header: the header renders on every page and asks nothing of the database for it.
"""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from core.nav import AccountLink

from .services import helper_can_assist


def account_links(request: HttpRequest) -> list[AccountLink]:
    # A unit first (no query): most people, citizens, have none; then the permission (cached on the user).
    if not request.user.organisation_unit_id:
        return []
    links = []
    if helper_can_assist(user=request.user):
        links.append(AccountLink(_("Assisted learning"), reverse("courses:assisted_home")))
    if request.user.has_perm("courses.manage_helpers"):
        links.append(AccountLink(_("Helpers at the counters"), reverse("courses:assisted_helpers")))
    return links
