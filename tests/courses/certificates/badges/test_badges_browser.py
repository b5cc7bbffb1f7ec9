"""The badge as a person meets it: the verification page on a 360 px phone (no sideways scroll, no WCAG
violation, its JSON shown without JavaScript), and the .jwt the browser downloads verifies with jwcrypto."""

import json
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from jwcrypto import jwk, jws

from tests.support.browser import axe_violations

from .test_badges import certificate, course, learner  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_verification_page_shows_and_downloads_the_badge_on_a_phone(
    live_server,
    certificate,  # noqa: F811
    axe_source,
    page,
):
    page.goto(live_server.url + reverse("certificates:verify", args=[certificate.code]))
    section = page.locator("[data-badge]")
    assert section.locator("[data-badge-status=valid]").count() == 1
    section.locator("summary").click()
    assert "OpenBadgeCredential" in section.locator("pre").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert axe_violations(page, axe_source) == []
    artifacts = Path(settings.BASE_DIR) / "tests" / "artifacts"  # ignored by git: to look at
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "badge-verify-360.png"), full_page=True)

    with page.expect_download() as download_info:
        section.locator(f"a[href='{reverse('certificates:badge', args=[certificate.code])}']").click()
    download = download_info.value
    assert download.suggested_filename == f"huy-hieu-{certificate.code}.jwt"
    token = Path(download.path()).read_text(encoding="ascii")

    with urllib.request.urlopen(live_server.url + reverse("certificates:badge_keys")) as response:  # noqa: S310
        keys = jwk.JWKSet.from_json(response.read())
    verified = jws.JWS()
    verified.deserialize(token)
    verified.verify(keys.get_key(verified.jose_header["kid"]), alg=verified.jose_header["alg"])
    subject = json.loads(verified.payload)["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == certificate.learner_name
