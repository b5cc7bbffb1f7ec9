"""Reads of mandatory training for a person's own pages and a manager's decisions (the report is ``compliance``)."""

import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When

from accounts.models import OrganisationUnit, User
from core.localtime import local_today

from .models import Assignment, AssignmentState, ExtensionRequest

# Overdue first, then what is still to do, then what is settled.
_STATE_ORDER = Case(
    When(state=AssignmentState.OVERDUE, then=Value(0)),
    When(state=AssignmentState.IN_PROGRESS, then=Value(1)),
    When(state=AssignmentState.NOT_STARTED, then=Value(2)),
    When(state=AssignmentState.COMPLETED, then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)


def managed_units(*, user: User | AnonymousUser) -> QuerySet[OrganisationUnit]:
    """The units ``user`` manages (``OrganisationUnit.managers``): training's one definition of it.

    A manager also oversees these units' sub-units (by path prefix); nobody signed out manages any.
    """
    if not user.is_authenticated:
        return OrganisationUnit.objects.none()
    return OrganisationUnit.objects.filter(managers=user)


def managed_unit_paths(*, user: User | AnonymousUser) -> list[str]:
    """Tree paths of the units ``user`` manages (their sub-units are included by prefix)."""
    return list(managed_units(user=user).values_list("path", flat=True))


def can_decide(*, user: User | AnonymousUser, extension: ExtensionRequest) -> bool:
    """A manager of the person's unit or of a unit above it, who is not the person asking."""
    if extension.requested_by_id == user.pk:
        return False
    unit_path = extension.assignment.unit_path
    return bool(unit_path) and any(unit_path.startswith(path) for path in managed_unit_paths(user=user))


def my_training_for(*, user: User, today: datetime.date | None = None) -> dict[str, Any]:
    """A person's current assignments (overdue first, then by due date) and past cycles.

    Four queries: assignments with their requirement and course, pending
    extension requests, the history, and whether the person manages a unit.
    """
    today = today or local_today()
    pending = Prefetch(
        "extension_requests",
        queryset=ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING),
        to_attr="pending_extensions",
    )
    current = list(
        Assignment.objects.filter(user=user, is_current=True)
        .with_state(today)
        .annotate(state_order=_STATE_ORDER)
        .select_related("requirement__course")
        .prefetch_related(pending)
        .order_by("state_order", "due_on", "pk")
    )
    history = list(
        Assignment.objects.filter(user=user, is_current=False)
        .exclude(status=Assignment.Status.CANCELLED)
        .select_related("requirement")
        .order_by("-completed_at", "-cycle")
    )
    return {
        "assignments": current,
        "history": history,
        "today": today,
        "manages_units": bool(managed_unit_paths(user=user)),
    }


def own_assignment(*, user: User, assignment_id: int) -> Assignment | None:
    """The person's own current assignment with this id, or None (another person's is None too)."""
    return (
        Assignment.objects.filter(pk=assignment_id, user=user, is_current=True)
        .select_related("requirement__course")
        .first()
    )


def extension_requests_to_decide(*, user: User) -> list[ExtensionRequest]:
    """Pending requests from people under the units ``user`` manages (not their own)."""
    paths = managed_unit_paths(user=user)
    if not paths:
        return []
    under = Q()
    for path in paths:
        under |= Q(assignment__unit_path__startswith=path)
    return list(
        ExtensionRequest.objects.filter(under, status=ExtensionRequest.Status.PENDING)
        .exclude(requested_by=user)
        .select_related("assignment__requirement", "assignment__unit", "requested_by")
        .order_by("requested_at")
    )
