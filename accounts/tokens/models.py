"""A personal access token: shown once, stored hashed, with scopes and an expiry."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PersonalAccessToken(models.Model):
    """One program's right to read some of one person's data, until it expires or is revoked.

    The token itself (``kns_`` and 43 random characters, 256 bits) is shown once when it is made;
    only its SHA-256 is kept (a random secret of that length needs no slow hash), with its first
    characters (``prefix``) so that the person can tell their tokens apart.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="personal_access_tokens",
    )
    name = models.CharField(_("name"), max_length=80)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("beginning of the token"), max_length=16, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal access token")
        verbose_name_plural = _("personal access tokens")
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="accounts_token_expires_after_creation"
            ),
        ]
        indexes = [models.Index(fields=["user", "revoked_at"], name="accounts_token_user")]

    def __str__(self):
        return f"{self.prefix}… ({self.name})"

    def is_active(self, moment=None) -> bool:
        return self.revoked_at is None and self.expires_at > (moment or timezone.now())
