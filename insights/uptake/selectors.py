"""Reads of the one-stop system's figures: month by month, before and after each milestone, and the public page's.

The online share is online ÷ (online + paper) over the months summed. Figures are placed in the
unit they were imported for (a commune, usually); a part of the organisation is a set of path
prefixes (``insights.scope``). Tables are finalised with the one suppression rule
(``insights.tables``): small counts read "fewer than 5", never 0.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrganisationUnit
from core.localtime import local_today, months_add
from courses.learning.models import PublicService

from ..models import UptakeFigure
from ..scope import units_q
from ..suppression import COMPLEMENT, Cell
from ..tables import Column, Table, TableRow
from .milestones import Milestone, milestones
from .services import PUBLIC_CACHE_KEY

WINDOW_MONTHS = 6  # months compared before and after a milestone (its own month left out)
CHART_MONTHS = 24  # months shown month by month at most (the latest)
PUBLIC_MONTHS = 12

MONTH_COLUMNS = [
    Column("online", gettext_lazy("Applications online")),
    Column("paper", gettext_lazy("Applications on paper")),
    Column("all", gettext_lazy("All applications")),
    Column("share", gettext_lazy("Online share"), kind="rate", numerator="online", denominator="all"),
]
BEFORE_AFTER_COLUMNS = [
    Column("online_before", gettext_lazy("Online, before")),
    Column("all_before", gettext_lazy("All, before")),
    Column("share_before", gettext_lazy("Online share before"), "rate", "online_before", "all_before"),
    Column("online_after", gettext_lazy("Online, after")),
    Column("all_after", gettext_lazy("All, after")),
    Column("share_after", gettext_lazy("Online share after"), "rate", "online_after", "all_after"),
    Column("change", gettext_lazy("Change (percentage points)"), kind="points"),
]
PUBLIC_COLUMNS = [
    Column("online", gettext_lazy("Applications online")),
    Column("all", gettext_lazy("All applications")),
    Column("share", gettext_lazy("Online share"), kind="rate", numerator="online", denominator="all"),
]

Sums = dict[int, dict[datetime.date, tuple[int, int]]]  # service or unit id → month → (online, paper)


def figures(*, paths: list[str] | None) -> QuerySet[UptakeFigure]:
    """The figures of the units under ``paths`` (None: everywhere)."""
    queryset = UptakeFigure.objects.all()
    if paths is not None:
        queryset = queryset.filter(unit__in=OrganisationUnit.objects.filter(units_q(paths=paths)).values("pk"))
    return queryset


def services_with_figures(*, paths: list[str] | None) -> list[PublicService]:
    """The public services that have figures in this part of the organisation, by name."""
    ids = figures(paths=paths).values("service_id").distinct()
    return list(PublicService.objects.filter(pk__in=ids).order_by("name", "pk"))


def _sums(queryset: QuerySet[UptakeFigure], by: str) -> Sums:
    sums: Sums = {}
    for row in queryset.values(by, "month").annotate(on=Sum("online"), off=Sum("paper")).order_by():
        sums.setdefault(row[by], {})[row["month"]] = (row["on"] or 0, row["off"] or 0)
    return sums


def _add(values: dict, prefix: str, online: int, paper: int) -> None:
    values[f"online{prefix}"] = values.get(f"online{prefix}", 0) + online
    values[f"paper{prefix}"] = values.get(f"paper{prefix}", 0) + paper
    values[f"all{prefix}"] = values.get(f"all{prefix}", 0) + online + paper


def _month_label(month: datetime.date) -> str:
    return month.strftime("%m/%Y")


# Month by month ----------------------------------------------------------------------------------


def monthly(
    *, paths: list[str] | None, service: PublicService | None, suppress: bool, today: datetime.date | None = None
) -> tuple[Table, dict[datetime.date, list[Milestone]]]:
    """(the months' table, {month: milestones}) of one service or every service, the latest CHART_MONTHS months."""
    queryset = figures(paths=paths)
    if service is not None:
        queryset = queryset.filter(service=service)
    by_month: dict[datetime.date, list[int]] = {}
    for found in queryset.values("month").annotate(on=Sum("online"), off=Sum("paper")).order_by("month"):
        by_month[found["month"]] = [found["on"] or 0, found["off"] or 0]
    months: list[datetime.date] = []
    if by_month:
        first, last = min(by_month), max(by_month)
        first = max(first, months_add(last, -(CHART_MONTHS - 1)))
        month = first
        while month <= last:
            months.append(month)
            month = months_add(month, 1)
    rows = []
    for month in months:
        row = TableRow(label=_month_label(month), kind="item", key=month)
        online, paper = by_month.get(month, (0, 0))
        _add(row.values, "", online, paper)
        rows.append(row)
    table = Table(
        key="uptake-months",
        title=_("Online share month by month"),
        label_header=_("Month"),
        columns=list(MONTH_COLUMNS),
        rows=rows,
    ).finalise(suppress=suppress)
    marks: dict[datetime.date, list[Milestone]] = {}
    if service is not None:  # every service's milestones in one chart would say nothing
        for milestone in milestones(service_ids=[service.pk]):
            month = milestone.day.replace(day=1)
            if milestone.unit_id is None or _unit_in(milestone.unit_id, paths):
                marks.setdefault(month, []).append(milestone)
    return table, marks


def _unit_in(unit_id: int, paths: list[str] | None) -> bool:
    if paths is None:
        return True
    return OrganisationUnit.objects.filter(units_q(paths=paths), pk=unit_id).exists()


# Before and after -----------------------------------------------------------------------------------


@dataclass
class Windows:
    before: tuple[datetime.date, datetime.date]  # first and last month, both included
    after: tuple[datetime.date, datetime.date]


def windows(*, day: datetime.date, months: int = WINDOW_MONTHS) -> Windows:
    """The ``months`` whole months before a milestone's month, and the ``months`` after it."""
    month = day.replace(day=1)
    return Windows(
        before=(months_add(month, -months), months_add(month, -1)),
        after=(months_add(month, 1), months_add(month, months)),
    )


def _window_add(row: TableRow, sums: Sums, key: int, window: Windows) -> None:
    months = sums.get(key, {})
    for suffix, (first, last) in (("_before", window.before), ("_after", window.after)):
        _add(row.values, suffix, 0, 0)
        month = first
        while month <= last:
            online, paper = months.get(month, (0, 0))
            _add(row.values, suffix, online, paper)
            month = months_add(month, 1)


def _change_cells(table: Table) -> None:
    """The change in percentage points, hidden when either share is (never worked back from them)."""
    for row in table.rows:
        before, after = row.cells["share_before"], row.cells["share_after"]
        if before.suppressed or after.suppressed:
            row.cells["change"] = Cell(None, True, COMPLEMENT)
        elif before.value is None or after.value is None:
            row.cells["change"] = Cell(None)
        else:
            row.cells["change"] = Cell(round(after.value - before.value, 1))
    table.any_suppressed = table.any_suppressed or any(row.cells["change"].suppressed for row in table.rows)


def before_after(
    *,
    paths: list[str] | None,
    service: PublicService | None,
    suppress: bool,
    months: int = WINDOW_MONTHS,
    kinds: list[str] | None = None,
) -> Table:
    """The online share before and after each milestone.

    No service: one row per (service, milestone) for the whole part of the organisation shown. One
    service: a row per milestone for the whole part shown, then one per (unit, milestone). A milestone
    of one unit counts only that unit's sub-tree (and has no second row when that is the unit alone).
    """
    queryset = figures(paths=paths)
    if service is not None:
        queryset = queryset.filter(service=service)
    services = {item.pk: item for item in PublicService.objects.filter(pk__in=queryset.values("service_id"))}
    found = [m for m in milestones(service_ids=services) if kinds is None or m.kind in kinds]
    local_units = {m.unit_id for m in found if m.unit_id is not None}
    unit_paths = dict(OrganisationUnit.objects.filter(pk__in=local_units).values_list("pk", "path"))
    by_service = _sums(queryset, "service_id")
    by_unit = _sums(queryset, "unit_id") if service is not None else {}
    units = {unit.pk: unit for unit in OrganisationUnit.objects.filter(pk__in=list(by_unit))}
    rows = []
    whole = _("All units shown")
    for milestone in found:
        window = windows(day=milestone.day, months=months)
        key = (services[milestone.service_id].name, "", milestone.label, milestone.day)
        row = TableRow(label=services[milestone.service_id].name, kind="item", key=key)
        if milestone.unit_id is None:
            _window_add(row, by_service, milestone.service_id, window)
            row.key = (*key[:1], whole, *key[2:])
        else:
            local = figures(paths=[unit_paths[milestone.unit_id]]).filter(service_id=milestone.service_id)
            _window_add(row, _sums(local, "service_id"), milestone.service_id, window)
            row.key = (key[0], _unit_name(milestone.unit_id), *key[2:])
        rows.append(row)
        unit_rows = []
        for unit_id, unit in sorted(units.items(), key=lambda item: item[1].name):
            if milestone.unit_id is not None and not unit.path.startswith(unit_paths[milestone.unit_id]):
                continue
            unit_row = TableRow(label=row.label, kind="item", key=(key[0], unit.name, *key[2:]), unit=unit)
            _window_add(unit_row, by_unit, unit_id, window)
            unit_rows.append(unit_row)
        # A commune's own milestone, its figures all its own: its row would say the same again.
        if not (milestone.unit_id is not None and [r.unit and r.unit.pk for r in unit_rows] == [milestone.unit_id]):
            rows.extend(unit_rows)
    table = Table(
        key="uptake-before-after",
        title=_("Online share before and after"),
        label_header=_("Public service"),
        columns=list(BEFORE_AFTER_COLUMNS),
        rows=rows,
    ).finalise(suppress=suppress, with_total=False)
    _change_cells(table)
    return table


def _unit_name(unit_id: int) -> str:
    return OrganisationUnit.objects.filter(pk=unit_id).values_list("name", flat=True).first() or ""


# The public transparency page ------------------------------------------------------------------------


def public(*, today: datetime.date | None = None) -> dict:
    """Per public service, the whole province's last PUBLIC_MONTHS months with figures: suppressed, as plain data."""
    today = today or local_today()
    last = UptakeFigure.objects.order_by("-month").values_list("month", flat=True).first()
    if last is None:
        return {"rows": [], "total": {}, "months": [], "threshold": None, "today": today}
    first = months_add(last, -(PUBLIC_MONTHS - 1))
    sums = _sums(UptakeFigure.objects.filter(month__gte=first, month__lte=last), "service_id")
    names = dict(PublicService.objects.filter(pk__in=list(sums)).values_list("pk", "name"))
    rows = []
    for service_id, months in sums.items():
        row = TableRow(label=names[service_id], kind="item", key=service_id)
        for online, paper in months.values():
            _add(row.values, "", online, paper)
        rows.append(row)
    table = Table(
        key="uptake-public",
        title=_("Online applications per public service"),
        label_header=_("Public service"),
        columns=list(PUBLIC_COLUMNS),
        rows=sorted(rows, key=lambda row: row.label),
    ).finalise(suppress=True)
    keys = [column.key for column in PUBLIC_COLUMNS]
    return {
        "rows": [(row.label, {key: row.cells[key].as_tuple() for key in keys}) for row in table.rows],
        "total": {key: table.total.cells[key].as_tuple() for key in keys} if table.total else {},
        "months": [first, last],
        "threshold": table.threshold,
        "today": today,
    }


def public_figures() -> dict:
    """The public page's uptake figures from the cache (an import forgets them)."""
    found = cache.get(PUBLIC_CACHE_KEY)
    if found is None or found.get("today", local_today()) != local_today():
        found = public()
        cache.set(PUBLIC_CACHE_KEY, found, settings.INSIGHTS_PUBLIC_CACHE_SECONDS)
    return found


def sample_codes() -> tuple[str, str] | None:
    """A public service's procedure code and a unit's code (a commune's first) for the sample file, or None."""
    procedure = (
        PublicService.objects.exclude(procedure_code="")
        .order_by("procedure_code")
        .values_list("procedure_code", flat=True)
        .first()
    )
    units = OrganisationUnit.objects.exclude(code="")
    unit = (
        units.filter(kind=OrganisationUnit.Kind.COMMUNE).order_by("path").values_list("code", flat=True).first()
        or units.order_by("path").values_list("code", flat=True).first()
    )
    return (procedure, unit) if procedure and unit else None
