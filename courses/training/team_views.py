"""A unit manager's page: the training of the people in the units they manage, and nobody else's.

Signed-in people who manage at least one unit (``OrganisationUnit.managers``) see those units and
their sub-units: a roll-up per unit, the people (who is done, in progress, overdue), filters and
CSV/XLSX exports. Everyone else gets 403; a unit outside their units gives 404, whether it exists
or not (the page must not tell which units exist).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from accounts.models import OrganisationUnit
from accounts.selectors import managed_units, unit_in_units
from accounts.units import unit_choices
from core.exports import export_format, export_response, form_errors_text
from core.localtime import local_today

from . import compliance
from .compliance_views import (
    ComplianceFilterForm,
    table_rows,
    with_state_labels,
)

PER_PAGE = 50


def _scope_or_403(request):
    scope = managed_units(user=request.user)
    if not scope:
        raise PermissionDenied
    return scope


def _unit_in_scope(form, scope):
    """The unit asked for, if it is in the manager's scope; 404 otherwise (unknown or someone else's)."""
    unit_id = form.cleaned_data.get("unit")
    if not unit_id:
        return None
    unit = OrganisationUnit.objects.filter(pk=unit_id).first()
    if unit is None or not unit_in_units(unit=unit, units=scope):
        raise Http404
    return unit


def _selection(request, form, scope):
    """What the page shows: (unit or None, sub-tree paths, direct path or None)."""
    unit = _unit_in_scope(form, scope)
    direct = request.GET.get("direct") == "1" and unit is not None
    if unit is not None:
        return unit, [unit.path], unit.path if direct else None
    return None, [root.path for root in scope], None


def _extension_decisions_url():
    try:
        return reverse("courses:extension_decisions")
    except NoReverseMatch:
        return None


@login_required
def team(request):
    scope = _scope_or_403(request)
    form = ComplianceFilterForm(request.GET)
    context = {
        "form": form,
        "scope": scope,
        "today": local_today(),
        "extension_decisions_url": _extension_decisions_url(),
    }
    if not form.is_valid():
        form.set_unit_choices(unit_choices(_("All my units"), scope))
        return render(request, "courses/training/team.html", context)

    unit, paths, direct_path = _selection(request, form, scope)
    filters, today = form.filters(), context["today"]
    # The roll-up: the chosen unit's children, the only managed unit's children, or one row per managed unit.
    summary_unit = unit or (scope[0] if len(scope) == 1 else None)
    if summary_unit is not None:
        result = compliance.rollup(parent=summary_unit, filters=filters, today=today)
    else:
        result = compliance.rollup_of_units(units=scope, filters=filters, today=today)
    table_rows(result)
    ancestors = []
    if unit is not None:
        ancestors = [item for item in unit.get_ancestors() if unit_in_units(unit=item, units=scope)]
    children = [row.unit for row in result.rows if row.unit is not None and row.unit not in scope]
    form.set_unit_choices(unit_choices(_("All my units"), [*scope, *ancestors, *([unit] if unit else []), *children]))
    assignments = compliance.people(paths=paths, direct_path=direct_path, filters=filters, today=today)
    page_obj = Paginator(assignments, PER_PAGE).get_page(request.GET.get("p"))
    page_obj.object_list = with_state_labels(page_obj.object_list)
    query = form.query()
    unit_query = "&".join(part for part in [f"unit={unit.pk}" if unit else "", query] if part)
    context.update(
        unit=unit,
        direct=direct_path is not None,
        summary_unit=summary_unit,
        result=result,
        ancestors=ancestors,
        page_obj=page_obj,
        query=query,
        unit_query=unit_query,
        people_query=unit_query + ("&direct=1" if direct_path else ""),
    )
    return render(request, "courses/training/team.html", context)


@login_required
def team_export(request, fmt):
    """The people list the manager may see (all pages) as CSV or XLSX."""
    scope = _scope_or_403(request)
    fmt = export_format(fmt)
    form = ComplianceFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(form_errors_text(form), content_type="text/plain; charset=utf-8")
    unit, paths, direct_path = _selection(request, form, scope)
    assignments = compliance.people(paths=paths, direct_path=direct_path, filters=form.filters())
    count = assignments.count()
    limit = compliance.EXPORT_MAX_ROWS[fmt]
    if count > limit:
        messages.error(request, compliance.too_many_rows_message % {"count": count, "limit": limit})
        return redirect(f"{reverse('courses:team')}?{request.GET.urlencode()}")
    name = f"team-{unit.code}" if unit else "team"
    return export_response(compliance.people_dataset(assignments=assignments), fmt, name, request=request)


@login_required
def team_summary_export(request, fmt):
    """The roll-up on the manager's page as CSV or XLSX."""
    scope = _scope_or_403(request)
    fmt = export_format(fmt)
    form = ComplianceFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(form_errors_text(form), content_type="text/plain; charset=utf-8")
    unit, _paths, _direct = _selection(request, form, scope)
    summary_unit = unit or (scope[0] if len(scope) == 1 else None)
    if summary_unit is not None:
        result = compliance.rollup(parent=summary_unit, filters=form.filters())
    else:
        result = compliance.rollup_of_units(units=scope, filters=form.filters())
    name = f"team-summary-{unit.code}" if unit else "team-summary"
    return export_response(compliance.rollup_dataset(result=result), fmt, name, request=request)
