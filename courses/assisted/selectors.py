"""Reads of assisted learning: a helper's sessions (only those they ran), a citizen's, and the figures
per unit and helper for insights."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q, QuerySet

from accounts import roles
from accounts.models import User

from .models import AssistedMark, AssistedSession

Status = AssistedSession.Status


def helpers(*, helper_id: int | None = None) -> QuerySet[User]:
    """The people holding the helper role, by unit and name (or the one with ``helper_id``)."""
    people = User.objects.filter(groups__name=roles.HELPER).select_related("organisation_unit")
    if helper_id is not None:
        people = people.filter(pk=helper_id)
    return people.order_by("organisation_unit__path", "full_name", "pk")


def helper_sessions(*, helper: User) -> QuerySet[AssistedSession]:
    """The sessions ``helper`` ran (a withdrawn one names no helper any more), newest first."""
    return (
        AssistedSession.objects.filter(helper=helper)
        .exclude(status=Status.WITHDRAWN)
        .select_related("citizen", "unit")
        .order_by("-started_at", "-pk")
    )


def helper_session(*, helper: User, session_id: int) -> AssistedSession | None:
    """One of ``helper``'s sessions, or None (another helper's, a withdrawn one, an unknown id alike)."""
    return helper_sessions(helper=helper).filter(pk=session_id).first()


def session_marks(*, session: AssistedSession) -> list[AssistedMark]:
    return list(session.marks.select_related("lesson", "tutorial", "service").order_by("at", "pk"))


def citizen_sessions(*, citizen: User) -> list[AssistedSession]:
    """The sessions in which ``citizen`` agreed to be helped, newest first, with their marks."""
    return list(
        AssistedSession.objects.filter(citizen=citizen, consent_at__isnull=False)
        .select_related("helper", "unit")
        .prefetch_related("marks__lesson", "marks__tutorial", "marks__service")
        .order_by("-started_at", "-pk")
    )


def citizen_session(*, citizen: User, session_id: int) -> AssistedSession | None:
    return AssistedSession.objects.filter(citizen=citizen, pk=session_id, consent_at__isnull=False).first()


def citizen_was_assisted(*, citizen: User) -> bool:
    return AssistedSession.objects.filter(citizen=citizen, consent_at__isnull=False).exists()


@dataclass
class AssistedCounts:
    """Per unit and per helper (``None``: a withdrawn session, whose helper is no longer named)."""

    by_unit: dict[int | None, dict[str, int]] = field(default_factory=dict)
    by_helper: dict[int | None, dict[str, int]] = field(default_factory=dict)
    helper_names: dict[int, str] = field(default_factory=dict)


def assisted_counts(
    *, unit_paths: list[str] | None, start: datetime.datetime, end: datetime.datetime
) -> AssistedCounts:
    """Sessions the citizen agreed to (``sessions``) and services completed at the counter (``services``),
    with ``consent_at`` in [start, end), per unit and per helper; units under ``unit_paths`` (None: all)."""
    sessions = AssistedSession.objects.filter(consent_at__gte=start, consent_at__lt=end)
    if unit_paths is not None:
        condition = Q()
        for path in unit_paths:
            condition |= Q(unit__path__startswith=path)
        sessions = sessions.filter(condition)
    service = Q(marks__kind=AssistedMark.Kind.SERVICE)
    counts = AssistedCounts()
    per_unit = (
        sessions.values("unit_id")
        .annotate(sessions=Count("pk", distinct=True), services=Count("marks", filter=service))
        .values_list("unit_id", "sessions", "services")
    )
    for unit_id, count, services in per_unit:
        counts.by_unit[unit_id] = {"sessions": count, "services": services}
    per_helper = (
        sessions.values("helper_id", "helper__full_name")
        .annotate(sessions=Count("pk", distinct=True), services=Count("marks", filter=service))
        .values_list("helper_id", "helper__full_name", "sessions", "services")
    )
    for helper_id, name, count, services in per_helper:
        counts.by_helper[helper_id] = {"sessions": count, "services": services}
        if helper_id is not None:
            counts.helper_names[helper_id] = name or ""
    return counts


def service_first_assisted(*, service_ids: list[int]) -> list[tuple[int, int, datetime.datetime]]:
    """(service id, unit id, when) of the first thing done at a unit's counter for each of these services:
    the service completed there, or one of its tutorials walked with a helper (insights' uptake milestones)."""
    direct = (
        AssistedMark.objects.filter(kind=AssistedMark.Kind.SERVICE, service_id__in=service_ids)
        .values_list("service_id", "session__unit_id")
        .annotate(first=Min("at"))
    )
    through_tutorial = (
        AssistedMark.objects.filter(kind=AssistedMark.Kind.TUTORIAL, tutorial__public_service_id__in=service_ids)
        .values_list("tutorial__public_service_id", "session__unit_id")
        .annotate(first=Min("at"))
    )
    first: dict[tuple[int, int], datetime.datetime] = {}
    for service_id, unit_id, at in [*direct, *through_tutorial]:
        if unit_id is not None and ((service_id, unit_id) not in first or at < first[(service_id, unit_id)]):
            first[(service_id, unit_id)] = at
    return sorted((service_id, unit_id, at) for (service_id, unit_id), at in first.items())
