"""Open Badges 3.0: status indexes given once, credentials signed (docs/badges.md)."""

import logging

from django.db import IntegrityError, transaction

from ..models import Certificate
from .credentials import credential_claims, enveloped, jws_compact
from .keys import key_ring
from .models import BadgeStatusEntry

logger = logging.getLogger(__name__)


def badge_status_ensure(*, certificate: Certificate) -> BadgeStatusEntry:
    """The certificate's status index: given the first time (issue, re-issue, or the first download), then kept.

    Safe to call twice or concurrently: the one-to-one certificate decides who wins; the loser's id is
    spent, never handed to anyone else (an index is never reused).
    """
    entry = BadgeStatusEntry.objects.filter(certificate=certificate).first()
    if entry is not None:
        return entry
    try:
        with transaction.atomic():
            entry = BadgeStatusEntry.objects.create(certificate=certificate)
    except IntegrityError:
        return BadgeStatusEntry.objects.get(certificate=certificate)
    logger.info("Certificate %s has status index %s", certificate.code, entry)
    return entry


def badge_credential_jwt(*, certificate: Certificate) -> str:
    """The certificate's ``OpenBadgeCredential``, signed with the site's active key (a compact JWS)."""
    entry = badge_status_ensure(certificate=certificate)
    return jws_compact(claims=credential_claims(certificate=certificate, entry=entry), ring=key_ring())


def badge_credential_enveloped(*, certificate: Certificate) -> dict:
    """The signed credential as an ``EnvelopedVerifiableCredential`` (JSON holding the JWT)."""
    return enveloped(token=badge_credential_jwt(certificate=certificate))


def badge_statuses_backfill() -> int:
    """Every certificate without a status index gets one (the demo seeds, and a safety net); returns how many."""
    made = 0
    for certificate in Certificate.objects.filter(badge_status__isnull=True).order_by("pk").iterator():
        badge_status_ensure(certificate=certificate)
        made += 1
    return made
