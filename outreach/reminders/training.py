"""Mandatory training reminders: due in 14/7/1 days, due today, overdue (the day after, then weekly)."""

import datetime
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from courses.models import Assignment
from outreach.delivery.kinds import Kind, KindFamily, family_register
from outreach.delivery.outbox import PERSON, Outbox, Person, person_fields

from .models import MessageKind
from .planning import ReminderPlan, date_display, open_training, reminder_plan

TRAINING_KINDS = (MessageKind.TRAINING_DUE_SOON, MessageKind.TRAINING_DUE_TODAY, MessageKind.TRAINING_OVERDUE)
_TRAINING_FIELDS = ("pk", "due_on", "requirement__name", "requirement__course_id", "requirement__course__title")


def _training_values(plan: ReminderPlan, person: Person, row: tuple) -> dict:
    _pk, due_on, requirement, _course_id, course_title = row
    return {
        "course": course_title,
        "requirement": requirement,
        "due_date": date_display(due_on),
        **plan.links.page("courses:my_training", person.lang).values(),
    }


def _rows(assignments: QuerySet) -> Iterator[tuple[Person, tuple]]:
    for row in assignments.values_list(*person_fields("user__"), *_TRAINING_FIELDS).iterator(chunk_size=5000):
        yield Person.of(row), row[len(PERSON) :]


def plan_training_due_soon(*, outbox: Outbox) -> None:
    plan = reminder_plan(outbox=outbox)
    thresholds = plan.config.days_before_list()
    if not thresholds:
        return
    due = open_training().filter(due_on__gt=plan.today, due_on__lte=plan.today + datetime.timedelta(days=thresholds[0]))
    for person, training in _rows(due):
        days_left = (training[1] - plan.today).days
        threshold = min(t for t in thresholds if t >= days_left)
        plan.add(
            MessageKind.TRAINING_DUE_SOON,
            person,
            series=f"a{training[0]}:{training[1].isoformat()}:d{threshold}",
            subject_id=training[0],
            sequence=threshold,
            values={**_training_values(plan, person, training), "days": days_left},
            context={"due_on": training[1].isoformat()},
        )


def plan_training_due_today(*, outbox: Outbox) -> None:
    plan = reminder_plan(outbox=outbox)
    for person, training in _rows(open_training().filter(due_on=plan.today)):
        plan.add(
            MessageKind.TRAINING_DUE_TODAY,
            person,
            series=f"a{training[0]}:{training[1].isoformat()}",
            subject_id=training[0],
            values=_training_values(plan, person, training),
            context={"due_on": training[1].isoformat()},
        )


def plan_training_overdue(*, outbox: Outbox) -> None:
    plan = reminder_plan(outbox=outbox)
    repeat = max(1, plan.config.overdue_repeat_days)
    for person, training in _rows(open_training().filter(due_on__lt=plan.today)):
        days_overdue = (plan.today - training[1]).days
        period = (days_overdue - 1) // repeat
        plan.add(
            MessageKind.TRAINING_OVERDUE,
            person,
            series=f"a{training[0]}:{training[1].isoformat()}:p{period}",
            subject_id=training[0],
            sequence=period,
            values={**_training_values(plan, person, training), "days": days_overdue},
            context={"due_on": training[1].isoformat()},
        )


def training_recheck(*, rows: list[dict], now: datetime.datetime, today: datetime.date) -> dict[int, str]:
    """Still wanted while the assignment is open, current, due on the same day (and overdue, for overdue)."""
    cancel = {}
    state = {
        pk: (status, is_current, due_on)
        for pk, status, is_current, due_on in Assignment.objects.filter(
            pk__in={row["subject_id"] for row in rows}
        ).values_list("pk", "status", "is_current", "due_on")
    }
    for row in rows:
        found = state.get(row["subject_id"])
        if found is None:
            cancel[row["pk"]] = "gone"
            continue
        status, is_current, due_on = found
        if status != Assignment.Status.OPEN or not is_current:
            cancel[row["pk"]] = "done"
        elif due_on.isoformat() != row["context"].get("due_on"):
            cancel[row["pk"]] = "due_changed"
        elif row["kind"] == MessageKind.TRAINING_OVERDUE and due_on >= today:
            cancel[row["pk"]] = "not_overdue"
    return cancel


FAMILY = family_register(
    KindFamily(
        name="training",
        order=10,
        kinds=tuple(Kind(kind.value, kind.label) for kind in TRAINING_KINDS),
        planners=(plan_training_due_soon, plan_training_due_today, plan_training_overdue),
        recheck=training_recheck,
        reasons={
            "done": gettext_lazy("Training completed, exempt or no longer required"),
            "due_changed": gettext_lazy("Due date changed"),
            "not_overdue": gettext_lazy("No longer overdue"),
        },
    )
)
