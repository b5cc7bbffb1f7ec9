"""Invitations: people a roster import created have no password; an invitation sends each a code
(SMS to a phone-only person, e-mail where there is an address) with which they choose one at
``/account/activate/``. Re-sending supersedes the old invitation (one live code per purpose and
address). The training office sees who has not activated yet and sends or re-sends.

Sent through ``accounts.messaging`` by a Celery task, queued after commit, in chunks; safe to run
twice (a run's ``reference`` marks the people it already invited).
"""

import uuid

from celery import current_app
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from ..codes.models import OneTimeCode
from ..codes.services import code_issue
from ..messaging import EMAIL, SMS
from ..models import User
from ..phone import phone_is_mobile

SEND_TASK = "accounts.roster.invitations_send"
CHUNK = 500


def imported_people() -> QuerySet:
    """Active people of the roster (civil servants with an employee code)."""
    return User.objects.filter(is_active=True, kind=User.Kind.CIVIL_SERVANT, employee_code__isnull=False)


def not_activated(queryset: QuerySet | None = None) -> QuerySet:
    """Those who never chose a password."""
    return (queryset if queryset is not None else imported_people()).filter(
        password__startswith=UNUSABLE_PASSWORD_PREFIX
    )


def with_invitation(queryset: QuerySet) -> QuerySet:
    """Annotate ``invited`` (a live invitation or activation code) and ``activated``."""
    live = OneTimeCode.objects.filter(
        user=OuterRef("pk"),
        purpose=OneTimeCode.Purpose.ACTIVATION,
        spent_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    return queryset.annotate(invited=Exists(live))


def activation_counts() -> dict[str, int]:
    people = imported_people()
    total = people.count()
    waiting = not_activated(people)
    return {
        "imported": total,
        "not_activated": waiting.count(),
        "activated": total - waiting.count(),
        "invited": with_invitation(waiting).filter(invited=True).count(),
    }


def invitations_send_start(*, user_ids: list[int] | None, by: User) -> int:
    """Queue invitations for ``user_ids`` (None: everyone not activated); only people not activated count.

    Returns how many are queued; the tasks go to the broker after commit.
    """
    people = not_activated()
    if user_ids is not None:
        people = people.filter(pk__in=user_ids)
    ids = list(people.order_by("pk").values_list("pk", flat=True))
    reference = uuid.uuid4().hex
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        transaction.on_commit(lambda chunk=chunk: current_app.send_task(SEND_TASK, args=[chunk, by.pk, reference]))
    return len(ids)


def invitation_address(user: User) -> tuple[str, str] | None:
    """(channel, address) of an invitation: e-mail where there is one, else SMS to a mobile number."""
    if user.email:
        return EMAIL, user.email
    if user.phone and phone_is_mobile(user.phone):
        return SMS, user.phone
    return None


def invitations_send(*, user_ids: list[int], by_id: int | None, reference: str) -> int:
    """Invite each person of ``user_ids`` still not activated, once per ``reference``; returns how many."""
    by = User.objects.filter(pk=by_id).first() if by_id else None
    done = OneTimeCode.objects.filter(user=OuterRef("pk"), reference=reference)
    people = not_activated().filter(pk__in=user_ids).exclude(Exists(done)).order_by("pk")
    sent = 0
    for user in people:
        route = invitation_address(user)
        if route is None:
            continue
        channel, address = route
        code_issue(
            purpose=OneTimeCode.Purpose.ACTIVATION,
            user=user,
            address=address,
            request=None,
            channel=channel,
            ttl=settings.ACCOUNTS_INVITATION_TTL,
            cooldown=False,
            count=False,
            kind="invitation",
            sent_by=by,
            reference=reference,
        )
        sent += 1
    return sent
