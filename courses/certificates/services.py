"""Certificates: issue, revoke, verify by code, print to PDF.

A certificate is issued once per completed enrolment of a course that grants one
(``Certificate.enrolment`` is one-to-one). It keeps a snapshot of the learner's name
and the course title, so later renames do not change what was certified.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.models import User
from core.codes import readable_code_is_well_formed, readable_code_normalise
from core.localtime import date_display, months_add
from core.pdf import font_urls, pdf_from_html, qr_svg

from .. import hooks
from ..learning import events
from ..learning.models import Enrolment
from .models import CERTIFICATE_CODE_ALPHABET, CERTIFICATE_CODE_LENGTH, Certificate

logger = logging.getLogger(__name__)

CODE_ALPHABET = CERTIFICATE_CODE_ALPHABET
CODE_LENGTH = CERTIFICATE_CODE_LENGTH

# Codes ------------------------------------------------------------------------------


def code_normalise(*, raw: str) -> str:
    """The code as stored: capitals, without the separators people type (see core.codes)."""
    return readable_code_normalise(raw)


def code_is_well_formed(*, code: str) -> bool:
    return readable_code_is_well_formed(code, CODE_LENGTH)


def code_display(*, code: str) -> str:
    """ABCD-EFGH-JKMN: easier to read out and type. Lookups accept it as typed."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def certificate_by_code(*, raw: str) -> Certificate | None:
    """The certificate with this code (normalised first), or None."""
    code = code_normalise(raw=raw)
    if not code_is_well_formed(code=code):
        return None
    return Certificate.objects.filter(code=code).first()


def certificate_verification_url(*, certificate: Certificate | str) -> str:
    """The absolute public verification URL (Vietnamese), printed on the PDF as a QR code."""
    code = getattr(certificate, "code", certificate)
    with translation.override("vi"):
        path = reverse("certificates:verify", args=[code])
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


# Issue and revoke -------------------------------------------------------------------


def certificate_issue(*, enrolment: Enrolment) -> Certificate | None:
    """The certificate of a completed enrolment: created once, returned again after that.

    Subscribed to ``learning.events.course_completed`` (``subscribe_to_learning``).

    None when the enrolment is not completed or the course grants no certificate. Safe
    to call twice or concurrently (the one-to-one enrolment decides who wins).
    """
    if enrolment.completed_at is None:
        return None
    course = enrolment.course
    if not course.issues_certificate:
        return None
    issued_at = enrolment.completed_at
    months = course.certificate_validity_months
    defaults = {
        "user_id": enrolment.user_id,
        "course": course,
        "learner_name": enrolment.user.full_name.strip(),
        "course_title": course.title,
        "issued_at": issued_at,
        "expires_at": months_add(issued_at, months) if months else None,
    }
    for _attempt in range(3):
        try:
            with transaction.atomic():
                certificate, _created = Certificate.objects.get_or_create(enrolment=enrolment, defaults=defaults)
            return certificate
        except IntegrityError:
            # Another request issued it first, or (very rarely) the random code collided: retry.
            existing = Certificate.objects.filter(enrolment=enrolment).first()
            if existing is not None:
                return existing
            logger.warning("Certificate code collision for enrolment %s; retrying", enrolment.pk)
    raise IntegrityError(f"Could not issue a certificate for enrolment {enrolment.pk}")


def certificate_revoke(*, certificate: Certificate, by: User | None, reason: str) -> Certificate:
    """Revoke ``certificate`` (a reason is required). Revoking again keeps the first revocation."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for revoking this certificate."), code="reason_required")
    now = timezone.now()
    with transaction.atomic():
        updated = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by, revoked_reason=reason
        )
        if updated:
            # The owner is told (outreach, after commit); revoking again tells nobody again.
            hooks.notice_hooks_run(event=hooks.CERTIFICATE_REVOKED, pk=certificate.pk)
    certificate.refresh_from_db(fields=["revoked_at", "revoked_by", "revoked_reason"])
    if updated:
        logger.info("Certificate %s revoked by user %s", certificate.code, getattr(by, "pk", None))
    return certificate


# PDF --------------------------------------------------------------------------------


def certificate_qr_svg(*, url: str) -> str:
    """An inline SVG QR code of ``url`` (see core.pdf)."""
    return qr_svg(url)


def certificate_pdf_html(*, certificate: Certificate) -> str:
    url = certificate_verification_url(certificate=certificate)
    context = {
        "certificate": certificate,
        "code": code_display(code=certificate.code),
        "issued": date_display(certificate.issued_at),
        "expires": date_display(certificate.expires_at),
        "verification_url": url,
        # Built by qrcode from the URL alone: nothing a learner typed reaches the markup unescaped.
        "qr_svg": mark_safe(certificate_qr_svg(url=url)),  # noqa: S308
        "fonts": font_urls(),
    }
    with translation.override("vi"):
        return render_to_string("courses/certificates/certificate_pdf.html", context)


def certificate_pdf(*, certificate: Certificate) -> bytes:
    """The certificate as a one-page A4 landscape PDF (bytes)."""
    return pdf_from_html(certificate_pdf_html(certificate=certificate))


def subscribe_to_learning() -> None:
    """Called from ``CoursesConfig.ready``: a completed course issues its certificate (same transaction)."""
    events.course_completed.subscribe(certificate_issue)
