"""Mandatory training: assignments from requirements, due dates, renewal, extensions, corrections.

Writes only; reads for pages and reports are in ``selectors`` and ``compliance``. Training hears
of learning through ``courses.learning.events`` (``subscribe_to_learning``) and reads and writes
learning's tables only through learning's selectors and services.

Assignment generation (``assignments_sync``) is idempotent and set-based: it
compares who matches each requirement with who holds a current assignment and
writes only the difference, in bulk. Unique constraints (one assignment per
person, requirement and cycle; one current one) make two concurrent runs safe.
It runs when a requirement is saved, when people are imported or move unit
(the accounts layer's people-changed hook, ``tasks.people_changed``) and nightly (Celery beat).
"""

import datetime
import logging
from collections.abc import Iterable, Iterator
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.localtime import local_date, local_today, months_add

from .. import hooks
from ..learning import events
from ..learning.models import Enrolment
from ..learning.selectors import completions_latest, enrolled_user_ids
from ..learning.services import enrolment_archive
from .models import Assignment, AssignmentEvent, ExtensionRequest, TrainingRequirement
from .selectors import can_decide

log = logging.getLogger(__name__)

# The longest extension a manager may grant in one decision.
EXTENSION_MAX_DAYS = 365


# Dates -----------------------------------------------------------------------------


def due_date_for(
    *, requirement: TrainingRequirement, assigned_on: datetime.date, started_on: datetime.date | None = None
) -> datetime.date:
    """When a first-cycle assignment made on ``assigned_on`` is due.

    Fixed: the requirement's date. After being assigned: N days after
    ``assigned_on``. After starting work: N days after the start date, but
    counted from the assignment when the person started before it (so nobody
    is overdue on the day a new requirement reaches them).
    """
    # The check constraint courses_trainingrequirement_due_complete: a fixed rule has its date, the others their days.
    if requirement.due_rule == TrainingRequirement.DueRule.FIXED:
        return cast(datetime.date, requirement.due_on)
    days = datetime.timedelta(days=cast(int, requirement.due_days))
    if requirement.due_rule == TrainingRequirement.DueRule.AFTER_START and started_on:
        return max(started_on, assigned_on) + days
    return assigned_on + days


def renewal_dates(
    *, requirement: TrainingRequirement, completed_on: datetime.date
) -> tuple[datetime.date | None, datetime.date | None]:
    """(renews_on, expires_on) of a cycle completed on ``completed_on``; (None, None) without renewal."""
    if not requirement.recertify_months:
        return None, None
    expires_on = months_add(completed_on, requirement.recertify_months)
    return expires_on - datetime.timedelta(days=requirement.renewal_window_days), expires_on


# Who must take it ------------------------------------------------------------------


def requirement_people(*, requirement: TrainingRequirement) -> QuerySet[User]:
    """Active people the requirement applies to (a queryset; the tree is selected by path prefix)."""
    units = list(requirement.units.only("pk", "path"))
    if not units:
        return User.objects.none()
    if requirement.include_sub_units:
        in_units = Q()
        for unit in units:
            in_units |= Q(organisation_unit__path__startswith=unit.path)
    else:
        in_units = Q(organisation_unit__in=units)
    people = User.objects.filter(in_units, is_active=True)
    positions = requirement.position_list()
    if positions:
        people = people.filter(position__in=positions)
    if requirement.learner_kind:
        people = people.filter(kind=requirement.learner_kind)
    return people


# Generation ------------------------------------------------------------------------


def assignments_sync(
    *,
    requirement_ids: Iterable[int] | None = None,
    user_ids: Iterable[int] | None = None,
    today: datetime.date | None = None,
) -> dict[str, int]:
    """Bring assignments in line with requirements; returns counts of what changed.

    Restrict to some requirements or some people with the arguments. Running
    it twice changes nothing the second time.
    """
    today = today or local_today()
    requirements = TrainingRequirement.objects.select_related("course")
    if requirement_ids is not None:
        requirements = requirements.filter(pk__in=requirement_ids)
    totals = {"created": 0, "completed_already": 0, "moved": 0, "cancelled": 0, "renewed": 0}
    for requirement in requirements:
        counts = _requirement_sync(requirement=requirement, user_ids=user_ids, today=today)
        for key, value in counts.items():
            totals[key] += value
    return totals


def _requirement_sync(
    *, requirement: TrainingRequirement, user_ids: Iterable[int] | None, today: datetime.date
) -> dict[str, int]:
    counts = dict.fromkeys(("created", "completed_already", "moved", "cancelled", "renewed"), 0)
    now = timezone.now()
    with transaction.atomic():
        current = Assignment.objects.filter(requirement=requirement, is_current=True)
        people = requirement_people(requirement=requirement) if requirement.is_active else User.objects.none()
        if user_ids is not None:
            current = current.filter(user_id__in=user_ids)
            people = people.filter(pk__in=user_ids)
        wanted = {
            row[0]: row[1:]
            for row in people.values_list("pk", "organisation_unit_id", "organisation_unit__path", "started_on")
        }
        held = {a.user_id: a for a in current.only("pk", "user_id", "unit_id", "unit_path", "status", "due_on")}

        # No longer required: open ones are cancelled, the others leave the current set as history.
        gone = [a for user_id, a in held.items() if user_id not in wanted]
        if gone:
            counts["cancelled"] = _assignments_retire(assignments=gone, now=now)

        # Moved unit: the report follows the person.
        moved = [
            a
            for user_id, a in held.items()
            if user_id in wanted and (a.unit_id, a.unit_path) != (wanted[user_id][0], wanted[user_id][1] or "")
        ]
        for assignment in moved:
            assignment.unit_id, assignment.unit_path = (
                wanted[assignment.user_id][0],
                wanted[assignment.user_id][1] or "",
            )
        if moved:
            Assignment.objects.bulk_update(moved, ["unit", "unit_path"], batch_size=1000)
            counts["moved"] = len(moved)

        # Newly matched: a new cycle (after any past ones), completed already if a valid completion exists.
        new_ids = [user_id for user_id in wanted if user_id not in held]
        if new_ids:
            created, already = _assignments_create(
                requirement=requirement, user_ids=new_ids, wanted=wanted, today=today, now=now
            )
            counts["created"], counts["completed_already"] = created, already

        counts["renewed"] = _cycles_renew(requirement=requirement, user_ids=user_ids, today=today, now=now)
    if any(counts.values()):
        log.info("Training requirement %s synchronised: %s", requirement.pk, counts)
    return counts


def _assignments_retire(*, assignments: list[Assignment], now: datetime.datetime) -> int:
    open_ids = [a.pk for a in assignments if a.status == Assignment.Status.OPEN]
    other_ids = [a.pk for a in assignments if a.status != Assignment.Status.OPEN]
    cancelled = 0
    if open_ids:
        cancelled = Assignment.objects.filter(pk__in=open_ids, status=Assignment.Status.OPEN).update(
            status=Assignment.Status.CANCELLED, is_current=False
        )
        AssignmentEvent.objects.bulk_create(
            [
                AssignmentEvent(
                    assignment_id=pk,
                    kind=AssignmentEvent.Kind.CANCELLED,
                    at=now,
                    old_status=Assignment.Status.OPEN,
                    new_status=Assignment.Status.CANCELLED,
                    reason=_("No longer matches the requirement (unit, position, or account deactivated)."),
                )
                for pk in open_ids
            ],
            batch_size=1000,
        )
    if other_ids:
        Assignment.objects.filter(pk__in=other_ids).update(is_current=False)
    return cancelled


def _assignments_create(
    *,
    requirement: TrainingRequirement,
    user_ids: list[int],
    wanted: dict[int, tuple],
    today: datetime.date,
    now: datetime.datetime,
) -> tuple[int, int]:
    next_cycle = dict(
        Assignment.objects.filter(requirement=requirement, user_id__in=user_ids)
        .values("user_id")
        .annotate(last=Max("cycle"))
        .values_list("user_id", "last")
    )
    # A completion of the course that is still valid counts (it was done before the requirement existed).
    completions = completions_latest(course_id=requirement.course_id, user_ids=user_ids)
    started = enrolled_user_ids(course_id=requirement.course_id, user_ids=user_ids)
    rows, already, expired = [], 0, []
    for user_id in user_ids:
        unit_id, unit_path, started_on = wanted[user_id]
        assignment = Assignment(
            requirement=requirement,
            user_id=user_id,
            cycle=next_cycle.get(user_id, 0) + 1,
            unit_id=unit_id,
            unit_path=unit_path or "",
            assigned_at=now,
            due_on=due_date_for(requirement=requirement, assigned_on=today, started_on=started_on),
            started_at=now if user_id in started else None,
        )
        completed_at = completions.get(user_id)
        if completed_at is not None:
            renews_on, expires_on = renewal_dates(requirement=requirement, completed_on=local_date(completed_at))
            if expires_on is None or expires_on > today:
                assignment.status = Assignment.Status.COMPLETED
                assignment.completed_at = completed_at
                assignment.started_at = assignment.started_at or completed_at
                assignment.renews_on, assignment.expires_on = renews_on, expires_on
                already += 1
            else:
                # Completed once, but that has expired: the course is to be taken again.
                expired.append(user_id)
                assignment.started_at = None
        rows.append(assignment)
    for user_id in expired:
        enrolment_archive(user_id=user_id, course_id=requirement.course_id, now=now)
    # ON CONFLICT DO NOTHING: a concurrent run that created some of them first wins, harmlessly.
    before = Assignment.objects.filter(requirement=requirement, is_current=True).count()
    Assignment.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    created = Assignment.objects.filter(requirement=requirement, is_current=True).count() - before
    return created, min(already, created)


def _cycles_renew(
    *,
    requirement: TrainingRequirement,
    user_ids: Iterable[int] | None,
    today: datetime.date,
    now: datetime.datetime,
) -> int:
    """Open the next cycle of completed assignments whose renewal window has opened."""
    if not requirement.recertify_months:
        return 0
    due = Assignment.objects.filter(
        requirement=requirement, is_current=True, status=Assignment.Status.COMPLETED, renews_on__lte=today
    )
    if user_ids is not None:
        due = due.filter(user_id__in=user_ids)
    renewed = 0
    for old in due.select_related("user").only(
        "pk", "user_id", "cycle", "unit_id", "unit_path", "expires_on", "completed_at"
    ):
        # Conditional update: of two concurrent runs, one renews.
        if not Assignment.objects.filter(pk=old.pk, is_current=True).update(is_current=False):
            continue
        new = Assignment.objects.create(
            requirement=requirement,
            user_id=old.user_id,
            cycle=old.cycle + 1,
            unit_id=old.unit_id,
            unit_path=old.unit_path,
            assigned_at=now,
            due_on=old.expires_on or today,
        )
        AssignmentEvent.objects.create(
            assignment=new,
            kind=AssignmentEvent.Kind.RENEWED,
            at=now,
            new_status=Assignment.Status.OPEN,
            new_due_on=new.due_on,
            reason=_("Cycle %(cycle)s completed on %(date)s expires on %(expires)s.")
            % {
                "cycle": old.cycle,
                "date": local_date(cast(datetime.datetime, old.completed_at)).strftime("%d/%m/%Y"),
                "expires": new.due_on.strftime("%d/%m/%Y"),
            },
        )
        enrolment_archive(user_id=old.user_id, course_id=requirement.course_id, now=now)
        renewed += 1
    return renewed


# Progress from learning --------------------------------------------------------------


def assignments_start(*, enrolment: Enrolment) -> int:
    """The person began the course (``learning.events.enrolment_created``): their open assignments for
    it are in progress from the enrolment's time."""
    return Assignment.objects.filter(
        user_id=enrolment.user_id,
        requirement__course_id=enrolment.course_id,
        is_current=True,
        status=Assignment.Status.OPEN,
        started_at__isnull=True,
    ).update(started_at=enrolment.enrolled_at or timezone.now())


def assignments_complete(*, enrolment: Enrolment) -> int:
    """Completing a course completes the person's open assignments for it.

    Subscribed to ``learning.events.course_completed``: runs in the completing transaction.
    """
    completed_at = cast(datetime.datetime, enrolment.completed_at)  # announced once completed
    open_assignments = list(
        Assignment.objects.filter(
            user_id=enrolment.user_id,
            requirement__course_id=enrolment.course_id,
            is_current=True,
            status=Assignment.Status.OPEN,
        ).select_related("requirement")
    )
    events = []
    for assignment in open_assignments:
        renews_on, expires_on = renewal_dates(requirement=assignment.requirement, completed_on=local_date(completed_at))
        updated = Assignment.objects.filter(pk=assignment.pk, status=Assignment.Status.OPEN).update(
            status=Assignment.Status.COMPLETED,
            completed_at=completed_at,
            started_at=assignment.started_at or completed_at,
            renews_on=renews_on,
            expires_on=expires_on,
        )
        if updated:
            events.append(
                AssignmentEvent(
                    assignment=assignment,
                    kind=AssignmentEvent.Kind.COMPLETED,
                    at=completed_at,
                    old_status=Assignment.Status.OPEN,
                    new_status=Assignment.Status.COMPLETED,
                )
            )
    AssignmentEvent.objects.bulk_create(events)
    return len(events)


# Extensions ------------------------------------------------------------------------


def extension_request_create(
    *, user: User, assignment: Assignment, requested_due_on: datetime.date, reason: str
) -> ExtensionRequest:
    """A civil servant asks to move the due date of their own open assignment."""
    if assignment.user_id != user.pk or not assignment.is_current:
        raise PermissionDenied
    if assignment.status != Assignment.Status.OPEN:
        raise ValidationError(_("Only open training can be extended."), code="not_open")
    if requested_due_on <= assignment.due_on:
        raise ValidationError(_("Choose a date after the current due date."), code="not_later")
    if requested_due_on > assignment.due_on + datetime.timedelta(days=EXTENSION_MAX_DAYS):
        raise ValidationError(
            _("An extension can be at most %(days)s days.") % {"days": EXTENSION_MAX_DAYS}, code="too_long"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the extension."), code="no_reason")
    try:
        with transaction.atomic():
            extension = ExtensionRequest.objects.create(
                assignment=assignment, requested_by=user, requested_due_on=requested_due_on, reason=reason
            )
            # The managers who can decide are told (outreach, after commit).
            hooks.notice_hooks_run(event=hooks.EXTENSION_REQUESTED, pk=extension.pk)
            return extension
    except IntegrityError:
        raise ValidationError(
            _("You already asked for an extension of this training; wait for the decision."), code="pending"
        ) from None


def extension_decide(*, manager: User, extension: ExtensionRequest, approve: bool, note: str = "") -> ExtensionRequest:
    """Approve (the due date moves) or refuse an extension request; the decision is recorded once."""
    if not can_decide(user=manager, extension=extension):
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic():
        status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED
        decided = ExtensionRequest.objects.filter(pk=extension.pk, status=ExtensionRequest.Status.PENDING).update(
            status=status, decided_by=manager, decided_at=now, decision_note=(note or "").strip()
        )
        if not decided:
            raise ValidationError(_("This request has already been decided."), code="decided")
        # The person who asked is told the answer (outreach, after commit).
        hooks.notice_hooks_run(event=hooks.EXTENSION_DECIDED, pk=extension.pk)
        if approve:
            assignment = Assignment.objects.select_for_update().get(pk=extension.assignment_id)
            old_due_on = assignment.due_on
            if assignment.status == Assignment.Status.OPEN and extension.requested_due_on > old_due_on:
                assignment.due_on = extension.requested_due_on
                assignment.save(update_fields=["due_on"])
                AssignmentEvent.objects.create(
                    assignment=assignment,
                    kind=AssignmentEvent.Kind.EXTENDED,
                    actor=manager,
                    at=now,
                    reason=extension.reason,
                    old_status=assignment.status,
                    new_status=assignment.status,
                    old_due_on=old_due_on,
                    new_due_on=assignment.due_on,
                )
    extension.refresh_from_db()
    return extension


# Corrections by training administrators ------------------------------------------------


class Correction:
    MARK_COMPLETE = "mark_complete"
    EXEMPT = "exempt"
    REOPEN = "reopen"


def assignment_correct(
    *,
    actor: User,
    assignment: Assignment,
    action: str,
    reason: str,
    evidence: str = "",
    completed_on: datetime.date | None = None,
    due_on: datetime.date | None = None,
) -> Assignment:
    """Correct a record: mark complete (with evidence), exempt or reopen; always with a reason.

    Every correction is kept as an event with who, when, why and the status before and after.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for this correction."), code="no_reason")
    now = timezone.now()
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().select_related("requirement").get(pk=assignment.pk)
        old_status, old_due_on = assignment.status, assignment.due_on
        if action == Correction.MARK_COMPLETE:
            if not (evidence or "").strip():
                raise ValidationError(_("Describe the evidence of completion."), code="no_evidence")
            if assignment.status == Assignment.Status.COMPLETED:
                raise ValidationError(_("This training is already completed."), code="already")
            completed_on = completed_on or local_today()
            if completed_on > local_today():
                raise ValidationError(_("The completion date cannot be in the future."), code="future")
            assignment.status = Assignment.Status.COMPLETED
            assignment.completed_at = timezone.make_aware(datetime.datetime.combine(completed_on, datetime.time(12)))
            assignment.started_at = assignment.started_at or assignment.completed_at
            assignment.renews_on, assignment.expires_on = renewal_dates(
                requirement=assignment.requirement, completed_on=completed_on
            )
            kind = AssignmentEvent.Kind.MARKED_COMPLETE
        elif action == Correction.EXEMPT:
            if assignment.status == Assignment.Status.EXEMPT:
                raise ValidationError(_("This person is already exempt."), code="already")
            assignment.status = Assignment.Status.EXEMPT
            assignment.exempt_reason = reason
            kind = AssignmentEvent.Kind.EXEMPTED
        elif action == Correction.REOPEN:
            if assignment.status == Assignment.Status.OPEN:
                raise ValidationError(_("This training is already open."), code="already")
            if assignment.status == Assignment.Status.CANCELLED or not assignment.is_current:
                raise ValidationError(_("Only the current cycle can be reopened."), code="not_current")
            assignment.status = Assignment.Status.OPEN
            assignment.completed_at = None
            assignment.renews_on = assignment.expires_on = None
            assignment.exempt_reason = ""
            if due_on is not None:
                assignment.due_on = due_on
            kind = AssignmentEvent.Kind.REOPENED
        else:
            raise ValidationError(_("Unknown correction."), code="unknown")
        assignment.save()
        AssignmentEvent.objects.create(
            assignment=assignment,
            kind=kind,
            actor=actor,
            at=now,
            reason=reason,
            evidence=(evidence or "").strip(),
            old_status=old_status,
            new_status=assignment.status,
            old_due_on=old_due_on,
            new_due_on=assignment.due_on,
        )
    return assignment


def assignment_unit_paths_refresh() -> int:
    """Copy each current assignment's unit path again where the tree renumbered it; returns the count."""
    stale = Assignment.objects.filter(is_current=True, unit__isnull=False).exclude(unit_path=F("unit__path"))
    changed = 0
    for batch in _batched(rows=stale.values_list("pk", "unit__path"), size=1000):
        assignments = [Assignment(pk=pk, unit_path=path) for pk, path in batch]
        Assignment.objects.bulk_update(assignments, ["unit_path"])
        changed += len(assignments)
    return changed


def _batched(*, rows: QuerySet, size: int) -> Iterator[list]:
    batch = []
    for row in rows.iterator(chunk_size=size):
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def subscribe_to_learning() -> None:
    """Called from ``CoursesConfig.ready``: enrolling starts, completing completes, the person's assignments."""
    events.enrolment_created.subscribe(assignments_start)
    events.course_completed.subscribe(assignments_complete)
