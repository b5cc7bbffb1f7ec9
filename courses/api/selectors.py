"""Reads of one person's own learning for the personal API: every query is filtered by its owner.

Each takes the person and returns plain values the API's schemas describe; an id that is not the
person's is None (the API answers 404, never 403: it does not confirm that the id exists).
"""

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from accounts.models import User
from core.localtime import local_today

from ..certificates.models import Certificate
from ..certificates.services import certificate_verification_url
from ..learning.models import Enrolment, LessonCompletion, QuizAttempt
from ..learning.pages import CoursePage, LessonPage
from ..training.models import Assignment

Row = dict[str, Any]


def _ref(page: Any) -> Row | None:
    """{id, title, url}: the address on the site's public address (as the sitemap's), None unless live."""
    if page is None:
        return None
    url = None
    if page.live:
        relative = page.get_url()
        if relative and not relative.startswith(("http://", "https://")):
            url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + relative
        else:
            url = relative or None
    return {"id": page.pk, "title": page.title, "url": url}


def profile_summary(*, user: User) -> Row:
    today = local_today()
    enrolments = Enrolment.objects.filter(user=user, archived_at__isnull=True).aggregate(
        in_progress=Count("pk", filter=Q(completed_at__isnull=True)),
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
    )
    assignments = Assignment.objects.filter(user=user, is_current=True).aggregate(
        open=Count("pk", filter=Q(status=Assignment.Status.OPEN)),
        overdue=Count("pk", filter=Q(status=Assignment.Status.OPEN, due_on__lt=today)),
    )
    now = timezone.now()
    valid = Certificate.objects.filter(user=user, revoked_at__isnull=True, superseded_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    return {
        "full_name": user.full_name,
        "email": user.email or None,
        "phone": user.phone or None,
        "kind": user.kind,
        "organisation_unit": user.organisation_unit.name if user.organisation_unit is not None else None,
        "position": user.position or None,
        "preferred_language": user.preferred_language,
        "date_joined": user.date_joined,
        "courses_in_progress": enrolments["in_progress"],
        "courses_completed": enrolments["completed"],
        "training_open": assignments["open"],
        "training_overdue": assignments["overdue"],
        "certificates_valid": valid.count(),
    }


def _lessons_by_course(courses: list[CoursePage]) -> dict[int, list[LessonPage]]:
    """The live lessons of each course, in order (one query)."""
    found: dict[int, list[LessonPage]] = {course.pk: [] for course in courses}
    if not courses:
        return found
    by_path = {course.path: course.pk for course in courses}
    condition = Q()
    for course in courses:
        condition |= Q(path__startswith=course.path, depth=course.depth + 1)
    lessons = LessonPage.objects.live().filter(condition).order_by("path")
    for lesson in lessons.only("pk", "title", "path", "depth", "url_path", "live", "locale_id"):
        found[by_path[lesson.path[: -LessonPage.steplen]]].append(lesson)
    return found


def _enrolment_row(enrolment: Enrolment, lessons: list[LessonPage], done: dict[int, datetime.datetime]) -> Row:
    finished = sum(1 for lesson in lessons if lesson.pk in done)
    following = next((lesson for lesson in lessons if lesson.pk not in done), None)
    certificate = getattr(enrolment, "certificate", None)
    return {
        "id": enrolment.pk,
        "course": _ref(enrolment.course),
        "enrolled_at": enrolment.enrolled_at,
        "last_activity_at": enrolment.last_activity_at,
        "completed_at": enrolment.completed_at,
        "archived": enrolment.archived_at is not None,
        "lessons_total": len(lessons),
        "lessons_done": finished,
        "percent": round(100 * finished / len(lessons)) if lessons else 0,
        "next_lesson": _ref(following) if enrolment.completed_at is None else None,
        "certificate_id": certificate.pk if certificate is not None else None,
    }


def _enrolments(user: User) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(user=user).select_related("course", "certificate")


def _completed(user: User, course_ids: list[int]) -> dict[int, datetime.datetime]:
    rows = LessonCompletion.objects.filter(user=user, course_id__in=course_ids).values_list("lesson_id", "completed_at")
    return dict(rows)


def enrolments_of(*, user: User, offset: int, limit: int, completed: bool | None = None) -> tuple[int, list[Row]]:
    """(how many, one page of them): the person's enrolments, latest activity first, with progress."""
    enrolments = _enrolments(user).order_by("-last_activity_at", "-pk")
    if completed is not None:
        enrolments = enrolments.filter(completed_at__isnull=not completed)
    count = enrolments.count()
    page = list(enrolments[offset : offset + limit])
    lessons = _lessons_by_course([enrolment.course for enrolment in page])
    done = _completed(user, [enrolment.course_id for enrolment in page])
    return count, [_enrolment_row(enrolment, lessons[enrolment.course_id], done) for enrolment in page]


def enrolment_of(*, user: User, enrolment_id: int) -> Row | None:
    """One of the person's enrolments with each lesson's state and the final test's, or None."""
    enrolment = _enrolments(user).filter(pk=enrolment_id).first()
    if enrolment is None:
        return None
    lessons = _lessons_by_course([enrolment.course])[enrolment.course_id]
    done = _completed(user, [enrolment.course_id])
    row = _enrolment_row(enrolment, lessons, done)
    row["lessons"] = [
        {**(_ref(lesson) or {}), "done": lesson.pk in done, "completed_at": done.get(lesson.pk)} for lesson in lessons
    ]
    course = enrolment.course
    final = QuizAttempt.objects.filter(user=user, course_id=enrolment.course_id, lesson__isnull=True)
    if enrolment.archived_at is None:
        final = final.of_current_run()
    row["final_test"] = {"required": course.has_final_quiz, "passed": final.filter(passed=True).exists()}
    return row


def lesson_completions_of(
    *, user: User, offset: int, limit: int, course_id: int | None = None, since: datetime.datetime | None = None
) -> tuple[int, list[Row]]:
    completions = LessonCompletion.objects.filter(user=user).select_related("lesson", "course")
    if course_id is not None:
        completions = completions.filter(course_id=course_id)
    if since is not None:
        completions = completions.filter(completed_at__gte=since)
    completions = completions.order_by("-completed_at", "-pk")
    rows = [
        {"id": c.pk, "lesson": _ref(c.lesson), "course": _ref(c.course), "completed_at": c.completed_at}
        for c in completions[offset : offset + limit]
    ]
    return completions.count(), rows


def quiz_summary_of(*, user: User, course_id: int | None = None) -> list[Row]:
    """Per quiz (a lesson's, or a course's final test: lesson None): attempts, best and last score, passed."""
    attempts = QuizAttempt.objects.filter(user=user)
    if course_id is not None:
        attempts = attempts.filter(course_id=course_id)
    groups = list(
        attempts.values("course_id", "lesson_id")
        .annotate(
            attempts=Count("pk"),
            best_score=Max("score"),
            passed_count=Count("pk", filter=Q(passed=True)),
            last_submitted_at=Max("submitted_at"),
        )
        .order_by("-last_submitted_at")
    )
    last_scores: dict[tuple[int, int | None], int] = {}
    for attempt in attempts.order_by("submitted_at", "pk").values("course_id", "lesson_id", "score"):
        last_scores[(attempt["course_id"], attempt["lesson_id"])] = attempt["score"]
    page_ids = {group["course_id"] for group in groups} | {g["lesson_id"] for g in groups if g["lesson_id"]}
    pages = {page.pk: page for page in _pages(page_ids)}
    return [
        {
            "course": _ref(pages.get(group["course_id"])),
            "lesson": _ref(pages.get(group["lesson_id"])) if group["lesson_id"] else None,
            "attempts": group["attempts"],
            "best_score": group["best_score"],
            "last_score": last_scores[(group["course_id"], group["lesson_id"])],
            "passed": group["passed_count"] > 0,
            "last_submitted_at": group["last_submitted_at"],
        }
        for group in groups
    ]


def _pages(ids: set[int]) -> list[Any]:
    return list(Page.objects.filter(pk__in=ids).only("pk", "title", "url_path", "live", "locale_id"))


def _assignment_row(assignment: Assignment, today: datetime.date) -> Row:
    return {
        "id": assignment.pk,
        "requirement": assignment.requirement.name,
        "course": _ref(assignment.requirement.course),
        "cycle": assignment.cycle,
        "current": assignment.is_current,
        "state": assignment.state_on(today).value,
        "assigned_at": assignment.assigned_at,
        "due_on": assignment.due_on,
        "completed_at": assignment.completed_at,
        "expires_on": assignment.expires_on,
        "renews_on": assignment.renews_on,
    }


def _assignments(user: User) -> QuerySet[Assignment]:
    return Assignment.objects.filter(user=user).select_related("requirement__course")


def assignments_of(*, user: User, current: bool = True) -> list[Row]:
    """The person's mandatory training, soonest due first (past cycles too when ``current`` is False)."""
    assignments = _assignments(user)
    if current:
        assignments = assignments.filter(is_current=True)
    today = local_today()
    return [_assignment_row(a, today) for a in assignments.order_by("due_on", "pk")]


def assignment_of(*, user: User, assignment_id: int) -> Row | None:
    assignment = _assignments(user).filter(pk=assignment_id).first()
    return None if assignment is None else _assignment_row(assignment, local_today())


def _certificate_row(certificate: Certificate, now: datetime.datetime) -> Row:
    pdf = reverse("api_me_v1:certificate_pdf", kwargs={"certificate_id": certificate.pk})
    return {
        "id": certificate.pk,
        "code": certificate.code,
        "course": {**(_ref(certificate.course) or {}), "title": certificate.course_title},
        "learner_name": certificate.learner_name,
        "issued_at": certificate.issued_at,
        "expires_at": certificate.expires_at,
        "status": certificate.status_at(now).value,
        "verification_url": certificate_verification_url(certificate=certificate),
        "pdf_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + pdf,
    }


def _certificates(user: User) -> QuerySet[Certificate]:
    return Certificate.objects.filter(user=user).select_related("course")


def certificates_of(*, user: User) -> list[Row]:
    """The person's certificates, newest first (revoked, expired and superseded ones too, with their status)."""
    now = timezone.now()
    return [_certificate_row(c, now) for c in _certificates(user).order_by("-issued_at", "-pk")]


def certificate_of(*, user: User, certificate_id: int) -> Certificate | None:
    return _certificates(user).filter(pk=certificate_id).first()


def certificate_row(*, certificate: Certificate) -> Row:
    return _certificate_row(certificate, timezone.now())
