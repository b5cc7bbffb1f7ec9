"""The operations dashboard (Wagtail admin) and the public transparency page.

Dashboard: for ``insights.view_dashboard``. Leaders and the training office (``insights.view_province``)
see the whole province; a unit manager sees the units they manage (``OrganisationUnit.managers``) and
their sub-units only: any other unit, by id in the URL, is refused like an unknown one. Everyone but the
training office (``insights.view_small_figures``) sees small groups suppressed, in exports too.
"""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrganisationUnit
from accounts.units import unit_choices
from core.exports import export_format, export_response, form_errors_text
from core.localtime import local_today

from . import charts, selectors

DEFAULT_WEEKS = 13
BAR_CHART_ROWS = 40
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_ERROR = gettext_lazy("Enter a date as day/month/year, for example 31/12/2026.")
UNIT_ERROR = gettext_lazy("Choose a unit from the list.")


class DashboardForm(forms.Form):
    """Unit (checked against the viewer's scope by the view), period, sort order; all optional."""

    unit = forms.IntegerField(
        label=gettext_lazy("Unit"),
        required=False,
        min_value=1,
        widget=forms.Select,
        error_messages={"invalid": UNIT_ERROR, "min_value": UNIT_ERROR},
    )
    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": DATE_ERROR},
    )
    end = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": DATE_ERROR},
    )
    sort = forms.CharField(required=False, max_length=40)
    dir = forms.ChoiceField(required=False, choices=[("asc", "asc"), ("desc", "desc")])

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        today = local_today()
        end = cleaned.get("end") or today
        start = cleaned.get("start") or selectors.Period.last_weeks(DEFAULT_WEEKS, end).start
        if end < start:
            self.add_error("end", _("The end of the period must not be before its start."))
        elif (end - start).days > selectors.MAX_PERIOD_DAYS:
            self.add_error("end", _("The period can be at most two years."))
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def period(self):
        return selectors.Period(self.cleaned_data["start"], self.cleaned_data["end"])

    def query(self, **extra):
        data = self.cleaned_data
        params = {
            "unit": data.get("unit") or "",
            "start": data["start"].isoformat(),
            "end": data["end"].isoformat(),
            **extra,
        }
        return urlencode({key: value for key, value in params.items() if value not in ("", None)})


def _allowed(request):
    """(scope, suppress) for the viewer, or 403."""
    user = request.user
    if not user.has_perm("insights.view_dashboard"):
        raise PermissionDenied
    scope = selectors.scope_for(user)
    if scope is None:
        raise PermissionDenied
    return scope, not user.has_perm("insights.view_small_figures")


def _unit(form, scope):
    """The unit asked for, if the viewer may see it; otherwise a form error (unknown and foreign units alike)."""
    unit_id = form.cleaned_data.get("unit")
    if not unit_id:
        return None
    unit = OrganisationUnit.objects.filter(pk=unit_id).first()
    if unit is None or not scope.contains(unit):
        form.add_error("unit", UNIT_ERROR)
        return None
    return unit


def format_cell(cell, column_kind, threshold):
    if cell.suppressed:
        return _("fewer than %(count)s") % {"count": threshold}
    if cell.value is None:
        return "—"
    if column_kind == "rate":
        return number_format(cell.value, decimal_pos=1, use_l10n=True) + "%"
    return number_format(cell.value, use_l10n=True, force_grouping=True)


def displayed(table):
    """Give each row (and the total) ``shown``: [(text, suppressed)] in column order."""
    for row in [*table.rows, *([table.total] if table.total else [])]:
        row.shown = [
            (format_cell(row.cells[column.key], column.kind, table.threshold), row.cells[column.key].suppressed)
            for column in table.columns
        ]
    return table


def _sort(form):
    key = form.cleaned_data.get("sort") or ""
    if key != "label" and key not in {column.key for column in selectors.UNIT_COLUMNS}:
        return None
    return key, form.cleaned_data.get("dir") != "asc"


def _sort_links(form, current):
    """Per column of the unit table: (column, href, aria-sort value)."""
    links = []
    for key, label in [("label", _("Unit")), *((column.key, column.label) for column in selectors.UNIT_COLUMNS)]:
        active = current is not None and current[0] == key
        descending = not (active and current[1])
        href = "?" + form.query(sort=key, dir="desc" if descending else "asc") + "#by-unit"
        aria = ("descending" if current[1] else "ascending") if active else None
        links.append((label, href, aria))
    return links


def _bar_chart(table, sort):
    key = sort[0] if sort and sort[0] != "label" else "rate"
    column = next(column for column in table.columns if column.key == key)
    rows = [row for row in table.rows if row.kind != "other"][:BAR_CHART_ROWS]
    items = [(row.label, row.cells[key].value, row.cells[key].suppressed) for row in rows]
    maximum = 100 if column.kind == "rate" else None
    description = _("%(figure)s per unit; the table below gives every figure.") % {"figure": column.label}
    if len(table.rows) > BAR_CHART_ROWS:
        description += " " + _("The first %(count)s units in the table's order.") % {"count": BAR_CHART_ROWS}
    return charts.bar_chart(
        "chart-units",
        str(column.label),
        description,
        items,
        maximum=maximum,
        suffix="%" if column.kind == "rate" else "",
        suppressed_text=_("fewer than %(count)s") % {"count": table.threshold},
        empty_text=_("No units."),
        formatter=lambda value: format_cell(selectors.Cell(value), column.kind, table.threshold).rstrip("%"),
    )


def _week_chart(table, chart_id, keys, title):
    columns = {column.key: column for column in table.columns}
    series = [
        (
            str(columns[key].label),
            [None if row.cells[key].suppressed else row.cells[key].value for row in table.rows],
        )
        for key in keys
    ]
    description = _("Week by week, from the week of %(start)s; the table below gives every figure.") % {
        "start": table.rows[0].label if table.rows else "—"
    }
    return charts.line_chart(
        chart_id, title, description, [row.key for row in table.rows], series, empty_text=_("Nothing in this period.")
    )


def highlights(tables):
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


def dashboard(request):
    scope, suppress = _allowed(request)
    form = DashboardForm(request.GET)
    context = {
        "title": _("Operations dashboard"),
        "form": form,
        "suppress": suppress,
        "today": local_today(),
        "everything": scope.everything,
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
    tables = selectors.dashboard(scope, unit, period, suppress=suppress, sort=sort)
    for table in tables.values():
        displayed(table)
    units = tables["units"]
    headline = [
        (column, (format_cell(cell, column.kind, units.threshold), cell.suppressed))
        for column, cell in selectors.headline_figures(tables)
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
        unit_chart=_bar_chart(units, sort),
        learning_chart=_week_chart(
            tables["weeks"], "chart-weeks", ["enrolled", "completed", "certificates"], _("Courses week by week")
        ),
        activity_chart=_week_chart(
            tables["weeks"], "chart-activity", ["lessons", "tutorials", "signups"], _("Activity week by week")
        ),
        any_suppressed=any(table.any_suppressed for table in tables.values()),
        highlights=highlights(tables),
        threshold=units.threshold,
        export_tables=EXPORT_TABLES,
    )
    return TemplateResponse(request, "insights/admin/dashboard.html", context)


def _row_units(table):
    return [row.unit for row in table.rows if row.kind == "unit" and row.unit is not None]


def _unit_options(scope, unit, units):
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


EXPORT_TABLES = {
    "headline": gettext_lazy("Headline figures"),
    "units": gettext_lazy("By unit"),
    "weeks": gettext_lazy("Week by week"),
    "courses": gettext_lazy("By course"),
    "tutorials": gettext_lazy("By tutorial"),
    "services": gettext_lazy("By public service"),
    "campaigns": gettext_lazy("By campaign"),
}


def dataset(table):
    """A finalised table as a tablib Dataset: suppressed cells say so, the total row last."""
    import tablib

    dataset = tablib.Dataset(headers=[table.label_header, *[str(column.label) for column in table.columns]])
    dataset.title = str(table.title)[:31]
    small = _("fewer than %(count)s") % {"count": table.threshold}
    for row in [*table.rows, *([table.total] if table.total else [])]:
        values = []
        for column in table.columns:
            cell = row.cells[column.key]
            values.append(small if cell.suppressed else ("" if cell.value is None else cell.value))
        dataset.append([str(row.label), *values])
    return dataset


def export(request, table, fmt):
    """One of the dashboard's tables as CSV (UTF-8 with BOM) or XLSX, with the viewer's scope and suppression."""
    scope, suppress = _allowed(request)
    fmt = export_format(fmt)
    if table not in EXPORT_TABLES:
        raise Http404
    form = DashboardForm(request.GET)
    unit = _unit(form, scope) if form.is_valid() else None
    if form.errors:
        return HttpResponseBadRequest(form_errors_text(form), content_type="text/plain; charset=utf-8")
    tables = selectors.dashboard(scope, unit, form.period(), suppress=suppress, sort=_sort(form))
    chosen = selectors.headline_table(tables) if table == "headline" else tables[table]
    period = form.period()
    name = f"insights-{table}-{unit.code if unit else 'all'}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    return export_response(dataset(chosen), fmt, name)


# The public transparency page ------------------------------------------------------------------------

TRANSPARENCY_CACHE_KEY = "insights:transparency:v1"


def transparency_figures(refresh=False):
    """The public page's figures from the cache, computed (and stored) when missing or ``refresh``."""
    figures = None if refresh else cache.get(TRANSPARENCY_CACHE_KEY)
    if figures is None or figures["today"] != local_today():
        figures = selectors.transparency()
        cache.set(TRANSPARENCY_CACHE_KEY, figures, settings.INSIGHTS_PUBLIC_CACHE_SECONDS)
    return figures


def _public_cell(value_suppressed, kind, threshold):
    value, suppressed = value_suppressed
    return format_cell(selectors.Cell(value, suppressed), kind, threshold)


def transparency(request):
    """Public, anonymous, aggregated: no names, no contact details; small groups suppressed. No script."""
    figures = transparency_figures()
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
        (_("Course completions"), [None if w[1]["completed"][1] else w[1]["completed"][0] for w in weeks]),
        (_("Certificates issued"), [None if w[1]["certificates"][1] else w[1]["certificates"][0] for w in weeks]),
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
    }
    return TemplateResponse(request, "insights/transparency.html", context)
