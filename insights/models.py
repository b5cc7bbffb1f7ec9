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


# The figures of a unit's day (``UnitDayFigure``'s counters): what the summary is rebuilt with and summed by.
SUMMARY_FIGURES = [
    "signups",
    "tutorials",
    "enrolled",
    "completed",
    "certificates",
    "lessons",
    "reminders_sent",
    "reminders_failed",
]


class UnitDayFigure(models.Model):
    """What happened on one local day among the people of one unit (``unit`` empty: people in no unit).

    A summary of the lower layers' rows, rebuilt by ``services.figures_rebuild`` (beat: the last two
    days every ten minutes, the last 400 days nightly), because counting a million lesson completions
    for every dashboard view costs more than the dashboard's time budget (docs/performance.md). Only
    additive figures: counts of distinct people over a period cannot be summed from days.
    """

    day = models.DateField(_("day"))
    unit = models.ForeignKey(
        "accounts.OrganisationUnit", verbose_name=_("organisation unit"), null=True, on_delete=models.CASCADE
    )
    signups = models.PositiveIntegerField(default=0)
    tutorials = models.PositiveIntegerField(default=0)
    enrolled = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    certificates = models.PositiveIntegerField(default=0)
    lessons = models.PositiveIntegerField(default=0)
    reminders_sent = models.PositiveIntegerField(default=0)
    reminders_failed = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("figures of a unit on a day")
        constraints = [
            models.UniqueConstraint(fields=["day", "unit"], name="insights_unitday_once"),
            models.UniqueConstraint(
                fields=["day"], condition=models.Q(unit__isnull=True), name="insights_unitday_once_no_unit"
            ),
        ]

    def __str__(self):
        return f"{self.day} {self.unit_id}"


# The one-stop system's figures (insights/uptake/): models of a sub-package, registered with the app here.
from .uptake.models import UptakeFigure, UptakeImport  # noqa: E402

__all__ = ["SUMMARY_FIGURES", "Dashboard", "UnitDayFigure", "UptakeFigure", "UptakeImport"]
