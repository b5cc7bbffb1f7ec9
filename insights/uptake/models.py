"""The one-stop system's monthly figures and the uploads that bring them (both aggregate: no person)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UptakeImport(models.Model):
    """One upload of the one-stop system's figures: checked (dry run), then imported all or nothing.

    The file's bytes are kept until the import; the summary keeps the counts and every wrong row.
    """

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked")
        APPLIED = "applied", _("Imported")
        FAILED = "failed", _("Failed")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"), editable=False, null=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CHECKED)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    applied_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("online service figures import")
        default_permissions = ()
        permissions = [("import_uptake", _("Can import the one-stop system's figures"))]
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.file_name


class UptakeFigure(models.Model):
    """Applications to one public service in one unit in one month, online and on paper.

    ``month`` is the month's first day. One row per (service, unit, month): a newer figure replaces it.
    """

    service = models.ForeignKey(
        "courses.PublicService", verbose_name=_("public service"), on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        "accounts.OrganisationUnit", verbose_name=_("organisation unit"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month"))
    online = models.PositiveIntegerField(_("applications online"))
    paper = models.PositiveIntegerField(_("applications on paper"))
    source = models.ForeignKey(
        UptakeImport, verbose_name=_("import"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("online service figure")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["service", "unit", "month"], name="insights_uptakefigure_once"),
        ]
        indexes = [models.Index(fields=["month"], name="insights_uptake_month")]

    def __str__(self):
        return f"{self.service_id} {self.unit_id} {self.month:%m/%Y}"
