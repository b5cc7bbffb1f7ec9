"""The consent record: every change of a consent, appended, never edited (imported by ``accounts.models``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConsentRecord(models.Model):
    """One change of one person's consent: given or withdrawn, for a purpose on a channel.

    Written only by ``accounts.consent.services`` next to the change of ``Consent`` itself, with the
    privacy-notice version in force (``ACCOUNTS_PRIVACY_NOTICE_VERSION``). Rows are never changed;
    they go with the account when it is erased and are in the person's data export.
    ``channel`` is empty for an answer about every channel (service notices). ``source`` says where
    the change came from (``Source``); ``detail`` adds what (e.g. which campaign message's link).
    """

    class Source(models.TextChoices):
        SIGNUP = "signup", _("Sign-up form")
        SETTINGS = "settings", _("Notification settings")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")
        DEMO = "demo", _("Demo data")
        IMPORT = "import", _("Import")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="consent_records"
    )
    purpose = models.CharField(_("purpose"), max_length=30)
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    granted = models.BooleanField(_("given"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    source = models.CharField(_("how"), max_length=20, choices=Source.choices)
    detail = models.CharField(_("detail"), max_length=100, blank=True)
    notice_version = models.CharField(_("privacy notice version"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["user", "at"], name="accounts_consentrec_user_at")]

    def __str__(self):
        return f"{self.user_id}: {self.purpose}/{self.channel or '*'} {'+' if self.granted else '-'}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("The consent record is append-only.")
        super().save(*args, **kwargs)
