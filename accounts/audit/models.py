"""One row per authentication or account-security event (``accounts.audit.services.auth_event_record``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuthEvent(models.Model):
    """Something that happened to an account's security, written once, never edited.

    ``actor`` did it (None: the system, an anonymous visitor, or an erased account); ``subject``
    is the account it happened to. Both are detached (not deleted) when an account is erased.
    """

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        LOCKOUT = "lockout", _("Locked out")
        PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
        PASSWORD_RESET_DONE = "password_reset_done", _("Password reset done")
        ROLE_CHANGED = "role_changed", _("Roles changed")
        TWO_FACTOR_SET_UP = "two_factor_set_up", _("Two-step verification set up")
        TWO_FACTOR_VERIFIED = "two_factor_verified", _("Two-step verification passed")
        TWO_FACTOR_FAILED = "two_factor_failed", _("Two-step verification failed")
        TWO_FACTOR_RESET = "two_factor_reset", _("Two-step verification reset")
        RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated", _("Recovery codes regenerated")
        EXPORT = "export", _("Export")
        ERASURE = "erasure", _("Personal data erased")
        NAME_CHANGED = "name_changed", _("Name changed")
        EMAIL_CHANGE_REQUESTED = "email_change_requested", _("E-mail change requested")
        EMAIL_CHANGED = "email_changed", _("E-mail address changed")
        EMAIL_REMOVED = "email_removed", _("E-mail address removed")
        PHONE_CHANGE_REQUESTED = "phone_change_requested", _("Phone change requested")
        PHONE_CHANGED = "phone_changed", _("Phone number changed")

    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="auth_events_made",
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="auth_events",
    )
    client_address = models.CharField(_("client address"), max_length=64, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("auth event")
        verbose_name_plural = _("auth events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["kind", "at"], name="accounts_authevent_kind_at"),
            models.Index(fields=["subject", "at"], name="accounts_authevent_subject_at"),
            models.Index(fields=["actor", "at"], name="accounts_authevent_actor_at"),
            models.Index(fields=["at"], name="accounts_authevent_at"),
        ]
        # Nobody edits the log by hand; only the viewset's own rule (superusers) reads it.
        default_permissions = ()

    def __str__(self):
        return f"{self.get_kind_display()} {self.get_at_display()}"

    def get_at_display(self) -> str:
        """dd/mm/yyyy hh:mm:ss in the site's time zone (the admin's listing and inspect view show this)."""
        return timezone.localtime(self.at).strftime("%d/%m/%Y %H:%M:%S")
