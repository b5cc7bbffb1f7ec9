"""The site's inbox: in-app deliveries of one person, their unread count, marking them read.

The header shows the unread count on every page a signed-in person sees, so it is
cached per person (a day at most) and forgotten when something arrives (the sender) or
is read (here); it is counted when the person signs in (``unread_warm``, connected to
Django's ``user_logged_in`` in ``OutreachConfig.ready``), so pages cost no query for it.
"""

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounts.models import User

from .models import Channel, Delivery

UNREAD_CACHE_SECONDS = 24 * 3600
# A link in a message's text: up to the next space (a sentence's last full stop or bracket is not part of it).
_URL = re.compile(r"https?://[^\s<>\"']+?(?=[.,;:!?)\]]*(?:\s|$))")
# Paths of the links that stop messages (campaigns' signed unsubscribe links, long and short).
UNSUBSCRIBE_PREFIXES = ("/unsubscribe/", "/u/")


def _key(user_id: int) -> str:
    return f"inbox-unread:{user_id}"


def inbox_for(*, user: User) -> QuerySet:
    """The person's in-app notifications, newest first."""
    return Delivery.objects.filter(recipient=user, channel=Channel.IN_APP, status=Delivery.Status.SENT).order_by(
        "-sent_at", "-pk"
    )


def unread_count(*, user: User | AnonymousUser) -> int:
    if not user.is_authenticated:
        return 0
    count = cache.get(_key(user.pk))
    if count is None:
        count = inbox_for(user=user).filter(read_at__isnull=True).count()
        cache.set(_key(user.pk), count, UNREAD_CACHE_SECONDS)
    return count


def unread_forget(*, user_ids: Iterable[int]) -> None:
    cache.delete_many([_key(user_id) for user_id in user_ids])


def inbox_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications read (all of them when ``ids`` is None); returns how many."""
    unread = inbox_for(user=user).filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    count = unread.update(read_at=timezone.now())
    unread_forget(user_ids=[user.pk])
    return count


def unread_warm(sender: type, user: User, **kwargs: Any) -> None:
    """Count the person's unread notifications at sign-in, so their pages find it cached."""
    unread_count(user=user)


def _link_label(url: str) -> str:
    path = urlsplit(url).path
    if path.startswith(UNSUBSCRIBE_PREFIXES):
        return _("Stop receiving these messages")
    return _("Open the link")


def _paragraph(text: str) -> str:
    out, last = [], 0
    for match in _URL.finditer(text):
        url = match.group(0)
        out.append(escape(text[last : match.start()]))
        out.append(f'<a class="button inbox-link" href="{escape(url)}">{escape(_link_label(url))}</a>')
        last = match.end()
    out.append(escape(text[last:]))
    return "<br>".join("".join(out).split("\n"))


def inbox_body_html(text: str) -> SafeString:
    """A message's text for the inbox page: paragraphs, and each link a button with a readable label.

    The signed links of campaign messages are about 100 characters without a space: printed as they
    are, they pushed a phone's page sideways. A button reads "Open the link", or "Stop receiving
    these messages" for an unsubscribe link; everything else is escaped.
    """
    paragraphs = [part.strip("\n") for part in re.split(r"\n\s*\n", text or "") if part.strip()]
    return mark_safe("".join(f"<p>{_paragraph(part)}</p>" for part in paragraphs))  # noqa: S308 (escaped above)
