"""Reads of consent: who consents to a purpose on a channel, and one person's answers.

One query each, never a loop over people. Silence is not consent for campaigns: only rows
with ``granted`` count; service notices are refused by a row with ``granted`` false.
"""

from collections.abc import Collection, Iterable

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from ..models import Consent, User
from .channels import CHANNEL_CODES, reachable_q


def consent_exists(*, purpose: str, channel: str, user_ref: str = "pk") -> Exists:
    """True for the person at ``OuterRef(user_ref)`` who gave consent to ``purpose`` on ``channel``."""
    return Exists(Consent.objects.filter(user_id=OuterRef(user_ref), purpose=purpose, channel=channel, granted=True))


def consenting_on_q(*, purpose: str, channel: str, prefix: str = "") -> Q:
    """People (through ``prefix``) who consent to ``purpose`` on ``channel`` and can be reached on it."""
    user_ref = f"{prefix}pk" if prefix else "pk"
    return Q(consent_exists(purpose=purpose, channel=channel, user_ref=user_ref)) & reachable_q(
        code=channel, prefix=prefix
    )


def consenting_q(*, purpose: str, channels: Collection[str] | None = None, prefix: str = "") -> Q:
    """People who consent to ``purpose`` on at least one of ``channels`` (all by default) they can be reached on."""
    condition = Q(pk__in=[])
    for channel in channels if channels is not None else CHANNEL_CODES:
        condition |= consenting_on_q(purpose=purpose, channel=channel, prefix=prefix)
    return condition


def people_consenting(*, people: QuerySet, purpose: str, channel: str | None = None) -> QuerySet:
    """Those of ``people`` (a User queryset) who consent to ``purpose`` on ``channel`` (None: on any channel)."""
    return people.filter(consenting_q(purpose=purpose, channels=None if channel is None else [channel]))


def consent_annotations(*, purpose: str) -> dict[str, ExpressionWrapper]:
    """``{alias: boolean}`` to annotate people with, one per channel (consent given and reachable), in
    registry order."""
    return {
        f"consent_{code}": ExpressionWrapper(
            consenting_on_q(purpose=purpose, channel=code), output_field=BooleanField()
        )
        for code in CHANNEL_CODES
    }


def consent_channels(*, user: User, purpose: str) -> list[str]:
    """The channels on which ``user`` gave consent to ``purpose`` (whether reachable or not), in registry order."""
    given = set(Consent.objects.filter(user=user, purpose=purpose, granted=True).values_list("channel", flat=True))
    return [code for code in CHANNEL_CODES if code in given]


def consents_given(*, user_ids: Iterable[int], purpose: str) -> set[tuple[int, str]]:
    """{(person id, channel)} of consent given to ``purpose`` among ``user_ids`` (the send-time re-check)."""
    return set(
        Consent.objects.filter(user_id__in=set(user_ids), purpose=purpose, granted=True).values_list(
            "user_id", "channel"
        )
    )
