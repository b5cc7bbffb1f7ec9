"""The site's inbox: in-app deliveries of one person, their unread count, marking them read.

The header shows the unread count on every page a signed-in person sees, so it is
cached per person (a day at most) and forgotten when something arrives (the sender) or
is read (here); it is counted when the person signs in (``unread_warm``, connected to
Django's ``user_logged_in`` in ``OutreachConfig.ready``), so pages cost no query for it.
"""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User

from .models import Channel, Delivery

UNREAD_CACHE_SECONDS = 24 * 3600


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
