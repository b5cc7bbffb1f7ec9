"""Recording statements in the outbox, from learning's announcements, and voiding a person's statements.

Every subscriber runs inside the announcing transaction and costs one ``INSERT … ON CONFLICT DO
NOTHING RETURNING id`` (nothing at all while ``XAPI_ENDPOINT`` is empty); the send is queued with
``transaction.on_commit``. Building a statement reads only what the announcement carries (pages
already loaded, ids), so it adds no query to the learner's request (docs/xapi.md).
"""

import datetime
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from accounts.models import User
from courses.learning.events import PackageResult

from . import statements as xs
from .models import Statement
from .statements import Activity, Built

_COLUMNS = (
    "statement_id",
    "learner_id",
    "verb",
    "activity",
    "payload",
    "status",
    "attempts",
    "last_error",
    "planned_at",
)


def xapi_enabled() -> bool:
    return bool(settings.XAPI_ENDPOINT)


def statements_record(*, built: Iterable[Built], now: datetime.datetime | None = None) -> list[int]:
    """Write the statements not written before (by id) and queue their sending after commit; their row ids.

    One statement: ``INSERT … ON CONFLICT (statement_id) DO NOTHING RETURNING id`` (PostgreSQL and SQLite).
    """
    rows = list(built)
    if not rows:
        return []
    now = now or timezone.now()
    # The columns' own conversions (a UUID, JSON, an aware datetime), for each database.
    fields: dict[str, Any] = {name: Statement._meta.get_field(name) for name in _COLUMNS if name != "learner_id"}
    params: list[Any] = []
    for row in rows:
        values = {
            "statement_id": row.statement_id,
            "learner_id": row.learner_id,
            "verb": row.verb,
            "activity": row.activity[:500],
            "payload": row.payload,
            "status": Statement.Status.PLANNED,
            "attempts": 0,
            "last_error": "",
            "planned_at": now,
        }
        for name in _COLUMNS:
            value = values[name]
            params.append(value if name == "learner_id" else fields[name].get_db_prep_value(value, connection))
    table = Statement._meta.db_table
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES {placeholders} "  # noqa: S608 (no user input)
            "ON CONFLICT (statement_id) DO NOTHING RETURNING id",
            params,
        )
        ids = sorted(pk for (pk,) in cursor.fetchall())
    if ids:
        statements_enqueue(ids=ids)
    return ids


def statements_enqueue(*, ids: list[int]) -> None:
    """Queue the sender after the commit (it sends everything due, in order, these rows among them)."""
    # Celery: the tasks module imports this one.
    from .tasks import xapi_send

    transaction.on_commit(partial(xapi_send.delay, ids))


# From learning's announcements -----------------------------------------------------------------


def _page_activity(page: Any, kind: str) -> Activity:
    return Activity(page.get_full_url() or xs.site_url() + page.url_path, kind, page.title)


def on_tutorial_viewed(*, user: User, tutorial_id: int, path: str, viewed_at: datetime.datetime, **_: Any) -> None:
    """Experienced a tutorial: one statement per person, tutorial and day (a view again that day is the same)."""
    if not xapi_enabled():
        return
    title = Page.objects.filter(pk=tutorial_id).values_list("title", flat=True).first() or ""
    day = timezone.localtime(viewed_at).date().isoformat()
    activity = Activity(xs.site_url() + path, "page", title)
    statements_record(
        built=[
            xs.build(
                fact=f"tutorial-viewed:{user.pk}:{tutorial_id}:{day}",
                user_id=user.pk,
                verb="experienced",
                activity=activity,
                at=viewed_at,
            )
        ]
    )


def on_lesson_completed(
    *, user: User, lesson: Any, course: Any, enrolment: Any, completed_at: datetime.datetime, **_: Any
) -> None:
    """Completed a lesson (once per person and lesson: the completion itself is once)."""
    if not xapi_enabled():
        return
    statements_record(
        built=[
            xs.build(
                fact=f"lesson-completed:{user.pk}:{lesson.pk}",
                user_id=user.pk,
                verb="completed",
                activity=_page_activity(lesson, "lesson"),
                at=completed_at,
                result={"completion": True},
                parent=_page_activity(course, "course"),
                enrolment_id=enrolment.pk if enrolment is not None else None,
            )
        ]
    )


def on_quiz_graded(*, attempt: Any, course: Any, lesson: Any = None, enrolment: Any = None, **_: Any) -> None:
    """Answered a quiz (its score), then passed or failed it: two statements per attempt."""
    if not xapi_enabled():
        return
    course_activity = _page_activity(course, "course")
    if lesson is not None:
        page = _page_activity(lesson, "lesson")
        quiz = Activity(page.id + "#quiz", "assessment", lesson.title)
    else:
        quiz = Activity(course_activity.id + "#final-test", "assessment", course.title)
    result = {
        "score": xs.score(raw=attempt.score, minimum=0, maximum=100, scaled=attempt.score / 100),
        "success": bool(attempt.passed),
        "completion": True,
    }
    common = {
        "user_id": attempt.user_id,
        "activity": quiz,
        "at": attempt.submitted_at,
        "result": result,
        "parent": course_activity,
        "enrolment_id": enrolment.pk if enrolment is not None else None,
    }
    outcome = "passed" if attempt.passed else "failed"
    statements_record(
        built=[
            xs.build(fact=f"quiz-answered:{attempt.user_id}:{attempt.submission_token}", verb="answered", **common),
            xs.build(fact=f"quiz-{outcome}:{attempt.user_id}:{attempt.submission_token}", verb=outcome, **common),
        ]
    )


def on_course_completed(*, enrolment: Any, **_: Any) -> None:
    """Completed a course (once per enrolment), with the time from enrolment to completion."""
    if not xapi_enabled() or enrolment.completed_at is None:
        return
    seconds = (enrolment.completed_at - enrolment.enrolled_at).total_seconds()
    statements_record(
        built=[
            xs.build(
                fact=f"course-completed:{enrolment.pk}",
                user_id=enrolment.user_id,
                verb="completed",
                activity=_page_activity(enrolment.course, "course"),
                at=enrolment.completed_at,
                result={"completion": True, "duration": xs.duration(seconds)},
                enrolment_id=enrolment.pk,
            )
        ]
    )


def on_certificate_issued(*, certificate: Any, **_: Any) -> None:
    """Earned a certificate: the object is its public verification page."""
    if not xapi_enabled():
        return
    url = xs.site_url() + reverse("certificates:verify", args=[certificate.code])
    course = certificate.course
    statements_record(
        built=[
            xs.build(
                fact=f"certificate-earned:{certificate.pk}",
                user_id=certificate.user_id,
                verb="earned",
                activity=Activity(url, "certificate", certificate.course_title),
                at=certificate.issued_at,
                parent=_page_activity(course, "course") if course is not None else None,
                enrolment_id=certificate.enrolment_id,
            )
        ]
    )


def _package_verb(result: PackageResult) -> str:
    if result.passed is not None:
        return "passed" if result.passed else "failed"
    return "completed" if result.completed else "progressed"


def on_package_finished(*, user: User, lesson: Any, result: PackageResult, **_: Any) -> None:
    """A SCORM package's or an H5P activity's result for one attempt (and each change of it)."""
    if not xapi_enabled():
        return
    lesson_activity = _page_activity(lesson, "lesson")
    activity = xs.package_activity(
        lesson_url=lesson_activity.id, standard=result.standard, package_id=result.activity_id, title=result.title
    )
    verb = _package_verb(result)
    outcome: dict[str, Any] = {"completion": bool(result.completed)}
    if result.passed is not None:
        outcome["success"] = bool(result.passed)
    points = xs.score(
        raw=result.score_raw, minimum=result.score_min, maximum=result.score_max, scaled=result.score_scaled
    )
    if points:
        outcome["score"] = points
    if result.duration_seconds is not None:
        outcome["duration"] = xs.duration(result.duration_seconds)
    fact = ":".join(
        map(
            str,
            (
                "package",
                result.attempt_id,
                verb,
                result.completed,
                result.passed,
                result.score_raw,
                result.score_scaled,
            ),
        )
    )
    statements_record(
        built=[
            xs.build(
                fact=fact,
                user_id=user.pk,
                verb=verb,
                activity=activity,
                at=timezone.now(),
                result=outcome,
                parent=lesson_activity,
            )
        ]
    )


def subscribe_to_learning() -> None:
    """Called from ``OutreachConfig.ready``: learning's (and certificates') announcements become statements."""
    # App loading: courses' modules import models (OutreachConfig.ready runs once the registry is ready).
    from courses.certificates.services import certificate_issued
    from courses.learning import events

    events.tutorial_viewed.subscribe(on_tutorial_viewed)
    events.lesson_completed.subscribe(on_lesson_completed)
    events.quiz_graded.subscribe(on_quiz_graded)
    # First: the completion is recorded before what follows from it (the certificate, issued by an earlier subscriber).
    events.course_completed.subscribe(on_course_completed, first=True)
    events.package_finished.subscribe(on_package_finished)
    certificate_issued.subscribe(on_certificate_issued)


# Erasure -----------------------------------------------------------------------------------------


def statements_void(*, user: User, now: datetime.datetime | None = None) -> int:
    """Before the person's rows go: a voiding statement for every statement about them, sent or not.

    The voiding statements name no one (the site voids; the object is a StatementRef) and have no
    learner, so they outlive the erasure; the person's own rows are deleted. An LRS accepts voiding a
    statement it never received (xAPI 1.0.3, 2.3.2), so a statement never sent is voided too: it may be
    in flight. They go after every row written before them (one sender, in order). Returns how many.
    """
    now = now or timezone.now()
    ids = list(
        Statement.objects.filter(learner=user)
        .exclude(verb="voided")
        .order_by("pk")
        .values_list("statement_id", flat=True)
    )
    if ids:
        statements_record(built=[xs.voiding(statement_id=statement_id, at=now) for statement_id in ids], now=now)
    Statement.objects.filter(learner=user).delete()
    return len(ids)
