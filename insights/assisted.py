"""The dashboard's "Assisted learning at the counter" section: assisted sessions and services completed at
the counter per unit (commune) and per helper, for the viewer's scope and period (``courses.assisted``).

Counted by the time the citizen agreed (``consent_at``). The one suppression rule applies
(``tables.Table.finalise``): outside the training office a figure of 1 to 4 says "fewer than 5", never 0,
and totals are true. A session the citizen withdrew counts for its unit, in the helpers' table on a row of
its own ("access withdrawn"): it names no helper any more.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrganisationUnit
from courses.assisted.selectors import assisted_counts

from .period import Period
from .scope import Scope, scope_paths
from .tables import Column, Table, TableRow

COLUMNS = [
    Column("sessions", gettext_lazy("Assisted sessions")),
    Column("services", gettext_lazy("Services completed at the counter")),
]


def assisted_tables(*, scope: Scope, unit: OrganisationUnit | None, period: Period, suppress: bool) -> dict[str, Table]:
    """{"assisted_units": …, "assisted_helpers": …}, finalised."""
    start, end = period.bounds()
    counts = assisted_counts(unit_paths=scope_paths(scope=scope, unit=unit), start=start, end=end)
    units = OrganisationUnit.objects.in_bulk([pk for pk in counts.by_unit if pk is not None])
    unit_rows = [
        TableRow(label=units[pk].name, values=values, unit=units[pk], kind="item")
        for pk, values in counts.by_unit.items()
        if pk is not None
    ]
    unit_rows.sort(key=lambda row: row.unit.path if row.unit else "")
    if None in counts.by_unit:
        unit_rows.append(TableRow(label=_("No unit"), values=counts.by_unit[None], kind="none"))
    helper_rows = [
        TableRow(label=counts.helper_names.get(pk, ""), values=values, kind="item", key=pk)
        for pk, values in counts.by_helper.items()
        if pk is not None
    ]
    helper_rows.sort(key=lambda row: row.label.casefold())
    if None in counts.by_helper:
        helper_rows.append(
            TableRow(label=_("Access withdrawn by the citizen"), values=counts.by_helper[None], kind="other")
        )
    return {
        "assisted_units": Table(
            key="assisted_units",
            title=_("Assisted sessions by unit"),
            label_header=_("Unit"),
            columns=COLUMNS,
            rows=unit_rows,
        ).finalise(suppress=suppress),
        "assisted_helpers": Table(
            key="assisted_helpers",
            title=_("Assisted sessions by helper"),
            label_header=_("Helper"),
            columns=COLUMNS,
            rows=helper_rows,
        ).finalise(suppress=suppress),
    }
