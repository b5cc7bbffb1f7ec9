"""Admin compliance report: per-unit roll-up through the tree, the people behind it, CSV/XLSX exports.

For holders of ``courses.view_assignment`` (training administrators, superusers). Views parse the
filters with ``ComplianceFilterForm``, check the permission and call ``compliance`` selectors.
``team_views`` (the unit manager's page) uses the same form.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrganisationUnit
from accounts.units import unit_choices
from core.exports import export_format, export_response, form_errors_text
from core.localtime import local_today

from . import compliance
from .models import AssignmentState, TrainingRequirement

PER_PAGE = 50


class ComplianceFilterForm(forms.Form):
    """The report's filters; every field optional. ``unit`` is checked by the view (404 if unknown)."""

    unit = forms.IntegerField(
        label=gettext_lazy("Unit"),
        required=False,
        min_value=1,
        widget=forms.Select,
        error_messages={"invalid": gettext_lazy("Choose a unit from the list.")},
    )
    requirement = forms.ModelChoiceField(
        label=gettext_lazy("Requirement"),
        queryset=TrainingRequirement.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("All requirements"),
        error_messages={"invalid_choice": gettext_lazy("Choose a requirement from the list.")},
    )
    state = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("Any status")), *compliance.REPORT_STATES],
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose a status from the list.")},
    )
    due_from = forms.DateField(
        label=gettext_lazy("Due from"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Enter a date as day/month/year, for example 31/12/2026.")},
    )
    due_to = forms.DateField(
        label=gettext_lazy("Due until"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Enter a date as day/month/year, for example 31/12/2026.")},
    )

    def clean(self):
        cleaned = super().clean()
        due_from, due_to = cleaned.get("due_from"), cleaned.get("due_to")
        if due_from and due_to and due_from > due_to:
            self.add_error("due_to", _("The end of the due range must not be before its start."))
        return cleaned

    def filters(self):
        data = self.cleaned_data
        requirement = data.get("requirement")
        return compliance.Filters(
            requirement_id=requirement.pk if requirement else None,
            state=data.get("state") or "",
            due_from=data.get("due_from"),
            due_to=data.get("due_to"),
        )

    def query(self, **extra):
        """The filters (not the unit) as a query string, to carry them along links."""
        data = self.cleaned_data
        params = {
            "requirement": data["requirement"].pk if data.get("requirement") else "",
            "state": data.get("state") or "",
            "due_from": data["due_from"].isoformat() if data.get("due_from") else "",
            "due_to": data["due_to"].isoformat() if data.get("due_to") else "",
            **extra,
        }
        return urlencode({key: value for key, value in params.items() if value not in ("", None)})

    def set_unit_choices(self, choices):
        """The unit select's options, rendered by the template (a long list through Django's widget templates
        costs tens of milliseconds): (value, label, selected)."""
        self.fields["unit"].widget.choices = choices
        current = str(self.data.get("unit") or "")
        self.unit_options = [(value, label, str(value) == current) for value, label in choices]


def table_rows(result):
    """Give each roll-up row ``cells``: its figures as table cells (HTML), in the current language's format.

    Built here, not with template filters and an ``include`` per row: on the first page (about 120
    units) those cost more than the database's work (docs/performance.md).
    """
    thousands, decimal = get_format("THOUSAND_SEPARATOR"), get_format("DECIMAL_SEPARATOR")
    rows = [*result.all_rows, result.total]
    for row in rows:
        figures = [row.assigned, row.completed, row.in_progress, row.not_started, row.overdue, row.exempt]
        cells = [f"{value:,}".replace(",", thousands) for value in figures]
        cells.append("—" if row.rate is None else f"{row.rate:.1f}".replace(".", decimal) + "%")
        row.cells = format_html_join("", "<td>{}</td>", ((cell,) for cell in cells))
    return rows


STATE_LABELS = {state.value: state.label for state in AssignmentState}


def with_state_labels(assignments):
    """Each assignment of a page with ``state_label`` (the translated state), for the template."""
    assignments = list(assignments)
    for assignment in assignments:
        assignment.state_label = STATE_LABELS[assignment.state]
    return assignments


def _check(request):
    if not request.user.has_perm("courses.view_assignment"):
        raise PermissionDenied


def _form_and_unit(request):
    """The bound filter form and the chosen unit (None: the whole organisation); 404 for an unknown unit."""
    form = ComplianceFilterForm(request.GET)
    if not form.is_valid():
        return form, None
    unit_id = form.cleaned_data.get("unit")
    unit = get_object_or_404(OrganisationUnit, pk=unit_id) if unit_id else None
    return form, unit


def _rollup_for(form, unit, today):
    """The roll-up the page shows: the chosen unit's children, or the first page (the whole organisation)."""
    return compliance.report_rollup(unit=unit, filters=form.filters(), today=today)


def compliance_report(request):
    """Per unit (with its sub-units): assigned, completed, in progress, not started, overdue, exempt, rate."""
    _check(request)
    form, unit = _form_and_unit(request)
    context = {"form": form, "unit": unit, "title": _("Training compliance"), "today": local_today()}
    if form.is_valid():
        result = _rollup_for(form, unit, context["today"])
        table_rows(result)
        ancestors = list(unit.get_ancestors()) if unit is not None else []
        choices_units = [*ancestors, *([unit] if unit else []), *(row.unit for row in result.rows)]
        form.set_unit_choices(unit_choices(_("Whole organisation"), choices_units))
        query = form.query()
        context.update(
            result=result,
            ancestors=ancestors,
            query=query,
            unit_query="&".join(part for part in [f"unit={unit.pk}" if unit else "", query] if part),
        )
    else:
        form.set_unit_choices(unit_choices(_("Whole organisation"), []))
    return TemplateResponse(request, "courses/training/admin/compliance_report.html", context)


def compliance_people(request):
    """The people behind a roll-up row: one line per person and requirement, paginated."""
    _check(request)
    form, unit = _form_and_unit(request)
    direct = request.GET.get("direct") == "1" and unit is not None
    context = {
        "form": form,
        "unit": unit,
        "direct": direct,
        "title": _("Training compliance: people"),
        "today": local_today(),
    }
    if form.is_valid():
        ancestors = list(unit.get_ancestors()) if unit is not None else []
        assignments = compliance.people(
            paths=[unit.path] if unit else None,
            direct_path=unit.path if direct else None,
            filters=form.filters(),
            today=context["today"],
        )
        page_obj = Paginator(assignments, PER_PAGE).get_page(request.GET.get("p"))
        page_obj.object_list = with_state_labels(page_obj.object_list)
        form.set_unit_choices(unit_choices(_("Whole organisation"), [*ancestors, *([unit] if unit else [])]))
        query = form.query()
        unit_query = "&".join(part for part in [f"unit={unit.pk}" if unit else "", query] if part)
        context.update(
            page_obj=page_obj,
            ancestors=ancestors,
            query=query,
            unit_query=unit_query,
            export_query=unit_query + ("&direct=1" if direct else ""),
        )
    else:
        form.set_unit_choices(unit_choices(_("Whole organisation"), []))
    return TemplateResponse(request, "courses/training/admin/compliance_people.html", context)


def compliance_export(request, fmt):
    """The roll-up on screen as CSV or XLSX."""
    _check(request)
    fmt = export_format(fmt)
    form, unit = _form_and_unit(request)
    if not form.is_valid():
        return HttpResponseBadRequest(form_errors_text(form), content_type="text/plain; charset=utf-8")
    result = _rollup_for(form, unit, local_today())
    name = f"compliance-{unit.code}" if unit else "compliance"
    return export_response(compliance.rollup_dataset(result=result), fmt, name, request=request)


def compliance_people_export(request, fmt):
    """The people list (all pages) as CSV or XLSX; refused beyond ``EXPORT_MAX_ROWS`` rows."""
    _check(request)
    fmt = export_format(fmt)
    form, unit = _form_and_unit(request)
    if not form.is_valid():
        return HttpResponseBadRequest(form_errors_text(form), content_type="text/plain; charset=utf-8")
    direct = request.GET.get("direct") == "1" and unit is not None
    assignments = compliance.people(
        paths=[unit.path] if unit else None, direct_path=unit.path if direct else None, filters=form.filters()
    )
    count = assignments.count()
    limit = compliance.EXPORT_MAX_ROWS[fmt]
    if count > limit:
        messages.error(request, compliance.too_many_rows_message % {"count": count, "limit": limit})
        return redirect(f"{reverse('courses_compliance_people')}?{request.GET.urlencode()}")
    name = f"compliance-people-{unit.code}" if unit else "compliance-people"
    return export_response(compliance.people_dataset(assignments=assignments), fmt, name, request=request)
