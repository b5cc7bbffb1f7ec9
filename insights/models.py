"""Insights keeps no data of its own: figures are computed from the lower layers (``selectors``).

``Dashboard`` is an unmanaged model without a table: it only carries the permissions.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Dashboard(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = _("operations dashboard")
        permissions = [
            ("view_dashboard", _("Can see the operations dashboard")),
            ("view_province", _("Can see the figures of the whole province")),
            ("view_small_figures", _("Can see figures of small groups (training office)")),
        ]

    def __str__(self):
        return str(self._meta.verbose_name)
