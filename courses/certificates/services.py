"""Certificates: issue, revoke, verify by code, print to PDF.

A certificate is issued once per completed enrolment of a course that grants one
(``Certificate.enrolment`` is one-to-one). It keeps a snapshot of the learner's name
and the course title, so later renames do not change what was certified.
"""

import base64
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
from core.localtime import date_display, local_date, months_add
from core.pdf import font_urls, pdf_from_html, qr_svg

from .. import hooks
from ..learning import events
from ..learning.models import Enrolment
from .badges.services import badge_status_ensure
from .models import (
    CERTIFICATE_CODE_ALPHABET,
    CERTIFICATE_CODE_LENGTH,
    Certificate,
    CertificateSetting,
    learner_name_normalise,
)

# A certificate was issued (``certificate=``), once, inside the transaction that created it: what the
# rooms above record of it (an xAPI statement, outreach/xapi). Subscribers: ``certificate_issued.subscribe``.
certificate_issued = events.Announcement("certificate issued")

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
        "learner_name": learner_name_normalise(enrolment.user.full_name),
        "course_title": course.title,
        "issued_at": issued_at,
        "expires_at": months_add(issued_at, months) if months else None,
        # The issuer in force now, kept on the certificate (a later change of the setting rewrites nothing).
        **CertificateSetting.load().snapshot(),
    }
    for _attempt in range(3):
        try:
            with transaction.atomic():
                certificate, created = Certificate.objects.get_or_create(enrolment=enrolment, defaults=defaults)
                if created:  # its Open Badges status index, once (courses/certificates/badges)
                    badge_status_ensure(certificate=certificate)
                    certificate_issued.announce(certificate=certificate)
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


class ReissueRefused(ValidationError):
    """The certificate cannot be issued again (revoked, or the name printed is already the current one)."""


def certificate_successor(*, certificate: Certificate) -> Certificate:
    """The certificate in force at the end of ``certificate``'s chain of re-issues (itself if not superseded)."""
    current = certificate
    for _step in range(100):  # a chain is short; never loop for ever on bad data
        if current.superseded_by_id is None:
            return current
        current = Certificate.objects.get(pk=current.superseded_by_id)
    return current


def certificate_reissue(*, certificate: Certificate, by: User | None) -> tuple[Certificate, bool]:
    """Issue ``certificate`` again with its holder's current name; the old one is marked superseded.

    The new certificate has a new code and the same course, issue date and expiry as the old one.
    Once per change: the old row is taken with a conditional update (``superseded_at IS NULL``) in the
    same transaction that creates the new one, so a double click or two requests at once make one new
    certificate; the loser gets the winner's. Returns (the certificate in force, whether it was made now).

    Raises ``ReissueRefused`` when the certificate is revoked or already bears the current name.
    """
    with transaction.atomic():
        old = Certificate.objects.select_for_update().select_related("user").get(pk=certificate.pk)
        if old.superseded_at is not None:
            return certificate_successor(certificate=old), False
        if old.revoked_at is not None:
            raise ReissueRefused(_("A revoked certificate cannot be issued again."), code="revoked")
        name = learner_name_normalise(old.user.full_name)
        if not name or name == learner_name_normalise(old.learner_name):
            raise ReissueRefused(
                _("This certificate already shows your current name: there is nothing to correct."), code="same_name"
            )
        now = timezone.now()
        taken = Certificate.objects.filter(pk=old.pk, superseded_at__isnull=True, revoked_at__isnull=True).update(
            enrolment=None,
            superseded_at=now,
            superseded_reason=Certificate.SupersededReason.NAME_CORRECTED,
            superseded_requested_by=by,
        )
        if not taken:  # another request got there between the read and the update (SQLite has no row lock)
            old.refresh_from_db()
            if old.superseded_at is None:
                raise ReissueRefused(_("A revoked certificate cannot be issued again."), code="revoked")
            return certificate_successor(certificate=old), False
        new = _certificate_copy(old=old, name=name)
        Certificate.objects.filter(pk=old.pk).update(superseded_by=new)
    logger.info("Certificate %s issued again as %s (name corrected)", old.code, new.code)
    certificate.refresh_from_db()
    return new, True


def _certificate_copy(*, old: Certificate, name: str) -> Certificate:
    fields = {
        "enrolment_id": old.enrolment_id,
        "user_id": old.user_id,
        "course_id": old.course_id,
        "learner_name": name,
        "course_title": old.course_title,
        "issued_at": old.issued_at,
        "expires_at": old.expires_at,
        "original_id": old.original_id or old.pk,
        # Issued again under the issuer it was first issued under (only the name is corrected).
        "issuer_name": old.issuer_name,
        "signer_name": old.signer_name,
        "signer_title": old.signer_title,
        "issued_place": old.issued_place,
        "signature_image_id": old.signature_image_id,
    }
    # ``old.enrolment_id`` is still the value read before the update let go of it.
    for _attempt in range(3):
        try:
            with transaction.atomic():
                new = Certificate.objects.create(**fields)
                badge_status_ensure(certificate=new)  # a new credential, with a status index of its own
                return new
        except IntegrityError:
            # A random code collided (very rarely): draw another.
            logger.warning("Certificate code collision re-issuing %s; retrying", old.code)
    raise IntegrityError(f"Could not issue certificate {old.pk} again")


# PDF --------------------------------------------------------------------------------


def certificate_qr_svg(*, url: str) -> str:
    """An inline SVG QR code of ``url`` (see core.pdf)."""
    return qr_svg(url)


SIGNATURE_RENDITION = "max-360x140"  # printed at most 45 × 18 mm: small, beside the signer's name


def certificate_signature_data_url(*, certificate: Certificate) -> str:
    """The signature image as a ``data:`` URL for WeasyPrint, or "" (none, deleted, or unreadable)."""
    image = certificate.signature_image
    if image is None:
        return ""
    try:
        rendition = image.get_rendition(SIGNATURE_RENDITION + "|format-png")
        with rendition.file.open("rb") as handle:
            content = handle.read()
    except Exception:  # a missing or broken file: the certificate prints without the image
        logger.warning("Signature image %s of certificate %s could not be read", image.pk, certificate.code)
        return ""
    return "data:image/png;base64," + base64.b64encode(content).decode("ascii")


def certificate_pdf_html(*, certificate: Certificate) -> str:
    url = certificate_verification_url(certificate=certificate)
    context = {
        "signature_url": certificate_signature_data_url(certificate=certificate),
        "issued_day": local_date(certificate.issued_at),
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
