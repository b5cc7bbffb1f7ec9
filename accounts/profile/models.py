"""A change of e-mail address waiting for its confirmation link (``accounts.profile.services``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EmailChange(models.Model):
    """A person asked to use ``new_email``; it replaces their address only when the link sent to it is opened.

    The link is this row's id, signed and timed (``services.email_change_token``); ``confirmed_at`` makes it
    single-use. A newer request replaces an older one still waiting (its link stops working).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="email_changes"
    )
    new_email = models.EmailField(_("new e-mail address"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail address change")
        verbose_name_plural = _("e-mail address changes")
        indexes = [models.Index(fields=["user", "requested_at"], name="accounts_emailchange_user")]
        default_permissions = ()

    def __str__(self):
        return f"{self.user_id}: {self.requested_at:%Y-%m-%d}"
