"""Open Badges 3.0 reads: the status lists, the published keys, what the verification page shows."""

import hashlib
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Max, Q
from django.utils import timezone
from jwcrypto import jwk, jws

from ..models import Certificate, CertificateSetting
from .credentials import bitstring, jws_compact, key_set, status_list_claims
from .keys import key_ring
from .models import STATUS_LIST_LENGTH, BadgeStatusEntry
from .services import badge_credential_jwt, badge_status_ensure

STATUS_LIST_CACHE_SECONDS = 24 * 3600


def status_list_count() -> int:
    """How many status lists exist (at least one, even before any certificate)."""
    top = BadgeStatusEntry.objects.aggregate(top=Max("pk"))["top"] or 0
    return top // STATUS_LIST_LENGTH + 1


def status_list_revoked(*, number: int) -> list[int]:
    """Indexes of list ``number`` whose bit is set: revoked, superseded, or whose certificate was erased."""
    first = (number - 1) * STATUS_LIST_LENGTH
    flagged = (
        BadgeStatusEntry.objects.filter(pk__gte=first, pk__lt=first + STATUS_LIST_LENGTH)
        .filter(
            Q(certificate__isnull=True)
            | Q(certificate__revoked_at__isnull=False)
            | Q(certificate__superseded_at__isnull=False)
        )
        .values_list("pk", flat=True)
    )
    return sorted(pk - first for pk in flagged)


@dataclass(frozen=True)
class StatusList:
    token: str
    etag: str


def status_list(*, number: int) -> StatusList:
    """The signed list ``number``: read at once from the rows (a revocation shows on the next request).

    Signing is cached by content: the same bits (and key) give the same token and ETag, so a verifier's
    conditional request is answered 304 until a bit changes.
    """
    ring = key_ring()
    bits = bitstring(status_list_revoked(number=number))
    etag = hashlib.sha256(bits + ring.active.thumbprint.encode()).hexdigest()[:32]
    key = f"badges:status:{number}:{etag}"
    token = cache.get(key)
    if token is None:
        claims = status_list_claims(
            number=number, bits=bits, valid_from=timezone.now(), issuer_name=CertificateSetting.load().issuer_name
        )
        token = jws_compact(claims=claims, ring=ring)
        cache.set(key, token, STATUS_LIST_CACHE_SECONDS)
    return StatusList(token=token, etag=etag)


def published_keys() -> dict:
    return key_set(key_ring())


@dataclass(frozen=True)
class BadgeSummary:
    """What the verification page says of a certificate's credential."""

    token: str
    claims: dict
    header: dict
    signature_ok: bool
    revoked: bool
    list_number: int
    list_index: int


def badge_summary(*, certificate: Certificate) -> BadgeSummary:
    """The credential, checked as a verifier would: its signature with the published key, its bit in the list."""
    entry = badge_status_ensure(certificate=certificate)
    token = badge_credential_jwt(certificate=certificate)
    keys = jwk.JWKSet.from_json(json.dumps(published_keys()))
    verifier = jws.JWS()
    verifier.deserialize(token)
    header = verifier.jose_header
    key = keys.get_key(header.get("kid", ""))
    signature_ok = False
    if key is not None:
        try:
            verifier.verify(key, alg=header.get("alg"))
            signature_ok = True
        except jws.InvalidJWSSignature:
            signature_ok = False
    claims = json.loads(verifier.objects["payload"])
    revoked = entry.list_index in status_list_revoked(number=entry.list_number)
    return BadgeSummary(
        token=token,
        claims=claims,
        header=header,
        signature_ok=signature_ok,
        revoked=revoked,
        list_number=entry.list_number,
        list_index=entry.list_index,
    )
