"""Course nudges: learners who started a course and went quiet, every N days of silence, at most K times."""

import datetime

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy

from accounts.models import Consent
from courses.models import Assignment, Enrolment
from outreach.delivery.kinds import Kind, KindFamily, family_register
from outreach.delivery.models import Delivery
from outreach.delivery.outbox import PERSON, Outbox, Person, person_fields

from .models import MessageKind
from .planning import ReminderPlan, not_refused, reminder_plan


def _course_links(plan: ReminderPlan, course_id: int, language: str) -> dict:
    """The course's page (its real title) and the notification settings page, where nudges are refused."""
    return {
        **plan.links.course_page(course_id, language).values(),
        **plan.links.page("accounts:notification_settings", language).values("settings"),
    }


def plan_course_nudges(*, outbox: Outbox) -> None:
    """Learners who started a course and went quiet: every N days of silence, at most K times."""
    plan = reminder_plan(outbox=outbox)
    limit, quiet_days = plan.config.max_nudges, plan.config.inactivity_days
    if limit <= 0:
        return
    since = plan.now - datetime.timedelta(days=quiet_days)
    nudges = Delivery.objects.filter(kind=MessageKind.COURSE_NUDGE, subject_id=OuterRef("pk"))
    required = Assignment.objects.filter(
        user_id=OuterRef("user_id"),
        requirement__course_id=OuterRef("course_id"),
        is_current=True,
        status=Assignment.Status.OPEN,
    )
    rows = (
        Enrolment.objects.filter(
            completed_at__isnull=True, archived_at__isnull=True, last_activity_at__lt=since, user__is_active=True
        )
        # Mandatory training has its own reminders.
        .filter(~Exists(required), not_refused(Consent.Purpose.COURSE_NUDGES))
        .annotate(
            nudged=Subquery(nudges.order_by("-sequence").values("sequence")[:1]),
            nudged_at=Subquery(nudges.order_by("-planned_at").values("planned_at")[:1]),
        )
        .filter(Q(nudged__isnull=True) | Q(nudged__lt=limit))
        .filter(Q(nudged_at__isnull=True) | Q(nudged_at__lte=since))
        .values_list(*person_fields("user__"), "pk", "course_id", "course__title", "last_activity_at", "nudged")
    )
    for row in rows.iterator(chunk_size=5000):
        person, (pk, course_id, title, last_activity_at, nudged) = Person.of(row), row[len(PERSON) :]
        number = (nudged or 0) + 1
        plan.add(
            MessageKind.COURSE_NUDGE,
            person,
            series=f"e{pk}:n{number}",
            subject_id=pk,
            sequence=number,
            values={
                "course": title,
                "days": (plan.now - last_activity_at).days,
                **_course_links(plan, course_id, person.lang),
            },
        )


def nudges_recheck(*, rows: list[dict], now: datetime.datetime, today: datetime.date) -> dict[int, str]:
    """Still wanted while the enrolment is unfinished, not archived, and the learner still quiet."""
    cancel = {}
    state = {
        pk: (completed_at, archived_at, last_activity_at)
        for pk, completed_at, archived_at, last_activity_at in Enrolment.objects.filter(
            pk__in={row["subject_id"] for row in rows}
        ).values_list("pk", "completed_at", "archived_at", "last_activity_at")
    }
    for row in rows:
        found = state.get(row["subject_id"])
        if found is None or found[1] is not None:
            cancel[row["pk"]] = "gone"
        elif found[0] is not None:
            cancel[row["pk"]] = "course_completed"
        elif found[2] > row["planned_at"]:
            cancel[row["pk"]] = "active_again"
    return cancel


FAMILY = family_register(
    KindFamily(
        name="courses",
        order=40,
        kinds=(
            Kind(
                MessageKind.COURSE_NUDGE.value, MessageKind.COURSE_NUDGE.label, refusable=Consent.Purpose.COURSE_NUDGES
            ),
        ),
        planners=(plan_course_nudges,),
        recheck=nudges_recheck,
        reasons={
            "course_completed": gettext_lazy("Course completed"),
            "active_again": gettext_lazy("The learner came back"),
        },
    )
)
