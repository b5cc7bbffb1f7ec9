"""Reads of mandatory training for a person's own pages and a manager's decisions (the report is ``compliance``)."""

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, IntegerField, Prefetch, Q, Value, When

from accounts.models import User
from accounts.selectors import managed_unit_paths, path_is_managed
from core.localtime import local_today

from .models import Assignment, AssignmentState, ExtensionRequest


def _state_order(today: datetime.date) -> Case:
    """Overdue first, then what is due soon (``TRAINING_DUE_SOON_DAYS``), the rest still to do, what is settled."""
    soon = today + datetime.timedelta(days=settings.TRAINING_DUE_SOON_DAYS)
    return Case(
        When(status=Assignment.Status.OPEN, due_on__lt=today, then=Value(0)),
        When(status=Assignment.Status.OPEN, due_on__lte=soon, then=Value(1)),
        When(state=AssignmentState.IN_PROGRESS, then=Value(2)),
        When(state=AssignmentState.NOT_STARTED, then=Value(3)),
        When(state=AssignmentState.COMPLETED, then=Value(4)),
        default=Value(5),
        output_field=IntegerField(),
    )


def can_decide(*, user: User | AnonymousUser, extension: ExtensionRequest) -> bool:
    """A manager of the person's unit or of a unit above it, who is not the person asking."""
    if extension.requested_by_id == user.pk:
        return False
    return path_is_managed(user=user, path=extension.assignment.unit_path)


def my_training_for(*, user: User, today: datetime.date | None = None) -> dict[str, Any]:
    """A person's current assignments (overdue, then due soon, then the rest by due date) and past cycles.

    An assignment due within ``TRAINING_DUE_SOON_DAYS`` days carries ``due_soon`` and ``days_left``.

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
        .annotate(state_order=_state_order(today))
        .select_related("requirement__course")
        .prefetch_related(pending)
        .order_by("state_order", "due_on", "pk")
    )
    for assignment in current:
        assignment.due_soon = assignment.state_order == 1
        assignment.days_left = (assignment.due_on - today).days
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
