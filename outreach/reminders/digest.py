"""The unit managers' weekly digest: one message a week listing the overdue people of their units."""

import datetime
from collections import defaultdict

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrganisationUnit, User
from outreach.delivery.kinds import Kind, KindFamily, family_register
from outreach.delivery.outbox import Outbox, Person, person_fields

from .models import MessageKind
from .planning import date_display, open_training, reminder_plan

DIGEST_MAX_LINES = 50
DIGEST_MAX_IDS = 1000


def _digest_lines(people: list[tuple], language: str) -> str:
    """The digest's list: one line per overdue assignment, at most DIGEST_MAX_LINES."""
    with translation.override(language):
        lines = [
            "- "
            + _("%(name)s: %(requirement)s, due %(date)s")
            % {"name": name, "requirement": requirement, "date": date_display(due_on)}
            for _pk, _user_id, name, requirement, due_on in people[:DIGEST_MAX_LINES]
        ]
        if len(people) > DIGEST_MAX_LINES:
            lines.append(_("… and %(count)s more (see the link below).") % {"count": len(people) - DIGEST_MAX_LINES})
    return "\n".join(lines)


def _overdue_per_manager(today: datetime.date) -> dict[int, list[tuple]]:
    """{manager id: overdue assignments of the people of their units and sub-units (not their own)}."""
    managed = defaultdict(set)  # unit path -> manager ids
    for manager_id, path in OrganisationUnit.managers.through.objects.filter(user__is_active=True).values_list(
        "user_id", "organisationunit__path"
    ):
        managed[path].add(manager_id)
    per_manager = defaultdict(list)
    if not managed:
        return per_manager
    step = OrganisationUnit.steplen
    overdue = (
        open_training()
        .filter(due_on__lt=today)
        .exclude(unit_path="")
        .order_by("due_on", "user__full_name", "pk")
        .values_list("unit_path", "pk", "user_id", "user__full_name", "requirement__name", "due_on")
    )
    for unit_path, *item in overdue.iterator(chunk_size=5000):
        for depth in range(1, len(unit_path) // step + 1):
            for manager_id in managed.get(unit_path[: depth * step], ()):
                if manager_id != item[1]:
                    per_manager[manager_id].append(tuple(item))
    return per_manager


def plan_manager_digest(*, outbox: Outbox) -> None:
    """One message a week per unit manager, listing the overdue people of their units and sub-units."""
    plan = reminder_plan(outbox=outbox)
    if plan.today.weekday() < plan.config.digest_weekday:
        return
    per_manager = _overdue_per_manager(plan.today)
    if not per_manager:
        return
    year, week, _weekday = plan.today.isocalendar()
    managers = User.objects.filter(pk__in=list(per_manager)).values_list(*person_fields(""))
    for row in managers:
        person = Person.of(row)
        people = list(dict.fromkeys(per_manager[person.id]))  # a person under two managed units: once
        plan.add(
            MessageKind.MANAGER_DIGEST,
            person,
            series=f"{year}W{week:02d}",
            sequence=year * 100 + week,
            values={
                "count": len({item[1] for item in people}),
                "people": _digest_lines(people, person.lang),
                "link": plan.links.named("courses:team", person.lang),
            },
            # Ids to re-check at sending (enough to know whether anyone is still overdue), and the
            # people named in the text (an erased person's name is scrubbed from past digests).
            context={
                "assignment_ids": [item[0] for item in people[:DIGEST_MAX_IDS]],
                "user_ids": sorted({item[1] for item in people[:DIGEST_MAX_LINES]}),
            },
        )


def digest_recheck(*, rows: list[dict], now: datetime.datetime, today: datetime.date) -> dict[int, str]:
    """Still wanted while one of the people it lists is still overdue."""
    wanted = {pk for row in rows for pk in row["context"].get("assignment_ids", ())}
    still = set(open_training().filter(pk__in=wanted, due_on__lt=today).values_list("pk", flat=True) if wanted else ())
    return {row["pk"]: "nobody_overdue" for row in rows if not still & set(row["context"].get("assignment_ids", ()))}


FAMILY = family_register(
    KindFamily(
        name="digest",
        order=20,
        kinds=(Kind(MessageKind.MANAGER_DIGEST.value, MessageKind.MANAGER_DIGEST.label),),
        planners=(plan_manager_digest,),
        recheck=digest_recheck,
        reasons={"nobody_overdue": gettext_lazy("Nobody is overdue any more")},
    )
)
