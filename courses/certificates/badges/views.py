"""Open Badges 3.0, public like the verification page: a certificate's credential, the keys, the issuer,
the achievements and the status lists (docs/badges.md). Nothing here needs a session."""

import json

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_safe

from ...learning.pages import CoursePage
from ..models import Certificate, CertificateSetting
from ..services import code_is_well_formed, code_normalise
from .credentials import MEDIA_TYPE, OB_CONTEXT, VC_CONTEXT, absolute, achievement, issuer_profile, kid_url
from .keys import key_ring, public_jwk
from .selectors import published_keys, status_list, status_list_count
from .services import badge_credential_enveloped, badge_credential_jwt

KEYS_MAX_AGE = 3600  # a new key is published before it signs (docs/badges.md: rotation)


def _public(response, *, max_age: int | None = None):
    # Verifiers (a wallet, the 1EdTech validator in a browser) fetch these from other origins.
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Robots-Tag"] = "noindex"
    if max_age is not None:
        patch_cache_control(response, public=True, max_age=max_age)
    return response


def _json(data: dict, *, content_type: str = "application/json", status: int = 200) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return HttpResponse(body, content_type=f"{content_type}; charset=utf-8", status=status)


def _certificate_in_force(code: str) -> Certificate | None:
    """The certificate whose badge may be downloaded: a revoked or superseded one's is not offered any more
    (404, as its PDF answers its holder); copies already downloaded read revoked in the status list."""
    if not code_is_well_formed(code=code):
        return None
    certificate = Certificate.objects.filter(code=code).select_related("badge_status").first()
    if certificate is None or not certificate.in_force:
        return None
    return certificate


def _normalised_redirect(name: str, code: str):
    normalised = code_normalise(raw=code)
    if normalised != code and code_is_well_formed(code=normalised):
        return redirect(name, normalised, permanent=True)
    return None


@require_safe
def badge_jwt(request, code):
    """The signed credential (VC-JOSE compact JWS), downloaded as ``.jwt``; also its ``id`` URL."""
    moved = _normalised_redirect("certificates:badge", code)
    if moved:
        return moved
    certificate = _certificate_in_force(code)
    if certificate is None:
        raise Http404
    response = HttpResponse(badge_credential_jwt(certificate=certificate), content_type=MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="huy-hieu-{certificate.code}.jwt"'
    return _public(response, max_age=0)


@require_safe
def badge_json(request, code):
    """The same credential as JSON: a VC Data Model 2.0 ``EnvelopedVerifiableCredential`` holding the JWT."""
    moved = _normalised_redirect("certificates:badge_json", code)
    if moved:
        return moved
    certificate = _certificate_in_force(code)
    if certificate is None:
        raise Http404
    response = _json(badge_credential_enveloped(certificate=certificate), content_type="application/vc+ld+json")
    response["Content-Disposition"] = f'attachment; filename="huy-hieu-{certificate.code}.json"'
    return _public(response, max_age=0)


@require_safe
def badge_keys(request):
    """The JWK Set of every key the site signs (or signed) credentials with."""
    return _public(_json(published_keys(), content_type="application/jwk-set+json"), max_age=KEYS_MAX_AGE)


@require_safe
def badge_key(request, thumbprint):
    """One public key by its thumbprint: what a credential's ``kid`` URL dereferences to."""
    key = key_ring().by_thumbprint(thumbprint)
    if key is None:
        raise Http404
    return _public(_json(public_jwk(key, kid=kid_url(key)), content_type="application/jwk+json"), max_age=KEYS_MAX_AGE)


@require_safe
def badge_issuer(request):
    """The issuer's ``Profile``, with where its keys are published."""
    profile = {"@context": [VC_CONTEXT, OB_CONTEXT], **issuer_profile(name=CertificateSetting.load().issuer_name)}
    # Not an Open Badges term (VCDM 2.0's @vocab makes it an issuer-dependent one): where the keys are.
    profile["jwks_uri"] = absolute(reverse("certificates:badge_keys"))
    return _public(_json(profile), max_age=KEYS_MAX_AGE)


@require_safe
def badge_achievement(request, course_id):
    """A course that grants certificates, as the ``Achievement`` its credentials name."""
    course = CoursePage.objects.live().filter(pk=course_id, issues_certificate=True).first()
    if course is None:
        raise Http404
    return _public(_json(achievement(course_id=course.pk, title=course.title)), max_age=KEYS_MAX_AGE)


@require_safe
def badge_status(request, number):
    """A signed ``BitstringStatusListCredential``: cacheable, revalidated by its ETag, changed at once."""
    if number < 1 or number > status_list_count():
        raise Http404
    found = status_list(number=number)
    # Weak: the same bits may come re-signed (a later validFrom) once the cached token is gone.
    etag = f'W/"{found.etag}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return _public(not_modified)
    response = HttpResponse(found.token, content_type=MEDIA_TYPE)
    response["ETag"] = etag
    max_age = settings.BADGES_STATUS_LIST_MAX_AGE
    if max_age:
        patch_cache_control(response, public=True, max_age=max_age)
    else:  # stored by caches, but asked again (a 304 while no bit changed) before every use
        patch_cache_control(response, public=True, no_cache=True)
    return _public(response)
