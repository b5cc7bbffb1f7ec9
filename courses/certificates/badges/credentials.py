"""Open Badges 3.0 credentials of certificates, and their revocation status lists (docs/badges.md).

``credential_claims`` builds an ``OpenBadgeCredential`` (VC Data Model 2.0) from a certificate;
``jws_compact`` secures it as VC-JOSE (the Open Badges 3.0 "VC-JWT" proof format): a compact JWS whose
payload is the credential itself, with the registered claims Open Badges 3.0 names (``iss``, ``jti``,
``nbf``, ``exp``). The status list is a ``BitstringStatusListCredential`` secured the same way.
"""

import base64
import gzip
import json
from datetime import UTC, datetime

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from jwcrypto import jws

from ..models import Certificate
from .keys import KeyRing, SigningKey, public_jwk
from .models import STATUS_LIST_LENGTH, BadgeStatusEntry

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
MEDIA_TYPE = "application/vc+jwt"  # VC-JOSE-COSE: a JWT-secured credential
BADGE_IMAGE = "brand/icon-512.png"


def absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def moment(value: datetime) -> str:
    """An XML Schema dateTimeStamp in UTC, to the second (as VCDM 2.0's validFrom wants)."""
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def kid_url(key: SigningKey) -> str:
    return absolute(reverse("certificates:badge_key", args=[key.thumbprint]))


def issuer_url() -> str:
    return absolute(reverse("certificates:badge_issuer"))


def status_list_url(number: int) -> str:
    return absolute(reverse("certificates:badge_status", args=[number]))


def credential_url(code: str) -> str:
    return absolute(reverse("certificates:badge", args=[code]))


def achievement_url(course_id: int) -> str:
    return absolute(reverse("certificates:badge_achievement", args=[course_id]))


def issuer_profile(*, name: str) -> dict:
    """The issuer ``Profile``: one for the site, named as the certificate names its issuing authority."""
    return {
        "id": issuer_url(),
        "type": ["Profile"],
        "name": name or settings.WAGTAIL_SITE_NAME,
        "url": absolute("/"),
    }


def achievement(*, course_id: int, title: str) -> dict:
    """The course as an ``Achievement`` (its title as the certificate printed it). Vietnamese, as printed."""
    with translation.override("vi"):
        criteria = {
            "narrative": _("Complete every lesson of the course “%(course)s” and pass its tests on %(site)s.")
            % {"course": title, "site": settings.WAGTAIL_SITE_NAME}
        }
        return {
            "id": achievement_url(course_id),
            "type": ["Achievement"],
            "achievementType": "Certificate",
            "name": title,
            "description": _("Certificate of completion of the course “%(course)s” on %(site)s.")
            % {"course": title, "site": settings.WAGTAIL_SITE_NAME},
            "criteria": criteria,
            "image": {"id": absolute(static(BADGE_IMAGE)), "type": "Image"},
            "inLanguage": "vi",
        }


def status_entry(entry: BadgeStatusEntry) -> dict:
    url = status_list_url(entry.list_number)
    return {
        "id": f"{url}#{entry.list_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(entry.list_index),
        "statusListCredential": url,
    }


def credential_claims(*, certificate: Certificate, entry: BadgeStatusEntry) -> dict:
    """The certificate as an ``OpenBadgeCredential``, with the JWT claims that mirror it.

    Only what the public verification page shows: the name printed, the course, the issuer, the dates.
    The learner has no identifier of their own (no DID, no e-mail): the subject is named by an
    ``IdentityObject`` of type ``name``, not hashed, as the printed certificate names them.
    """
    url = credential_url(certificate.code)
    issuer = issuer_profile(name=certificate.issuer_name)
    with translation.override("vi"):
        name = _("Certificate: %(course)s") % {"course": certificate.course_title}
    claims: dict = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "issuer": issuer,
        "validFrom": moment(certificate.issued_at),
        "awardedDate": moment(certificate.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.learner_name,
                }
            ],
            "achievement": achievement(course_id=certificate.course_id, title=certificate.course_title),
        },
        "credentialStatus": status_entry(entry),
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if certificate.expires_at is not None:
        claims["validUntil"] = moment(certificate.expires_at)
    # Registered claims that mirror the credential (Open Badges 3.0, VC-JWT): they never disagree with it.
    claims.update(iss=issuer["id"], jti=url, nbf=int(certificate.issued_at.timestamp()))
    if certificate.expires_at is not None:
        claims["exp"] = int(certificate.expires_at.timestamp())
    return claims


def jws_compact(*, claims: dict, ring: KeyRing) -> str:
    """``claims`` signed with the active key: a compact JWS (header ``alg``, ``kid``, ``typ``, ``cty``)."""
    key = ring.active
    header = {"alg": key.algorithm, "kid": kid_url(key), "typ": "vc+jwt", "cty": "vc"}
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    token = jws.JWS(payload)
    token.add_signature(key.key, alg=key.algorithm, protected=json.dumps(header, separators=(",", ":")))
    return token.serialize(compact=True)


def enveloped(*, token: str) -> dict:
    """The JWT as a VC Data Model 2.0 ``EnvelopedVerifiableCredential`` (the ``.json`` download)."""
    return {"@context": [VC_CONTEXT], "id": f"data:{MEDIA_TYPE},{token}", "type": "EnvelopedVerifiableCredential"}


def key_set(ring: KeyRing) -> dict:
    """Every published key (public parts), the active one first."""
    return {"keys": [public_jwk(key, kid=kid_url(key)) for key in ring.keys]}


# Status lists ----------------------------------------------------------------------------


def bitstring(indexes: list[int]) -> bytes:
    """``STATUS_LIST_LENGTH`` bits, index 0 the first (most significant) bit of the first byte."""
    bits = bytearray(STATUS_LIST_LENGTH // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def encoded_list(bits: bytes) -> str:
    """GZIP, then base64url without padding, with the multibase prefix ``u`` (Bitstring Status List §3.2)."""
    compressed = gzip.compress(bits, compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def status_list_claims(*, number: int, bits: bytes, valid_from: datetime, issuer_name: str) -> dict:
    url = status_list_url(number)
    issuer = issuer_profile(name=issuer_name)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": moment(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(bits),
        },
        "iss": issuer["id"],
        "jti": url,
        "nbf": int(valid_from.timestamp()),
    }
