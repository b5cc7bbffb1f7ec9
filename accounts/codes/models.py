"""One-time codes: stored as a keyed hash only, short-lived, a few tries, used once.

Imported by ``accounts.models`` (Django finds the model there).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OneTimeCode(models.Model):
    """A code sent to one address (a phone number or an e-mail address) for one purpose.

    ``code_hash`` is an HMAC of the code (keyed with ``SECRET_KEY``): the code itself is never
    stored. At most one live code (``spent_at`` empty) per purpose and address
    (``accounts_onetimecode_one_live``): issuing a new one spends the old (superseded).
    """

    class Purpose(models.TextChoices):
        SIGN_UP = "sign_up", _("Sign-up confirmation")
        PASSWORD_RESET = "password_reset", _("Password reset")
        ACTIVATION = "activation", _("Account activation (invitation)")
        PHONE_CHANGE = "phone_change", _("Phone number change")
        # A citizen agrees to be helped at the counter (courses.assisted).
        ASSISTED_CONSENT = "assisted_consent", _("Assisted session consent")

    class Outcome(models.TextChoices):
        USED = "used", _("Used")
        SUPERSEDED = "superseded", _("Replaced by a newer code")
        TOO_MANY_TRIES = "too_many_tries", _("Too many wrong tries")
        CANCELLED = "cancelled", _("Cancelled")

    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    address = models.CharField(_("sent to"), max_length=254)
    user = models.ForeignKey(
        "accounts.User", verbose_name=_("person"), on_delete=models.CASCADE, related_name="one_time_codes"
    )
    code_hash = models.CharField(_("code (hashed)"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    spent_at = models.DateTimeField(_("spent at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    # Who asked for it to be sent (an invitation: the training office member), and the sending run
    # it belongs to (an invitation task: sending twice sends once).
    sent_by = models.ForeignKey(
        "accounts.User", verbose_name=_("sent by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reference = models.CharField(_("reference"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "address"], condition=Q(spent_at__isnull=True), name="accounts_onetimecode_one_live"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "purpose"], name="accounts_otc_user_purpose"),
            models.Index(fields=["expires_at"], name="accounts_otc_expires"),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} → {self.user_id}"

    @property
    def is_live(self) -> bool:
        return self.spent_at is None and self.expires_at > timezone.now()
