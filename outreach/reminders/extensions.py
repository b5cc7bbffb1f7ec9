"""Extension notices: a request waits for a manager; the person who asked hears the answer.

- ``extension_requested``: to every active manager of the requester's unit or of a unit above it
  (those who can decide it, ``courses.training.selectors.can_decide``), never to the requester;
  links to the page where requests are decided. Cancelled at sending when the request was
  decided meanwhile, or the recipient no longer manages a unit above the requester.
- ``extension_approved`` / ``extension_refused``: to the requester, with the new due date or the
  manager's note; links to their training page.

Service notices (like the training reminders): they follow the person's channels and cannot be
refused. Planned by the planning pass (every 5 minutes, anything pending or decided in the last
``NOTICE_LOOKBACK``), and at once after the commit of the request or decision (``notices.py``,
through ``COURSES_NOTICE_HOOKS``). Keys: once per request and recipient (then ``:channel``).
"""

import datetime
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrganisationUnit, User
from courses.models import ExtensionRequest
from outreach.delivery.kinds import Kind, KindFamily, family_register
from outreach.delivery.outbox import PERSON, Outbox, Person, person_fields

from .models import MessageKind
from .planning import ReminderPlan, date_display, reminder_plan

EXTENSION_KINDS = (MessageKind.EXTENSION_REQUESTED, MessageKind.EXTENSION_APPROVED, MessageKind.EXTENSION_REFUSED)
# Decisions older than this are not announced any more (the planning pass finds the newer ones).
NOTICE_LOOKBACK = datetime.timedelta(days=2)
_REQUEST_FIELDS = (
    "pk",
    "assignment__unit_path",
    "requested_by__full_name",
    "requested_due_on",
    "reason",
    "assignment__due_on",
    "assignment__requirement__name",
    "assignment__requirement__course__title",
    "status",
    "decision_note",
)


def managers_by_path() -> dict[str, set[int]]:
    """{unit path: ids of its active managers} (one query)."""
    managed: dict[str, set[int]] = {}
    for manager_id, path in OrganisationUnit.managers.through.objects.filter(user__is_active=True).values_list(
        "user_id", "organisationunit__path"
    ):
        managed.setdefault(path, set()).add(manager_id)
    return managed


def deciders(managed: dict[str, set[int]], unit_path: str, requester_id: int) -> set[int]:
    """The managers of the unit at ``unit_path`` and of every unit above it, except the requester."""
    step = OrganisationUnit.steplen
    found: set[int] = set()
    for depth in range(1, len(unit_path) // step + 1):
        found |= managed.get(unit_path[: depth * step], set())
    found.discard(requester_id)
    return found


def _note(text: str, language: str) -> str:
    if text.strip():
        return text.strip()
    with translation.override(language):
        return _("(no note)")


def _training_values(plan: ReminderPlan, language: str, row: tuple, page: str) -> dict:
    _pk, _path, requester, requested_due_on, reason, due_on, requirement, course, _status, note = row
    return {
        "requester": requester,
        "requirement": requirement,
        "course": course,
        "due_date": date_display(due_on),
        "requested_date": date_display(requested_due_on),
        "reason": reason,
        "note": _note(note, language),
        **plan.links.page(page, language).values(),
    }


def _only(requests: QuerySet, pk: int | None) -> QuerySet:
    return requests if pk is None else requests.filter(pk=pk)


def plan_extension_requested(*, outbox: Outbox, pk: int | None = None) -> None:
    """Every pending request (or only ``pk``): one notice to each manager who can decide it."""
    plan = reminder_plan(outbox=outbox)
    requests = list(
        _only(ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING), pk)
        .filter(assignment__is_current=True)
        .exclude(assignment__unit_path="")
        .values_list("requested_by_id", *_REQUEST_FIELDS)
    )
    if not requests:
        return
    managed = managers_by_path()
    recipients = {row[1]: deciders(managed, row[2], row[0]) for row in requests}
    everyone = {manager_id for ids in recipients.values() for manager_id in ids}
    people = {row[0]: Person.of(row) for row in User.objects.filter(pk__in=everyone).values_list(*person_fields(""))}
    for requester_id, *row in requests:
        for manager_id in sorted(recipients[row[0]]):
            person = people[manager_id]
            plan.add(
                MessageKind.EXTENSION_REQUESTED,
                person,
                series=f"x{row[0]}",
                subject_id=row[0],
                values=_training_values(plan, person.lang, tuple(row), "courses:extension_decisions"),
                # The requester is named in the text: their name is scrubbed if they are erased.
                context={"user_ids": [requester_id]},
            )


def plan_extension_decided(*, outbox: Outbox, pk: int | None = None) -> None:
    """Requests decided in the last ``NOTICE_LOOKBACK`` (or only ``pk``): the answer to the person who asked."""
    plan = reminder_plan(outbox=outbox)
    decided = _only(
        ExtensionRequest.objects.filter(
            status__in=(ExtensionRequest.Status.APPROVED, ExtensionRequest.Status.REFUSED),
            decided_at__gte=plan.now - NOTICE_LOOKBACK,
            requested_by__is_active=True,
        ),
        pk,
    )
    for row in decided.values_list(*person_fields("requested_by__"), *_REQUEST_FIELDS).iterator(chunk_size=5000):
        person, request = Person.of(row), row[len(PERSON) :]
        approved = request[8] == ExtensionRequest.Status.APPROVED
        values = _training_values(plan, person.lang, request, "courses:my_training")
        if approved:
            values["due_date"] = values["requested_date"]  # the new due date
        plan.add(
            MessageKind.EXTENSION_APPROVED if approved else MessageKind.EXTENSION_REFUSED,
            person,
            series=f"x{request[0]}",
            subject_id=request[0],
            values=values,
        )


def _managed_paths(recipient_ids: Iterable[int]) -> dict[int, list[str]]:
    paths: dict[int, list[str]] = {}
    for user_id, path in OrganisationUnit.managers.through.objects.filter(
        user_id__in=set(recipient_ids), user__is_active=True
    ).values_list("user_id", "organisationunit__path"):
        paths.setdefault(user_id, []).append(path)
    return paths


def extensions_recheck(*, rows: list[dict], now: datetime.datetime, today: datetime.date) -> dict[int, str]:
    """A "request waits" notice is still wanted while the request waits and the recipient can still
    decide it; an answer, while the request exists."""
    state = {
        pk: (status, unit_path, requester_id)
        for pk, status, unit_path, requester_id in ExtensionRequest.objects.filter(
            pk__in={row["subject_id"] for row in rows}
        ).values_list("pk", "status", "assignment__unit_path", "requested_by_id")
    }
    waiting = [row for row in rows if row["kind"] == MessageKind.EXTENSION_REQUESTED]
    paths = _managed_paths(row["recipient_id"] for row in waiting) if waiting else {}
    cancel = {}
    for row in rows:
        found = state.get(row["subject_id"])
        if found is None:
            cancel[row["pk"]] = "gone"
        elif row["kind"] == MessageKind.EXTENSION_REQUESTED:
            status, unit_path, requester_id = found
            if status != ExtensionRequest.Status.PENDING:
                cancel[row["pk"]] = "extension_decided"
            elif row["recipient_id"] == requester_id or not any(
                unit_path and unit_path.startswith(path) for path in paths.get(row["recipient_id"], ())
            ):
                cancel[row["pk"]] = "not_manager"
    return cancel


FAMILY = family_register(
    KindFamily(
        name="extensions",
        order=15,
        kinds=tuple(Kind(kind.value, kind.label) for kind in EXTENSION_KINDS),
        planners=(plan_extension_requested, plan_extension_decided),
        recheck=extensions_recheck,
        reasons={
            "extension_decided": gettext_lazy("The request was decided meanwhile"),
            "not_manager": gettext_lazy("The recipient no longer manages the person's unit"),
        },
    )
)
