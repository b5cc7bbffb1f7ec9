"""The unit managers' weekly digest: the overdue people of their units, the extension requests waiting."""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import OrganisationUnit, User
from core.localtime import local_time
from courses.models import ExtensionRequest
from outreach.delivery.kinds import Kind, KindFamily, family_register
from outreach.delivery.outbox import Outbox, Person, person_fields

from .models import MessageKind
from .planning import ReminderPlan, date_display, open_training, reminder_plan

DIGEST_MAX_LINES = 50
DIGEST_MAX_IDS = 1000


def _digest_lines(people: list[tuple], language: str) -> str:
    """The digest's list: one line per overdue assignment, at most DIGEST_MAX_LINES."""
    with translation.override(language):
        if not people:
            return _("Nobody is overdue.")
        lines = [
            "- "
            + _("%(name)s: %(requirement)s, due %(date)s")
            % {"name": name, "requirement": requirement, "date": date_display(due_on)}
            for _pk, _user_id, name, requirement, due_on in people[:DIGEST_MAX_LINES]
        ]
        if len(people) > DIGEST_MAX_LINES:
            lines.append(_("… and %(count)s more (see the link below).") % {"count": len(people) - DIGEST_MAX_LINES})
    return "\n".join(lines)


def _managers_by_path() -> dict[str, set[int]]:
    """{unit path: ids of its active managers}."""
    managed = defaultdict(set)
    for manager_id, path in OrganisationUnit.managers.through.objects.filter(user__is_active=True).values_list(
        "user_id", "organisationunit__path"
    ):
        managed[path].add(manager_id)
    return managed


def _per_manager(managed: dict[str, set[int]], rows: Iterable[tuple]) -> dict[int, list[tuple]]:
    """{manager id: the rows (unit path, pk, person id, ...) under their units, except their own}."""
    per_manager = defaultdict(list)
    step = OrganisationUnit.steplen
    for unit_path, *item in rows:
        for depth in range(1, len(unit_path) // step + 1):
            for manager_id in managed.get(unit_path[: depth * step], ()):
                if manager_id != item[1]:
                    per_manager[manager_id].append(tuple(item))
    return per_manager


def _overdue_per_manager(today: datetime.date, managed: dict[str, set[int]]) -> dict[int, list[tuple]]:
    """{manager id: overdue assignments of the people of their units and sub-units (not their own)}."""
    overdue = (
        open_training()
        .filter(due_on__lt=today)
        .exclude(unit_path="")
        .order_by("due_on", "user__full_name", "pk")
        .values_list("unit_path", "pk", "user_id", "user__full_name", "requirement__name", "due_on")
    )
    return _per_manager(managed, overdue.iterator(chunk_size=5000))


def _pending_per_manager(managed: dict[str, set[int]]) -> dict[int, list[tuple]]:
    """{manager id: (request id, requester id, requested at) of the pending extension requests they can decide}."""
    pending = (
        ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING, assignment__is_current=True)
        .exclude(assignment__unit_path="")
        .order_by("requested_at", "pk")
        .values_list("assignment__unit_path", "pk", "requested_by_id", "requested_at")
    )
    return _per_manager(managed, pending.iterator(chunk_size=5000))


def _pending_values(plan: ReminderPlan, pending: list[tuple], language: str) -> dict:
    """The digest's pending extension requests: count, oldest, the page where they are decided, a paragraph."""
    target = plan.links.page("courses:extension_decisions", language)
    oldest = date_display(local_time(pending[0][2]).date()) if pending else ""
    with translation.override(language):
        if pending:
            paragraph = ngettext(
                "%(count)s extension request waits for your decision (the oldest since %(date)s). "
                "Decide on the “%(page)s” page: %(link)s",
                "%(count)s extension requests wait for your decision (the oldest since %(date)s). "
                "Decide on the “%(page)s” page: %(link)s",
                len(pending),
            ) % {"count": len(pending), "date": oldest, "page": target.page, "link": target.link}
        else:
            paragraph = _("No extension request waits for your decision.")
    return {"pending": paragraph, "pending_count": len(pending), "pending_oldest": oldest, **target.values("pending")}


def plan_manager_digest(*, outbox: Outbox) -> None:
    """One message a week per unit manager: the overdue people of their units and sub-units, and the
    extension requests waiting for their decision (sent when either list has someone)."""
    plan = reminder_plan(outbox=outbox)
    if plan.today.weekday() < plan.config.digest_weekday:
        return
    managed = _managers_by_path()
    if not managed:
        return
    overdue, waiting = _overdue_per_manager(plan.today, managed), _pending_per_manager(managed)
    if not overdue and not waiting:
        return
    year, week, _weekday = plan.today.isocalendar()
    managers = User.objects.filter(pk__in=list({*overdue, *waiting})).values_list(*person_fields(""))
    for row in managers:
        person = Person.of(row)
        people = list(dict.fromkeys(overdue.get(person.id, ())))  # a person under two managed units: once
        pending = list(dict.fromkeys(waiting.get(person.id, ())))
        plan.add(
            MessageKind.MANAGER_DIGEST,
            person,
            series=f"{year}W{week:02d}",
            sequence=year * 100 + week,
            values={
                "count": len({item[1] for item in people}),
                "people": _digest_lines(people, person.lang),
                **plan.links.page("courses:team", person.lang).values(),
                **_pending_values(plan, pending, person.lang),
            },
            # Ids to re-check at sending (enough to know whether anyone is still overdue, or a request
            # still waits), and the people named in the text (an erased person's name is scrubbed
            # from past digests).
            context={
                "assignment_ids": [item[0] for item in people[:DIGEST_MAX_IDS]],
                "extension_ids": [item[0] for item in pending[:DIGEST_MAX_IDS]],
                "user_ids": sorted({item[1] for item in people[:DIGEST_MAX_LINES]}),
            },
        )


def digest_recheck(*, rows: list[dict], now: datetime.datetime, today: datetime.date) -> dict[int, str]:
    """Still wanted while one of the people it lists is still overdue, or one of its requests still waits."""
    wanted = {pk for row in rows for pk in row["context"].get("assignment_ids", ())}
    still = set(open_training().filter(pk__in=wanted, due_on__lt=today).values_list("pk", flat=True) if wanted else ())
    asked = {pk for row in rows for pk in row["context"].get("extension_ids", ())}
    waiting = set(
        ExtensionRequest.objects.filter(pk__in=asked, status=ExtensionRequest.Status.PENDING).values_list(
            "pk", flat=True
        )
        if asked
        else ()
    )
    return {
        row["pk"]: "nobody_overdue"
        for row in rows
        if not still & set(row["context"].get("assignment_ids", ()))
        and not waiting & set(row["context"].get("extension_ids", ()))
    }


FAMILY = family_register(
    KindFamily(
        name="digest",
        order=20,
        kinds=(Kind(MessageKind.MANAGER_DIGEST.value, MessageKind.MANAGER_DIGEST.label),),
        planners=(plan_manager_digest,),
        recheck=digest_recheck,
        reasons={"nobody_overdue": gettext_lazy("Nobody is overdue any more and no extension request waits")},
    )
)
