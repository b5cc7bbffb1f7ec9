"""The dashboard's "Online applications" section: its choices, chart, tables and their exports' datasets.

The section follows the dashboard's unit and scope (``insights.views``); its own choices are the
public service (``uptake_service``) and the kind of milestone (``uptake_kind``), in the query string.
"""

from urllib.parse import urlencode

import tablib
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.learning.models import PublicService

from .. import charts
from ..tables import Cell, Table, format_cell, min_group
from . import selectors
from .milestones import KINDS

SERVICE_ERROR = gettext_lazy("Choose a public service from the list.")


class UptakeForm(forms.Form):
    uptake_service = forms.IntegerField(
        label=gettext_lazy("Public service"),
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        error_messages={"invalid": SERVICE_ERROR, "min_value": SERVICE_ERROR, "max_value": SERVICE_ERROR},
    )
    uptake_kind = forms.ChoiceField(
        label=gettext_lazy("Compared with"),
        required=False,
        choices=[("", gettext_lazy("Every milestone")), *KINDS.items()],
        error_messages={"invalid_choice": gettext_lazy("Choose a milestone from the list.")},
    )


def uptake_choices(*, data, paths: list[str] | None) -> tuple[UptakeForm, list[PublicService], PublicService | None]:
    """(the form, the services with figures here, the service chosen or None)."""
    form = UptakeForm(data)
    services = selectors.services_with_figures(paths=paths)
    service = None
    if form.is_valid() and form.cleaned_data.get("uptake_service"):
        service = next((item for item in services if item.pk == form.cleaned_data["uptake_service"]), None)
        if service is None:
            form.add_error("uptake_service", SERVICE_ERROR)
    return form, services, service


def uptake_tables(*, form: UptakeForm, paths: list[str] | None, service: PublicService | None, suppress: bool) -> dict:
    """{"months": Table, "marks": {month: milestones}, "before_after": Table}."""
    kind = form.cleaned_data.get("uptake_kind") if form.is_valid() else None
    months, marks = selectors.monthly(paths=paths, service=service, suppress=suppress)
    before_after = selectors.before_after(
        paths=paths, service=service, suppress=suppress, kinds=[kind] if kind else None
    )
    for row in months.rows:
        row.marks = [milestone.label for milestone in marks.get(row.key, [])]
    return {"months": months, "marks": marks, "before_after": before_after}


def uptake_chart(*, table: Table, service: PublicService | None) -> str:
    """The online share month by month as a line (a hidden month is a gap)."""
    values = [None if row.cells["share"].suppressed else row.cells["share"].value for row in table.rows]
    name = service.name if service else _("Every public service")
    return charts.line_chart(
        "chart-uptake",
        _("Online share of applications, month by month (%%): %(service)s") % {"service": name},
        _("Applications made online out of all applications, per month; the table below gives every figure."),
        [row.label for row in table.rows],
        [(_("Online share (%)"), values)],
        empty_text=_("No figures imported yet."),
    )


def months_dataset(table: Table) -> tablib.Dataset:
    """The months' table for the exports, with what happened that month."""
    headers = [table.label_header, *[str(column.label) for column in table.columns], _("Milestones this month")]
    dataset = tablib.Dataset(headers=headers)
    dataset.title = str(table.title)[:31]
    for row in [*table.rows, *([table.total] if table.total else [])]:
        cells = [row.cells[column.key].export(table.threshold) for column in table.columns]
        dataset.append([str(row.label), *cells, "; ".join(getattr(row, "marks", []))])
    return dataset


def before_after_dataset(table: Table) -> tablib.Dataset:
    """The before-and-after table for the exports: service, unit, milestone, its day, then the figures."""
    headers = [_("Public service"), _("Unit"), _("Milestone"), _("Day")]
    dataset = tablib.Dataset(headers=[*headers, *[str(column.label) for column in table.columns]])
    dataset.title = str(table.title)[:31]
    for row in table.rows:
        service, unit, label, day = row.key
        cells = [row.cells[column.key].export(table.threshold) for column in table.columns]
        dataset.append([service, unit, label, day.strftime("%d/%m/%Y"), *cells])
    return dataset


EXPORTS = {"months": months_dataset, "before-after": before_after_dataset}


def _shown(table: Table) -> Table:
    """Each row's figures as text (as ``insights.views.displayed``)."""
    for row in [*table.rows, *([table.total] if table.total else [])]:
        row.shown = [
            (format_cell(row.cells[column.key], column.kind, table.threshold), row.cells[column.key].suppressed)
            for column in table.columns
        ]
    return table


def uptake_section(*, data, paths: list[str] | None, suppress: bool, query: str) -> dict:
    """What the dashboard's section shows: choices, chart, both tables as text, the exports' query."""
    form, services, service = uptake_choices(data=data, paths=paths)
    tables = uptake_tables(form=form, paths=paths, service=service, suppress=suppress)
    extra = {
        key: value
        for key, value in (
            ("uptake_service", service.pk if service else ""),
            ("uptake_kind", form.cleaned_data.get("uptake_kind", "") if form.is_valid() else ""),
        )
        if value
    }
    return {
        "form": form,
        "services": services,
        "service": service,
        "months": _shown(tables["months"]),
        "before_after": _shown(tables["before_after"]),
        "chart": uptake_chart(table=tables["months"], service=service),
        "export_query": "&".join(part for part in (query, urlencode(extra)) if part),
        "window": selectors.WINDOW_MONTHS,
        "kinds": KINDS,
    }


def uptake_public() -> dict:
    """The transparency page's online share per public service, as text (suppressed: ``selectors.public``)."""
    figures = selectors.public_figures()
    kinds = {"online": "count", "all": "count", "share": "rate"}
    threshold = figures["threshold"] or min_group()

    def text(data: tuple, kind: str) -> str:
        return Cell.from_tuple(data).text(kind, threshold)

    return {
        "months": figures["months"],
        "rows": [(name, [text(cells[key], kind) for key, kind in kinds.items()]) for name, cells in figures["rows"]],
        "total": [text(figures["total"][key], kind) for key, kind in kinds.items()] if figures["total"] else [],
    }
