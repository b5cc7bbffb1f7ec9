"""Open Badges 3.0 credentials of certificates, checked with jwcrypto directly (never our signing code):
the keys as published, the JWS, the claims Open Badges 3.0 and VC Data Model 2.0 require, and the
revocation bit read from the status list by decoding it here (GZIP + base64url)."""

import base64
import gzip
import io
import json
import re
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from jwcrypto import jwk, jws

from courses.certificates.badges.keys import key_ring
from courses.certificates.services import certificate_issue, certificate_reissue, certificate_revoke
from courses.models import BadgeStatusEntry, Certificate, Enrolment
from courses.personal_data import erase
from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NAME = "Nguyễn Thị Hằng"
COURSE = "Dùng dịch vụ công trực tuyến"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = re.compile(r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context-3\.\d+\.\d+\.json$")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
MIN_BITS = 16 * 1024 * 8


@pytest.fixture
def course(home_page):
    return course_create(home_page, title=COURSE, slug="dich-vu-cong", issues_certificate=True)


@pytest.fixture
def learner(db):
    return UserFactory(full_name=NAME, email="hang@example.vn", phone="0912345678")


def issue(user, course, completed_at=None):
    enrolment = Enrolment.objects.create(
        user=user, course=course, completed_at=completed_at or datetime(2025, 1, 31, 10, 0, tzinfo=VN)
    )
    return certificate_issue(enrolment=enrolment)


@pytest.fixture
def certificate(course, learner):
    return issue(learner, course)


# An independent verifier: only HTTP and jwcrypto ------------------------------------------------


def path_of(url):
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https") and parts.netloc == "testserver", url
    return parts.path


def published_keys(client):
    response = client.get(reverse("certificates:badge_keys"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/jwk-set+json")
    keys = json.loads(response.content)
    assert all("d" not in key for key in keys["keys"]), "a private part is published"
    return jwk.JWKSet.from_json(response.content)


def jws_verify(client, token):
    """(header, payload) of a compact JWS verified against the site's published JWK Set; raises if not."""
    keys = published_keys(client)
    token_object = jws.JWS()
    token_object.deserialize(token)
    header = token_object.jose_header
    key = keys.get_key(header["kid"])
    assert key is not None, f"kid {header['kid']} is not published"
    token_object.verify(key, alg=header["alg"])
    return header, json.loads(token_object.payload)


def credential_fetch(client, certificate):
    response = client.get(reverse("certificates:badge", args=[certificate.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    return response.content.decode("ascii")


def status_bit(client, entry):
    """The bit of ``entry`` (a ``BitstringStatusListEntry``) read from its signed list, decoded here."""
    response = client.get(path_of(entry["statusListCredential"]))
    assert response.status_code == 200
    _header, status_list = jws_verify(client, response.content.decode("ascii"))
    assert "BitstringStatusListCredential" in status_list["type"]
    assert status_list["id"] == entry["statusListCredential"]
    subject = status_list["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == entry["statusPurpose"] == "revocation"
    encoded = subject["encodedList"]
    assert encoded.startswith("u")  # multibase base64url, no padding
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) * 8 >= MIN_BITS
    index = int(entry["statusListIndex"])
    return (raw[index // 8] >> (7 - index % 8)) & 1


# The credential -----------------------------------------------------------------------------------


def test_the_credential_verifies_with_the_published_key_and_has_what_ob3_and_vcdm2_require(client, certificate):
    token = credential_fetch(client, certificate)
    header, claims = jws_verify(client, token)

    assert header["alg"] in ("EdDSA", "ES256")
    assert header["typ"] == "vc+jwt"
    # kid is a URL that dereferences to the very key (Open Badges 3.0: "a URI … to a JWK").
    key_response = client.get(path_of(header["kid"]))
    assert key_response.status_code == 200
    assert (
        json.loads(key_response.content)["x"]
        == published_keys(client).get_key(header["kid"]).export_public(as_dict=True)["x"]
    )

    # VC Data Model 2.0
    assert claims["@context"][0] == VC_V2
    assert any(OB_V3.match(context) for context in claims["@context"][1:])
    assert claims["type"][0] == "VerifiableCredential" and "OpenBadgeCredential" in claims["type"]
    assert DATE_TIME.match(claims["validFrom"])
    assert datetime.fromisoformat(claims["validFrom"].replace("Z", "+00:00")) == certificate.issued_at
    assert "validUntil" not in claims  # the course's certificates do not expire
    # Open Badges 3.0: id a URL (and a stable one: it serves this credential), name, issuer Profile
    assert path_of(claims["id"]) == reverse("certificates:badge", args=[certificate.code])
    assert client.get(path_of(claims["id"])).content.decode() == token
    assert claims["name"]
    issuer = claims["issuer"]
    assert issuer["type"] == ["Profile"] and issuer["name"] and issuer["url"].startswith("http")
    profile = json.loads(client.get(path_of(issuer["id"])).content)
    assert profile["id"] == issuer["id"] and "Profile" in profile["type"]
    assert client.get(path_of(profile["jwks_uri"])).status_code == 200
    subject = claims["credentialSubject"]
    assert "AchievementSubject" in subject["type"]
    assert subject["identifier"] == [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": NAME}
    ]
    achievement = subject["achievement"]
    assert "Achievement" in achievement["type"]
    assert achievement["name"] == COURSE and achievement["description"] and achievement["criteria"]["narrative"]
    assert json.loads(client.get(path_of(achievement["id"])).content)["name"] == COURSE
    assert client.get(path_of(achievement["image"]["id"])).status_code in (200, 404)  # static files in tests
    # VC-JWT's registered claims mirror the credential.
    assert claims["iss"] == issuer["id"]
    assert claims["jti"] == claims["id"]
    assert claims["nbf"] == int(certificate.issued_at.timestamp())
    # The status entry (Bitstring Status List)
    status = claims["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    assert status["id"] == f"{status['statusListCredential']}#{status['statusListIndex']}"
    assert int(status["statusListIndex"]) == certificate.badge_status.list_index


def test_an_expiring_certificate_has_valid_until_and_exp(client, home_page, learner):
    course = course_create(
        home_page, title="Có hạn", slug="co-han", issues_certificate=True, certificate_validity_months=12
    )
    certificate = issue(learner, course)
    _header, claims = jws_verify(client, credential_fetch(client, certificate))
    assert datetime.fromisoformat(claims["validUntil"].replace("Z", "+00:00")) == certificate.expires_at
    assert claims["exp"] == int(certificate.expires_at.timestamp())


def test_the_json_download_envelopes_the_same_signed_credential(client, certificate):
    response = client.get(reverse("certificates:badge_json", args=[certificate.code]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"] and certificate.code in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["@context"] == [VC_V2] and data["type"] == "EnvelopedVerifiableCredential"
    media, token = data["id"].split(",", 1)
    assert media == "data:application/vc+jwt"
    assert token == credential_fetch(client, certificate)
    jws_verify(client, token)


@pytest.mark.parametrize("part", ["payload", "signature", "header"])
def test_a_tampered_credential_fails_verification(client, certificate, part):
    header, payload, signature = credential_fetch(client, certificate).split(".")

    def b64(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    def unb64(text):
        return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))

    if part == "payload":
        claims = unb64(payload)
        claims["credentialSubject"]["identifier"][0]["identityHash"] = "Người Khác"
        payload = b64(claims)
    elif part == "signature":
        raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
        raw[0] ^= 1
        signature = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    else:
        header = b64({**unb64(header), "cty": "json"})
    with pytest.raises(jws.InvalidJWSSignature):
        jws_verify(client, f"{header}.{payload}.{signature}")


# Revocation through the status list --------------------------------------------------------------


def test_revoking_sets_the_bit_at_once_and_the_list_revalidates_by_etag(client, certificate):
    _header, claims = jws_verify(client, credential_fetch(client, certificate))
    entry = claims["credentialStatus"]
    assert status_bit(client, entry) == 0
    list_path = path_of(entry["statusListCredential"])
    first = client.get(list_path)
    assert "public" in first["Cache-Control"] and first["Access-Control-Allow-Origin"] == "*"
    assert client.get(list_path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    certificate_revoke(certificate=certificate, by=None, reason="Cấp nhầm")

    again = client.get(list_path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and again["ETag"] != first["ETag"]
    assert status_bit(client, entry) == 1
    # The revoked certificate's credential is no longer offered (as its PDF): a copy reads revoked.
    assert client.get(reverse("certificates:badge", args=[certificate.code])).status_code == 404


def test_other_certificates_bits_stay_clear(client, course, certificate):
    other = issue(UserFactory(full_name="Trần Văn Bình"), course)
    certificate_revoke(certificate=certificate, by=None, reason="Cấp nhầm")
    _header, claims = jws_verify(client, credential_fetch(client, other))
    assert status_bit(client, claims["credentialStatus"]) == 0


def test_indexes_are_unique_and_never_reused_even_after_an_erasure(client, course, certificate):
    second_user = UserFactory(full_name="Lê Văn Cường")
    second = issue(second_user, course)
    _header, second_claims = jws_verify(client, credential_fetch(client, second))
    erase(second_user)
    assert not Certificate.objects.filter(pk=second.pk).exists()
    # The erased person's index stays spent, and a copy of their credential now reads revoked.
    assert status_bit(client, second_claims["credentialStatus"]) == 1
    third = issue(UserFactory(full_name="Phạm Thị Dung"), course)
    indexes = [certificate.badge_status.pk, second_claims["credentialStatus"]["statusListIndex"], third.badge_status.pk]
    assert int(indexes[2]) > int(indexes[1]) > int(indexes[0])
    assert BadgeStatusEntry.objects.count() == 3


def test_a_reissued_certificate_gets_a_new_credential_and_the_old_one_reads_revoked(client, certificate, learner):
    _header, old_claims = jws_verify(client, credential_fetch(client, certificate))
    learner.full_name = "Nguyễn Thị Hằng Nga"
    learner.save()
    new, created = certificate_reissue(certificate=certificate, by=learner)
    assert created
    _header, new_claims = jws_verify(client, credential_fetch(client, new))
    assert new_claims["id"] != old_claims["id"]
    assert new_claims["credentialSubject"]["identifier"][0]["identityHash"] == "Nguyễn Thị Hằng Nga"
    assert new_claims["credentialStatus"]["statusListIndex"] != old_claims["credentialStatus"]["statusListIndex"]
    assert status_bit(client, old_claims["credentialStatus"]) == 1
    assert status_bit(client, new_claims["credentialStatus"]) == 0
    old_page = client.get(reverse("certificates:verify", args=[certificate.code])).content.decode()
    assert 'data-badge-status="superseded"' in old_page
    new_page = client.get(reverse("certificates:verify", args=[new.code])).content.decode()
    assert 'data-badge-status="valid"' in new_page


# Who sees what ----------------------------------------------------------------------------------


def test_another_persons_credential_holds_only_what_their_verification_page_shows(client, certificate, learner):
    stranger = UserFactory(full_name="Người Lạ")
    client.force_login(stranger)
    token = credential_fetch(client, certificate)
    claims = jws_verify(client, token)[1]
    text = json.dumps(claims, ensure_ascii=False)
    for private in (learner.email, learner.phone, "0912"):
        assert private not in text
    # No identifier of the person beyond the printed name (no account id, e-mail or phone).
    assert set(claims["credentialSubject"]) == {"type", "identifier", "achievement"}
    assert token == credential_fetch(Client(), certificate)  # the same as anyone with the code gets
    page = client.get(reverse("certificates:verify", args=[certificate.code])).content.decode()
    assert NAME in page and COURSE in page


@pytest.mark.parametrize(
    "name,args",
    [
        ("certificates:badge", ["ZZZZZZZZZZZZ"]),
        ("certificates:badge", ["not-a-code"]),
        ("certificates:badge_json", ["ZZZZZZZZZZZZ"]),
        ("certificates:badge_key", ["no-such-key"]),
        ("certificates:badge_status", [0]),
        ("certificates:badge_status", [2]),
        ("certificates:badge_achievement", [999999]),
    ],
)
def test_bad_codes_and_ids_are_404s(client, certificate, name, args):
    assert client.get(reverse(name, args=args)).status_code == 404


def test_a_course_without_certificates_is_no_achievement(client, home_page):
    course = course_create(home_page, title="Không cấp", slug="khong-cap", issues_certificate=False)
    assert client.get(reverse("certificates:badge_achievement", args=[course.pk])).status_code == 404


def test_a_code_as_typed_redirects_to_its_credential(client, certificate):
    typed = "-".join(certificate.code[i : i + 4] for i in range(0, 12, 4)).lower()
    response = client.get(reverse("certificates:badge", args=[typed]))
    assert response.status_code == 301 and response["Location"] == reverse(
        "certificates:badge", args=[certificate.code]
    )


# The verification page --------------------------------------------------------------------------


def test_the_verification_page_shows_the_badge_and_its_state(client, certificate, english_interface):
    url = reverse("certificates:verify", args=[certificate.code])
    page = client.get(url).content.decode()
    assert "Digital badge (Open Badges 3.0)" in page
    assert 'data-badge-status="valid"' in page
    assert reverse("certificates:badge", args=[certificate.code]) in page
    assert reverse("certificates:badge_json", args=[certificate.code]) in page
    assert "OpenBadgeCredential" in page
    certificate_revoke(certificate=certificate, by=None, reason="Cấp nhầm")
    assert 'data-badge-status="revoked"' in client.get(url).content.decode()


def _badge_downloads_withdrawn(client, certificate):
    page = client.get(reverse("certificates:verify", args=[certificate.code])).content.decode()
    assert 'data-badge-downloads="withdrawn"' in page
    for name in ("certificates:badge", "certificates:badge_json"):
        url = reverse(name, args=[certificate.code])
        assert f'href="{url}"' not in page  # (the claims shown still name the credential's id)
        assert client.get(url).status_code == 404


def test_a_revoked_certificates_badge_is_no_longer_offered_nor_downloaded(client, certificate, learner):
    client.force_login(learner)
    pdf = reverse("certificates:pdf", args=[certificate.code])
    assert client.get(pdf).status_code == 200
    certificate_revoke(certificate=certificate, by=None, reason="Cấp nhầm")
    assert client.get(pdf).status_code == 404  # as the revoke form says: the holder no longer downloads it
    _badge_downloads_withdrawn(client, certificate)
    page = client.get(reverse("courses:my_learning")).content.decode()
    assert f'href="{reverse("certificates:badge", args=[certificate.code])}"' not in page
    client.logout()
    _badge_downloads_withdrawn(client, certificate)


def test_a_superseded_certificates_badge_is_no_longer_offered_nor_downloaded(client, certificate, learner):
    learner.full_name = "Nguyễn Thị Hằng Nga"
    learner.save()
    new, _created = certificate_reissue(certificate=certificate, by=learner)
    certificate.refresh_from_db()
    _badge_downloads_withdrawn(client, certificate)
    page = client.get(reverse("certificates:verify", args=[new.code])).content.decode()
    assert 'data-badge-downloads="withdrawn"' not in page
    assert client.get(reverse("certificates:badge_json", args=[new.code])).status_code == 200


def test_the_verification_page_says_it_in_vietnamese(client, certificate):
    page = client.get(reverse("certificates:verify", args=[certificate.code])).content.decode()
    with translation.override("vi"):
        assert gettext("Digital badge (Open Badges 3.0)") in page


def test_my_learning_offers_the_badge(client, certificate, learner):
    client.force_login(learner)
    page = client.get(reverse("courses:my_learning")).content.decode()
    assert reverse("certificates:badge", args=[certificate.code]) in page


# Keys --------------------------------------------------------------------------------------------


def test_a_rotated_key_stays_published_and_old_credentials_still_verify(client, certificate):
    old_token = credential_fetch(client, certificate)
    old_keys = json.loads(client.get(reverse("certificates:badge_keys")).content)["keys"]
    old_private = [json.loads(k.key.export_private()) for k in key_ring().keys]
    new_key = json.loads(jwk.JWK.generate(kty="EC", crv="P-256").export_private())
    with override_settings(BADGES_KEYS=json.dumps({"keys": [new_key, *old_private]})):
        assert settings.BADGES_KEYS
        new_token = credential_fetch(client, certificate)
        keys = json.loads(client.get(reverse("certificates:badge_keys")).content)["keys"]
        assert len(keys) == len(old_keys) + 1
        new_header, _claims = jws_verify(client, new_token)
        old_header, _claims = jws_verify(client, old_token)
        assert new_header["alg"] == "ES256" and new_header["kid"] != old_header["kid"]
    assert new_token != old_token


def test_development_generates_its_key_once_owner_only(tmp_path):
    path = tmp_path / "badge-keys.json"
    with override_settings(BADGES_KEYS="", BADGES_KEYS_FILE="", BADGES_DEV_KEYS_FILE=str(path)):
        first = key_ring().active.thumbprint
        assert path.stat().st_mode & 0o777 == 0o600
        assert json.loads(path.read_text())["keys"][0]["d"]
    with override_settings(BADGES_KEYS="", BADGES_KEYS_FILE=str(path), BADGES_DEV_KEYS_FILE="/nonexistent"):
        assert key_ring().active.thumbprint == first


def test_badge_key_new_prints_a_key_set_and_adds_before_old_keys(tmp_path):
    out = io.StringIO()
    call_command("badge_key_new", stdout=out)
    first = json.loads(out.getvalue())["keys"]
    assert len(first) == 1 and first[0]["crv"] == "Ed25519" and first[0]["d"]
    path = tmp_path / "keys.json"
    path.write_text(out.getvalue())
    out = io.StringIO()
    call_command("badge_key_new", "--add", str(path), stdout=out)
    rotated = json.loads(out.getvalue())["keys"]
    assert len(rotated) == 2 and rotated[1] == first[0]
    with override_settings(BADGES_KEYS=json.dumps({"keys": rotated})):
        assert key_ring().active.thumbprint == jwk.JWK(**rotated[0]).thumbprint()
        assert {k.thumbprint for k in key_ring().keys} == {jwk.JWK(**k).thumbprint() for k in rotated}
