"""Certificates: one per completed enrolment of a course that grants one, verifiable by its code."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from core.codes import READABLE_ALPHABET, readable_code_new

from ..learning.models import Enrolment

# Certificate codes: no look-alikes (no 0/O, 1/I/L), easy to read out and type.
CERTIFICATE_CODE_ALPHABET = READABLE_ALPHABET
CERTIFICATE_CODE_LENGTH = 12


def certificate_code_new():
    return readable_code_new(CERTIFICATE_CODE_LENGTH)


class Certificate(models.Model):
    """Issued once per completed enrolment of a course that grants one; verifiable by code."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")
        SUPERSEDED = "superseded", _("Superseded")

    class SupersededReason(models.TextChoices):
        NAME_CORRECTED = "name_corrected", _("Issued again with a corrected name")

    # The enrolment's current certificate. A superseded one lets go of it (None) for its successor,
    # so ``enrolment.certificate`` is always the one in force.
    enrolment = models.OneToOneField(
        Enrolment,
        verbose_name=_("enrolment"),
        on_delete=models.PROTECT,
        related_name="certificate",
        null=True,
        blank=True,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("learner"), on_delete=models.CASCADE, related_name="certificates"
    )
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.PROTECT, related_name="certificates"
    )
    code = models.CharField(_("code"), max_length=20, unique=True, default=certificate_code_new, editable=False)
    # Snapshots: the certificate shows what was true when it was issued.
    learner_name = models.CharField(_("learner name"), max_length=255)
    course_title = models.CharField(_("course title"), max_length=255)
    # The issuer and signature block in force when it was issued (``CertificateSetting``), so a later
    # change of the setting does not rewrite what was issued; a re-issue copies them. Empty on
    # certificates issued before the setting existed (they print no issuer).
    issuer_name = models.CharField(_("issuing authority"), max_length=255, blank=True)
    signer_name = models.CharField(_("signed by"), max_length=255, blank=True)
    signer_title = models.CharField(_("signer's title"), max_length=255, blank=True)
    issued_place = models.CharField(_("place of issue"), max_length=255, blank=True)
    signature_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("signature image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revoking"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Issued again (``services.certificate_reissue``): the old one points at its one successor.
    superseded_by = models.OneToOneField(
        "self",
        verbose_name=_("superseded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supersedes",
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    superseded_reason = models.CharField(
        _("reason for issuing again"), max_length=20, choices=SupersededReason.choices, blank=True
    )
    superseded_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued again at the request of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The first certificate of a chain of re-issues (None: this is the first). Notices about a
    # certificate are keyed by it, so a re-issued certificate is not announced twice.
    original = models.ForeignKey(
        "self", verbose_name=_("first issued as"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("issued_at")),
                name="courses_certificate_expires_after_issue",
            ),
            # A superseded certificate names when and why, and holds no enrolment any more.
            models.CheckConstraint(
                condition=Q(superseded_at__isnull=True, superseded_by__isnull=True)
                | Q(superseded_at__isnull=False, enrolment__isnull=True),
                name="courses_certificate_superseded_consistent",
            ),
        ]

    def __str__(self):
        return f"{self.code} – {self.learner_name}"

    def status_at(self, moment=None):
        moment = moment or timezone.now()
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.superseded_at is not None:
            return self.Status.SUPERSEDED
        if self.expires_at is not None and self.expires_at <= moment:
            return self.Status.EXPIRED
        return self.Status.VALID

    @property
    def status(self):
        return self.status_at()

    @property
    def in_force(self) -> bool:
        """Neither revoked nor superseded by a re-issue: its files (PDF for the holder, badge) may be downloaded."""
        return self.revoked_at is None and self.superseded_at is None

    @property
    def name_is_outdated(self) -> bool:
        """The holder's name now differs from the one printed (and this certificate may be issued again)."""
        if self.revoked_at is not None or self.superseded_at is not None or self.user_id is None:
            return False
        return learner_name_normalise(self.user.full_name) != learner_name_normalise(self.learner_name)


def learner_name_normalise(name: str) -> str:
    """The name as printed: single spaces, no spaces around."""
    return " ".join((name or "").split())


@register_setting(icon="doc-full")
class CertificateSetting(BaseGenericSetting):
    """Who issues the certificates and who signs them: edited by the training office (one row).

    Copied onto each certificate when it is issued (``services.certificate_issue``): changing it
    changes the certificates issued from then on, never those already issued.
    """

    issuer_name = models.CharField(
        _("issuing authority"),
        max_length=255,
        blank=True,
        help_text=_(
            "Printed on the certificate and named on its verification page, "
            "e.g. the Department of Science and Technology of the province."
        ),
    )
    signer_name = models.CharField(_("signed by"), max_length=255, blank=True)
    signer_title = models.CharField(
        _("signer's title"), max_length=255, blank=True, help_text=_("For example: Director.")
    )
    signature_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("signature image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Optional: a scan of the signature (and seal), printed small above the signer's name."),
    )
    issued_place = models.CharField(
        _("place of issue"),
        max_length=255,
        blank=True,
        help_text=_("Optional: printed before the date, e.g. the provincial capital."),
    )

    class Meta:
        verbose_name = _("certificate issuer")
        verbose_name_plural = _("certificate issuer")

    def snapshot(self) -> dict:
        """The fields a certificate keeps from this setting when it is issued (spaces collapsed)."""
        return {
            "issuer_name": learner_name_normalise(self.issuer_name),
            "signer_name": learner_name_normalise(self.signer_name),
            "signer_title": learner_name_normalise(self.signer_title),
            "issued_place": learner_name_normalise(self.issued_place),
            "signature_image_id": self.signature_image_id,
        }
