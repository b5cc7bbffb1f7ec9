"""Reads for the learning views and for the layers above: a fixed number of queries however much there is.

What the pages themselves show (a visitor's progress in a course, access) is in ``progress``.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .models import Enrolment, LessonCompletion, TutorialCompletion
from .pages import LessonPage


@dataclass
class CourseSummary:
    enrolment: Enrolment
    total: int
    done: int
    next_lesson: LessonPage | None

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def my_learning_for(*, user: User) -> dict[str, Any]:
    """Courses in progress (with the next lesson), completed courses, certificates, tutorials done.

    Four queries whatever the number of courses.
    """
    every_run = list(
        Enrolment.objects.filter(user=user, course__live=True)
        # The certificate's holder too: the page compares the printed name with the current one.
        .select_related("course", "certificate__user")
        .order_by("-last_activity_at")
    )
    # Runs archived by renewed training keep their certificates but are not "in progress".
    enrolments = [enrolment for enrolment in every_run if enrolment.archived_at is None]
    lessons_by_path: dict[str, list[LessonPage]] = {enrolment.course.path: [] for enrolment in enrolments}
    if enrolments:
        condition = Q()
        for enrolment in enrolments:
            condition |= Q(path__startswith=enrolment.course.path, depth=enrolment.course.depth + 1)
        for lesson in (
            LessonPage.objects.live()
            .filter(condition)
            .order_by("path")
            .only("pk", "title", "path", "url_path", "depth", "locale_id")
        ):
            lessons_by_path[lesson.path[: -LessonPage.steplen]].append(lesson)
    done = set(LessonCompletion.objects.filter(user=user).values_list("lesson_id", flat=True))
    in_progress: list[CourseSummary] = []
    completed: list[CourseSummary] = []
    for enrolment in enrolments:
        lessons = lessons_by_path[enrolment.course.path]
        summary = CourseSummary(
            enrolment=enrolment,
            total=len(lessons),
            done=sum(1 for lesson in lessons if lesson.pk in done),
            next_lesson=next((lesson for lesson in lessons if lesson.pk not in done), None),
        )
        (completed if enrolment.completed_at else in_progress).append(summary)
    certificates = [e.certificate for e in every_run if getattr(e, "certificate", None) is not None]
    tutorials = list(
        TutorialCompletion.objects.filter(user=user, tutorial__live=True)
        .select_related("tutorial")
        .order_by("-completed_at")
    )
    return {
        "in_progress": in_progress,
        "completed": completed,
        "certificates": certificates,
        "tutorials": tutorials,
    }


NO_ACCESS = _("You cannot take this course.")


# For mandatory training (``courses.training`` reads learning's facts through these) ------------


def completions_latest(*, course_id: int, user_ids: Iterable[int]) -> dict[int, datetime.datetime]:
    """{user id: when they last completed the course} for those of ``user_ids`` who did (archived runs included)."""
    return dict(
        Enrolment.objects.filter(course_id=course_id, user_id__in=user_ids, completed_at__isnull=False)
        .values("user_id")
        .annotate(last=Max("completed_at"))
        .values_list("user_id", "last")
    )


def enrolled_user_ids(*, course_id: int, user_ids: Iterable[int]) -> set[int]:
    """Those of ``user_ids`` enrolled in the course's current run (not archived)."""
    return set(
        Enrolment.objects.filter(course_id=course_id, user_id__in=user_ids, archived_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )
