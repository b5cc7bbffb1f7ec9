"""Figures of the training and outreach programme, for a period and a part of the organisation.

What the pages ask for, in one call each: every table of the dashboard (``dashboard``, from
``breakdowns``, finalised with ``tables``' small-group suppression), its headline figures and
highlights, and the public transparency page's figures (cached). Who sees what is ``scope``; the
days are ``period``.
"""

import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrganisationUnit
from core.localtime import local_today

from .breakdowns import by_campaign, by_course, by_tutorial_and_service, by_unit, by_week, summary_sums
from .period import Period
from .scope import EVERYTHING, Scope, scope_paths
from .suppression import EXACT_FOR_MANAGERS
from .tables import Cell, Column, Table, TableRow, format_cell

# The dashboard's tables that can be exported, in the page's order.
EXPORT_TABLES = {
    "headline": gettext_lazy("Headline figures"),
    "units": gettext_lazy("By unit"),
    "weeks": gettext_lazy("Week by week"),
    "courses": gettext_lazy("By course"),
    "tutorials": gettext_lazy("By tutorial"),
    "services": gettext_lazy("By public service"),
    "campaigns": gettext_lazy("By campaign"),
}


def dashboard(
    *,
    scope: Scope,
    unit: OrganisationUnit | None,
    period: Period,
    suppress: bool,
    sort: tuple[str, bool] | None = None,
    today: datetime.date | None = None,
) -> dict[str, Table]:
    """{table key: finalised Table} for the dashboard and its exports; ``units`` carries the headline total.

    ``suppress``: small groups hidden (``suppression``); then a unit manager (a scope of her own units)
    still sees the mandatory training figures exact (``EXACT_FOR_MANAGERS``): her team page lists
    those people by name, so the dashboard says the same numbers.
    """
    today = today or local_today()
    sums = summary_sums(period=period, paths=scope_paths(scope=scope, unit=unit))  # one pass: units and weeks
    exact = EXACT_FOR_MANAGERS if suppress and not scope.everything else frozenset()
    units = by_unit(scope=scope, unit=unit, period=period, today=today, sums=sums).finalise(
        suppress=suppress, exact=exact
    )
    if sort:
        units.sort(*sort)
    tutorials, services = by_tutorial_and_service(scope=scope, unit=unit, period=period)
    weeks = by_week(scope=scope, unit=unit, period=period, sums=sums)
    return {
        "units": units,
        "weeks": weeks.finalise(suppress=suppress, with_total=True),
        "courses": by_course(scope=scope, unit=unit, period=period).finalise(suppress=suppress).sort("enrolled", True),
        "tutorials": tutorials.finalise(suppress=suppress).sort("done", True),
        "services": services.finalise(suppress=suppress).sort("done", True),
        "campaigns": by_campaign(scope=scope, unit=unit, period=period).finalise(suppress=suppress),
    }


TUTORIAL_VIEWS_HEADLINE = Column("views", gettext_lazy("Tutorial page views"))


def headline_figures(*, tables: dict[str, Table]) -> list[tuple[Column, Cell]]:
    """[(column, cell)]: the total row of the unit table, and tutorial page views when shown (province-wide)."""
    units, tutorials = tables["units"], tables["tutorials"]
    figures = [(column, units.total.cells[column.key]) for column in units.columns] if units.total else []
    if tutorials.total and any(column.key == "views" for column in tutorials.columns):
        figures.append((TUTORIAL_VIEWS_HEADLINE, tutorials.total.cells["views"]))
    return figures


def headline_table(*, tables: dict[str, Table]) -> Table:
    """The headline figures as a two-column table, for exports."""
    units = tables["units"]
    rows = [
        TableRow(label=str(column.label), values={"value": 0}, kind="item", cells={"value": cell})
        for column, cell in headline_figures(tables=tables)
    ]
    table = Table(
        key="headline",
        title=_("Headline figures"),
        label_header=_("Figure"),
        columns=[Column("value", gettext_lazy("Value"))],
        rows=rows,
    )
    table.suppressed, table.threshold = units.suppressed, units.threshold
    return table


def export_table(*, tables: dict[str, Table], key: str) -> Table:
    """The table ``key`` of ``EXPORT_TABLES`` (the headline figures, or one of the dashboard's tables)."""
    return headline_table(tables=tables) if key == "headline" else tables[key]


def highlights(*, tables: dict[str, Table]) -> list[str]:
    """Two findings in words: the least completed course and the tutorial most often found not helpful.

    Only from figures the viewer may see (a suppressed cell is never named).
    """
    found = []
    courses = [row for row in tables["courses"].rows if row.cells["rate"].value is not None]
    courses = [row for row in courses if not row.cells["rate"].suppressed]
    if courses:
        row = min(courses, key=lambda row: row.cells["rate"].value)
        found.append(
            _("Least completed course: %(course)s (%(rate)s of the period's enrolments completed).")
            % {"course": row.label, "rate": format_cell(row.cells["rate"], "rate", tables["courses"].threshold)}
        )
    tutorials = [
        row
        for row in tables["tutorials"].rows
        if row.cells["not_helpful"].value and not row.cells["not_helpful"].suppressed
    ]
    if tutorials:
        row = max(tutorials, key=lambda row: row.cells["not_helpful"].value)
        found.append(
            _("Most often found not helpful: %(tutorial)s (%(count)s answers).")
            % {"tutorial": row.label, "count": row.cells["not_helpful"].value}
        )
    return found


# The public transparency page ----------------------------------------------------------------------------

PUBLIC_COLUMNS = ["trained", "certificates", "rate"]
PUBLIC_WEEKS = 26
TRANSPARENCY_CACHE_KEY = "insights:transparency:v2"  # v2: cells are Cell.as_tuple() (value, suppressed, reason)


def _public_cells(*, row: TableRow, keys: list[str]) -> dict[str, tuple]:
    return {key: row.cells[key].as_tuple() for key in keys}


def transparency(*, today: datetime.date | None = None) -> dict:
    """The public page's figures, suppressed and anonymous, as plain data (cacheable).

    Per unit under the province (communes, agencies): people who completed a course and certificates
    issued in the last 52 weeks, and the civil servants' compliance rate today; the week-by-week
    trend of course completions and certificates over the last 26 weeks.
    """
    today = today or local_today()
    year = Period.last_weeks(52, today)
    # Only the published columns are finalised: complementary suppression protects what a reader sees.
    units = by_unit(scope=EVERYTHING, unit=None, period=year, today=today)
    units.columns = [column for column in units.columns if column.key in PUBLIC_COLUMNS]
    units.finalise(suppress=True)
    trend = by_week(scope=EVERYTHING, unit=None, period=Period.last_weeks(PUBLIC_WEEKS, today))
    trend.columns = [column for column in trend.columns if column.key in ("completed", "certificates")]
    trend.finalise(suppress=True, with_total=False)  # no total published
    return {
        "today": today,
        "period": (year.start, year.end),
        "threshold": units.threshold,
        # Names, not labels: the figures are cached and shown in either language.
        "rows": [
            (row.unit.name, row.kind, _public_cells(row=row, keys=PUBLIC_COLUMNS))
            for row in units.rows
            if row.kind in ("unit", "direct")
        ],
        "total": _public_cells(row=units.total, keys=PUBLIC_COLUMNS) if units.total else {},
        "weeks": [(row.key, _public_cells(row=row, keys=["completed", "certificates"])) for row in trend.rows],
    }


def transparency_figures(*, refresh: bool = False) -> dict:
    """The public page's figures from the cache, computed (and stored) when missing or ``refresh``."""
    figures = None if refresh else cache.get(TRANSPARENCY_CACHE_KEY)
    if figures is None or figures["today"] != local_today():
        figures = transparency()
        cache.set(TRANSPARENCY_CACHE_KEY, figures, settings.INSIGHTS_PUBLIC_CACHE_SECONDS)
    return figures
