"""The notifications link with its unread count (core.nav, listed in ``SITE_ACCOUNT_LINKS``)."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.nav import AccountLink

from .delivery.inbox import unread_count


def account_links(request: HttpRequest) -> list[AccountLink]:
    unread = unread_count(user=request.user)
    text = (
        ngettext("%(counter)s unread notification", "%(counter)s unread notifications", unread) % {"counter": unread}
        if unread
        else ""
    )
    return [AccountLink(_("Notifications"), reverse("outreach:inbox"), badge=unread, badge_text=text)]
