"""The credentials as a third-party Open Badges 3.0 verifier sees them: openbadgeslib's ``OB3Verifier``
(its own JWT decoding through PyJWT, its structure and registered-claim checks, its Bitstring Status
List reader), given only the public key as published and the status list as served."""

import json
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from jwcrypto import jwk
from openbadgeslib.ob3 import OB3VerificationError, OB3Verifier

from courses.certificates.services import certificate_revoke

from .test_badges import certificate, course, learner  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def verifier_for(client, token):
    """An OB3Verifier holding the key the token's kid names, fetched from the site as a verifier would."""
    header = json.loads(jwk.base64url_decode(token.split(".")[0]))
    published = client.get(urlsplit(header["kid"]).path)
    assert published.status_code == 200
    pem = jwk.JWK.from_json(published.content).export_to_pem()
    return OB3Verifier(pubkey_pem=pem)


def fetcher(client):
    def download(url):
        response = client.get(urlsplit(url).path)
        assert response.status_code == 200, url
        return response.content

    return download


def test_openbadgeslib_verifies_the_credential_and_its_status(client, certificate):  # noqa: F811
    token = client.get(reverse("certificates:badge", args=[certificate.code])).content.decode()
    verifier = verifier_for(client, token)
    credential = verifier.verify(token, check_status=True, download=fetcher(client))
    assert credential.achievement.name == certificate.course_title

    certificate_revoke(certificate=certificate, by=None, reason="Cấp nhầm")
    with pytest.raises(OB3VerificationError, match=r"revocation.* is set at index"):
        verifier.verify(token, check_status=True, download=fetcher(client))


def test_openbadgeslib_refuses_a_tampered_credential(client, certificate):  # noqa: F811
    token = client.get(reverse("certificates:badge", args=[certificate.code])).content.decode()
    header, payload, signature = token.split(".")
    claims = json.loads(jwk.base64url_decode(payload))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Người Khác"
    forged = ".".join([header, jwk.base64url_encode(json.dumps(claims)), signature])
    with pytest.raises(OB3VerificationError):
        verifier_for(client, token).verify(forged)
