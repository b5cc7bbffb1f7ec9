"""The operations dashboard (Wagtail admin) and the public transparency page.

Dashboard: for ``insights.view_dashboard``. Leaders and the training office (``insights.view_province``)
see the whole province; a unit manager sees the units they manage (``OrganisationUnit.managers``) and
their sub-units only: any other unit, by id in the URL, is refused like an unknown one. Everyone but the
training office (``insights.view_small_figures``) sees small groups suppressed, in exports too.
"""

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from accounts.models import OrganisationUnit
from accounts.units import unit_choices
from core.exports import export_format, export_response, form_errors_text
from core.localtime import local_today

from . import charts, selectors
from .assisted import assisted_tables
from .breakdowns import UNIT_COLUMNS
from .period import Period, period_error, period_from
from .scope import Scope, scope_for, scope_paths
from .tables import Cell, Table, format_cell, table_dataset
from .uptake.dashboard import uptake_public, uptake_section

DEFAULT_WEEKS = 13
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_ERROR = gettext_lazy("Enter a date as day/month/year, for example 31/12/2026.")
UNIT_ERROR = gettext_lazy("Choose a unit from the list.")


def _date_field(label: str) -> forms.DateField:
    """An optional date, typed as day/month/year or picked (ISO)."""
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": DATE_ERROR},
    )


class DashboardForm(forms.Form):
    """Unit (checked against the viewer's scope by the view), period, sort order; all optional."""

    unit = forms.IntegerField(
        label=gettext_lazy("Unit"),
        required=False,
        min_value=1,
        widget=forms.Select,
        error_messages={"invalid": UNIT_ERROR, "min_value": UNIT_ERROR},
    )
    start = _date_field(gettext_lazy("From"))
    end = _date_field(gettext_lazy("To"))
    sort = forms.CharField(required=False, max_length=40)
    dir = forms.ChoiceField(required=False, choices=[("asc", "asc"), ("desc", "desc")])

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        period = period_from(start=cleaned.get("start"), end=cleaned.get("end"), default_weeks=DEFAULT_WEEKS)
        error = period_error(period=period)
        if error:
            self.add_error("end", error)
        cleaned["start"], cleaned["end"] = period.start, period.end
        return cleaned

    def period(self) -> Period:
        return Period(self.cleaned_data["start"], self.cleaned_data["end"])

    def query(self, **extra) -> str:
        data = self.cleaned_data
        params = {
            "unit": data.get("unit") or "",
            "start": data["start"].isoformat(),
            "end": data["end"].isoformat(),
            **extra,
        }
        return urlencode({key: value for key, value in params.items() if value not in ("", None)})


def _allowed(request) -> tuple[Scope, bool]:
    """(scope, suppress) for the viewer, or 403."""
    user = request.user
    if not user.has_perm("insights.view_dashboard"):
        raise PermissionDenied
    scope = scope_for(user=user)
    if scope is None:
        raise PermissionDenied
    return scope, not user.has_perm("insights.view_small_figures")


def _unit(form: DashboardForm, scope: Scope) -> OrganisationUnit | None:
    """The unit asked for, if the viewer may see it; otherwise a form error (unknown and foreign units alike)."""
    unit_id = form.cleaned_data.get("unit")
    if not unit_id:
        return None
    unit = OrganisationUnit.objects.filter(pk=unit_id).first()
    if unit is None or not scope.contains(unit):
        form.add_error("unit", UNIT_ERROR)
        return None
    return unit


def displayed(table: Table) -> Table:
    """Give each row (and the total) ``shown``: [(text, suppressed)] in column order."""
    for row in [*table.rows, *([table.total] if table.total else [])]:
        row.shown = [
            (format_cell(row.cells[column.key], column.kind, table.threshold), row.cells[column.key].suppressed)
            for column in table.columns
        ]
    return table


def _sort(form: DashboardForm) -> tuple[str, bool] | None:
    """(column key or "label", descending) of the unit table, from the query; None: the default order."""
    key = form.cleaned_data.get("sort") or ""
    if key != "label" and key not in {column.key for column in UNIT_COLUMNS}:
        return None
    return key, form.cleaned_data.get("dir") != "asc"


def _sort_links(form: DashboardForm, current: tuple[str, bool] | None) -> list[tuple]:
    """Per column of the unit table: (column, href, aria-sort value)."""
    links = []
    for key, label in [("label", _("Unit")), *((column.key, column.label) for column in UNIT_COLUMNS)]:
        active = current is not None and current[0] == key
        descending = not (active and current[1])
        href = "?" + form.query(sort=key, dir="desc" if descending else "asc") + "#by-unit"
        aria = ("descending" if current[1] else "ascending") if active else None
        links.append((label, href, aria))
    return links


def dashboard(request):
    scope, suppress = _allowed(request)
    form = DashboardForm(request.GET)
    context = {
        "title": _("Operations dashboard"),
        "form": form,
        "suppress": suppress,
        "today": local_today(),
        "everything": scope.everything,
        # A unit manager sees her own people's mandatory training exact (selectors.dashboard).
        "exact_training": suppress and not scope.everything,
    }
    unit = None
    if form.is_valid():
        unit = _unit(form, scope)
    if form.errors:
        form.unit_options = _unit_options(scope, None, [])
        return TemplateResponse(request, "insights/admin/dashboard.html", context, status=400)
    period = form.period()
    # Show the period in use (the default one too) in the date fields.
    form.data = {**form.data.dict(), "start": period.start.isoformat(), "end": period.end.isoformat()}
    sort = _sort(form)
    tables = selectors.dashboard(scope=scope, unit=unit, period=period, suppress=suppress, sort=sort)
    for table in tables.values():
        displayed(table)
    assisted = {
        key: displayed(table)
        for key, table in assisted_tables(scope=scope, unit=unit, period=period, suppress=suppress).items()
    }
    units = tables["units"]
    headline = [
        (column, (format_cell(cell, column.kind, units.threshold), cell.suppressed))
        for column, cell in selectors.headline_figures(tables=tables)
        if column.key != "required"
    ]
    ancestors = [u for u in unit.get_ancestors() if scope.contains(u)] if unit is not None else []
    form.unit_options = _unit_options(scope, unit, [*ancestors, *([unit] if unit else []), *_row_units(units)])
    query = form.query()
    context.update(
        unit=unit,
        ancestors=ancestors,
        period=period,
        tables=tables,
        headline=headline,
        query=query,
        unit_sort_links=_sort_links(form, sort),
        unit_chart=charts.units_bar_chart(table=units, sort=sort),
        learning_chart=charts.weeks_line_chart(
            table=tables["weeks"],
            chart_id="chart-weeks",
            keys=["enrolled", "completed", "certificates"],
            title=_("Courses week by week"),
        ),
        activity_chart=charts.weeks_line_chart(
            table=tables["weeks"],
            chart_id="chart-activity",
            keys=["lessons", "tutorials", "signups"],
            title=_("Activity week by week"),
        ),
        any_suppressed=any(table.any_suppressed for table in [*tables.values(), *assisted.values()]),
        assisted=assisted,
        highlights=selectors.highlights(tables=tables),
        threshold=units.threshold,
        export_tables=selectors.EXPORT_TABLES,
    )
    # The one-stop system's figures beside training (insights/uptake/, docs/uptake.md).
    context["uptake"] = uptake_section(
        data=request.GET, paths=scope_paths(scope=scope, unit=unit), suppress=suppress, query=query
    )
    return TemplateResponse(request, "insights/admin/dashboard.html", context)


def _row_units(table: Table) -> list[OrganisationUnit]:
    return [row.unit for row in table.rows if row.kind == "unit" and row.unit is not None]


def _unit_options(scope: Scope, unit: OrganisationUnit | None, units: list[OrganisationUnit]) -> list[tuple]:
    """(value, label, selected) for the unit select: the viewer's top units, the current unit's line, its children."""
    if scope.everything:
        top = [] if units else list(OrganisationUnit.get_root_nodes())
        empty = _("Whole province")
    else:
        top = list(scope.roots)
        empty = _("All my units")
    seen, ordered = set(), []
    for candidate in [*top, *units]:
        if candidate.pk not in seen:
            seen.add(candidate.pk)
            ordered.append(candidate)
    if not scope.everything or not units:
        ordered.sort(key=lambda candidate: candidate.path)
    current = str(unit.pk) if unit else ""
    return [(value, label, str(value) == current) for value, label in unit_choices(empty, ordered)]


def export(request, table, fmt):
    """One of the dashboard's tables as CSV (UTF-8 with BOM) or XLSX, with the viewer's scope and suppression."""
    scope, suppress = _allowed(request)
    fmt = export_format(fmt)
    if table not in selectors.EXPORT_TABLES:
        raise Http404
    form = DashboardForm(request.GET)
    unit = _unit(form, scope) if form.is_valid() else None
    if form.errors:
        return HttpResponseBadRequest(form_errors_text(form), content_type="text/plain; charset=utf-8")
    period = form.period()
    tables = selectors.dashboard(scope=scope, unit=unit, period=period, suppress=suppress, sort=_sort(form))
    chosen = selectors.export_table(tables=tables, key=table)
    name = f"insights-{table}-{unit.code if unit else 'all'}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    return export_response(table_dataset(chosen), fmt, name, request=request)


# The public transparency page ------------------------------------------------------------------------


def _public_cell(data: tuple, kind: str, threshold: int) -> str:
    return Cell.from_tuple(data).text(kind, threshold)


@require_safe  # GET and HEAD only: OPTIONS and TRACE returned the whole page
def transparency(request):
    """Public, anonymous, aggregated: no names, no contact details; small groups suppressed. No script."""
    figures = selectors.transparency_figures()
    threshold = figures["threshold"]
    kinds = {"trained": "count", "certificates": "count", "rate": "rate"}
    rows = [
        (
            _("Directly in %(unit)s") % {"unit": name} if kind == "direct" else name,
            [_public_cell(cells[key], kinds[key], threshold) for key in selectors.PUBLIC_COLUMNS],
        )
        for name, kind, cells in figures["rows"]
    ]
    total = [_public_cell(figures["total"][key], kinds[key], threshold) for key in selectors.PUBLIC_COLUMNS]
    weeks = figures["weeks"]
    series = [
        (label, [None if cells[key][1] else cells[key][0] for _week, cells in weeks])
        for key, label in (("completed", _("Course completions")), ("certificates", _("Certificates issued")))
    ]
    week_rows = [
        (
            week,
            _public_cell(cells["completed"], "count", threshold),
            _public_cell(cells["certificates"], "count", threshold),
        )
        for week, cells in weeks
    ]
    start, end = figures["period"]
    chart = charts.line_chart(
        "trend",
        _("Course completions and certificates, week by week"),
        _("The last %(count)s weeks; the table below gives every figure.") % {"count": len(weeks)},
        [week for week, _cells in weeks],
        series,
        empty_text=_("Nothing in this period."),
        width=360,
        legend_columns=1,
    )
    context = {
        "rows": rows,
        "total": total,
        "week_rows": week_rows,
        "chart": chart,
        "start": start,
        "end": end,
        "today": figures["today"],
        "threshold": threshold,
        "uptake": uptake_public(),  # the one-stop system's online share (insights/uptake/)
    }
    return TemplateResponse(request, "insights/transparency.html", context)
