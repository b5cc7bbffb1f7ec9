"""Open Badges 3.0: a certificate's place in the revocation status list (docs/badges.md).

The credential itself is derived from the certificate whenever it is asked for (and signed the same
each time: Ed25519 signatures are deterministic); what must be remembered is its status index.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Bits in one status list: 16 KB, the Bitstring Status List's minimum (herd privacy).
STATUS_LIST_LENGTH = 16 * 1024 * 8


class BadgeStatusEntry(models.Model):
    """One index of the revocation status list, given to one certificate once and never again.

    The index is the row's id (an ``AUTOINCREMENT`` / sequence: never handed out twice, even after a
    deletion). The row outlives its certificate (an erased person's): the certificate becomes None
    and the bit stays set, so the index is not reused and a copy of the credential reads revoked.
    """

    certificate = models.OneToOneField(
        "courses.Certificate",
        verbose_name=_("certificate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="badge_status",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("digital badge status entry")
        verbose_name_plural = _("digital badge status entries")

    def __str__(self):
        return f"{self.list_number}#{self.list_index}"

    @property
    def list_number(self) -> int:
        """Lists are numbered from 1; each holds ``STATUS_LIST_LENGTH`` indexes."""
        return self.pk // STATUS_LIST_LENGTH + 1

    @property
    def list_index(self) -> int:
        return self.pk % STATUS_LIST_LENGTH
