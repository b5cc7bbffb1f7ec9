"""Reads of a visitor's progress that the learning pages show (their ``get_context``), and access.

A selectors module: keyword-only arguments, no writes. It reads ``models`` only (never ``pages``),
so the page types can import it. A signed-in learner's progress is in the database; a visitor's
is kept in the session (``SESSION_KEY``) until they sign up or sign in.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Model, QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _
from taggit.models import Tag
from wagtail.models import Page

from accounts.models import User
from core.params import id_param, text_param
from core.published import published_memo

from .models import (
    Audience,
    Enrolment,
    LessonCompletion,
    PublicService,
    QuizAttempt,
    TutorialCompletion,
    TutorialPageTag,
)

SESSION_KEY = "kns_progress"


# Access ---------------------------------------------------------------------


@dataclass(frozen=True)
class AccessRefusal:
    """Why a course may not be taken: the whole sentence, and what the page can link to.

    ``message`` reads clearly on its own (messages, errors); the pages render ``missing`` (the
    prerequisite courses not yet completed, live pages) as links, and offer sign-in when ``sign_in``.
    """

    message: str
    missing: tuple[Page, ...] = ()
    sign_in: bool = False

    def __str__(self) -> str:
        return self.message


def course_access_error(*, user: Any, course: Page) -> AccessRefusal | None:
    """Why ``user`` (signed in or not) may not take ``course``, or None."""
    if course.audience == Audience.CIVIL_SERVANTS:
        if not user.is_authenticated:
            return AccessRefusal(_("This course is for civil servants: please sign in."), sign_in=True)
        if user.kind != User.Kind.CIVIL_SERVANT:
            return AccessRefusal(_("This course is for civil servants."))
    # From the database (not the page's in-memory cluster): published prerequisites only, with what a link needs.
    prerequisites = list(
        type(course)
        .objects.live()
        .filter(required_by=course)
        .only("pk", "title", "url_path", "path", "depth", "locale_id")
        .order_by("path")
    )
    if prerequisites:
        if not user.is_authenticated:
            return AccessRefusal(_("Sign in to take this course: it has prerequisites."), sign_in=True)
        done = set(
            Enrolment.objects.filter(user=user, course__in=prerequisites, completed_at__isnull=False).values_list(
                "course_id", flat=True
            )
        )
        missing = tuple(course for course in prerequisites if course.pk not in done)
        if missing:
            names = ", ".join(course.title for course in missing)
            return AccessRefusal(_("Complete these courses first: %(courses)s.") % {"courses": names}, missing=missing)
    return None


# A visitor's progress, kept in the session -------------------------------------------


def session_progress(*, session: SessionBase) -> dict[str, Any]:
    """What this browser did before signing in (a copy): lessons, passed quizzes' answers, tutorials, courses."""
    progress = session.get(SESSION_KEY) or {}
    return {
        "lessons": list(progress.get("lessons", [])),
        "quizzes": dict(progress.get("quizzes", {})),
        "tutorials": list(progress.get("tutorials", [])),
        "courses": list(progress.get("courses", [])),  # asked to enrol in: enrolled at sign-up or sign-in
    }


# Tutorials ---------------------------------------------------------------------------


def tutorials_filter(*, tutorials: QuerySet, params: QueryDict) -> tuple[QuerySet, dict[str, Any]]:
    """Filter tutorials by tag, audience and public service; unknown values are ignored.

    Returns the queryset and a description of the filters for the template.
    """
    tag = text_param(params.get("tag"), max_length=100)
    audience = params.get("audience") or ""
    service_id = id_param(params.get("service"))
    if tag:
        tutorials = tutorials.filter(tags__slug=tag)
    if audience in Audience.values and audience != Audience.EVERYONE:
        tutorials = tutorials.filter(audience__in=[audience, Audience.EVERYONE])
    else:
        audience = ""
    service = str(service_id) if service_id is not None else ""
    if service_id is not None:
        tutorials = tutorials.filter(public_service_id=service_id)
    filters = {
        "tag": tag,
        "audience": audience,
        "service": service,
        "tags": Tag.objects.filter(
            pk__in=TutorialPageTag.objects.filter(content_object__live=True).values("tag_id")
        ).order_by("name"),
        "audiences": [(value, label) for value, label in Audience.choices if value != Audience.EVERYONE],
        "services": PublicService.objects.filter(tutorials__live=True).distinct().order_by("name"),
        "active": bool(tag or audience or service),
    }
    return tutorials.distinct() if tag else tutorials, filters


def tutorial_is_done(*, request: HttpRequest, tutorial: Page) -> bool:
    if request.user.is_authenticated:
        return TutorialCompletion.objects.filter(user=request.user, tutorial=tutorial).exists()
    return tutorial.pk in session_progress(session=request.session)["tutorials"]


# Courses and lessons -------------------------------------------------------------------


@dataclass
class LessonState:
    lesson: Page
    done: bool


@dataclass
class CourseProgress:
    lessons: list[LessonState] = field(default_factory=list)
    enrolment: Enrolment | None = None
    certificate: Model | None = None  # the enrolment's certificate (``courses.certificates``), if any
    final_quiz_passed: bool = False
    access_error: AccessRefusal | None = None
    anonymous: bool = True

    @property
    def total(self) -> int:
        return len(self.lessons)

    @property
    def done_count(self) -> int:
        return sum(1 for state in self.lessons if state.done)

    @property
    def percent(self) -> int:
        return round(100 * self.done_count / self.total) if self.total else 0

    @property
    def next_lesson(self) -> Page | None:
        return next((state.lesson for state in self.lessons if not state.done), None)

    @property
    def all_lessons_done(self) -> bool:
        return self.done_count == self.total

    @property
    def completed(self) -> bool:
        return bool(self.enrolment and self.enrolment.completed_at)

    def neighbours(self, lesson: Page) -> tuple[Page | None, Page | None]:
        """The lessons before and after ``lesson``."""
        ids = [state.lesson.pk for state in self.lessons]
        if lesson.pk not in ids:
            return None, None
        index = ids.index(lesson.pk)
        previous = self.lessons[index - 1].lesson if index > 0 else None
        following = self.lessons[index + 1].lesson if index + 1 < len(ids) else None
        return previous, following

    def is_done(self, lesson: Page) -> bool:
        return any(state.done for state in self.lessons if state.lesson.pk == lesson.pk)


def course_progress_for(*, request: HttpRequest, course: Page, current_lesson: Page | None = None) -> CourseProgress:
    """The visitor's progress in ``course``: from the database, or the session if anonymous."""
    lessons = published_memo(
        request,
        ("course-lessons", course.pk),
        lambda: list(course.lessons().only("pk", "title", "url_path", "path", "depth", "locale_id")),
    )
    user = request.user
    progress = CourseProgress(
        access_error=course_access_error(user=user, course=course), anonymous=not user.is_authenticated
    )
    if user.is_authenticated:
        progress.enrolment = (
            Enrolment.objects.filter(user=user, course=course, archived_at__isnull=True)
            .select_related("certificate")
            .first()
        )
        done = set(LessonCompletion.objects.filter(user=user, course=course).values_list("lesson_id", flat=True))
        if progress.enrolment is not None:
            progress.certificate = getattr(progress.enrolment, "certificate", None)
        if course.has_final_quiz and current_lesson is None:
            progress.final_quiz_passed = (
                QuizAttempt.objects.filter(user=user, course=course, lesson__isnull=True, passed=True)
                .of_current_run()
                .exists()
            )
    else:
        done = set(session_progress(session=request.session)["lessons"])
    progress.lessons = [LessonState(lesson=lesson, done=lesson.pk in done) for lesson in lessons]
    return progress


def lesson_quiz_passed(*, request: HttpRequest, lesson: Page) -> bool:
    if request.user.is_authenticated:
        return QuizAttempt.objects.filter(user=request.user, lesson=lesson, passed=True).of_current_run().exists()
    return str(lesson.pk) in session_progress(session=request.session)["quizzes"]
