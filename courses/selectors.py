"""Reads for the learning views: a fixed number of queries however much there is."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from core.published import published_memo

from .models import (
    Audience,
    Certificate,
    Enrolment,
    LessonCompletion,
    LessonPage,
    PublicService,
    QuizAttempt,
    TutorialCompletion,
    TutorialPageTag,
)
from .services import course_access_error, session_progress


def tutorials_filter(tutorials, params):
    """Filter tutorials by tag, audience and public service; unknown values are ignored.

    Returns the queryset and a description of the filters for the template.
    """
    tag = (params.get("tag") or "").strip()[:100]
    audience = params.get("audience") or ""
    service = params.get("service") or ""
    if tag:
        tutorials = tutorials.filter(tags__slug=tag)
    if audience in Audience.values and audience != Audience.EVERYONE:
        tutorials = tutorials.filter(audience__in=[audience, Audience.EVERYONE])
    else:
        audience = ""
    if service.isdigit():
        tutorials = tutorials.filter(public_service_id=int(service))
    else:
        service = ""
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


@dataclass
class LessonState:
    lesson: LessonPage
    done: bool


@dataclass
class CourseProgress:
    lessons: list[LessonState] = field(default_factory=list)
    enrolment: Enrolment | None = None
    certificate: Certificate | None = None
    final_quiz_passed: bool = False
    access_error: str | None = None
    anonymous: bool = True

    @property
    def total(self):
        return len(self.lessons)

    @property
    def done_count(self):
        return sum(1 for state in self.lessons if state.done)

    @property
    def percent(self):
        return round(100 * self.done_count / self.total) if self.total else 0

    @property
    def next_lesson(self):
        return next((state.lesson for state in self.lessons if not state.done), None)

    @property
    def all_lessons_done(self):
        return self.done_count == self.total

    @property
    def completed(self):
        return bool(self.enrolment and self.enrolment.completed_at)

    def neighbours(self, lesson):
        """The lessons before and after ``lesson``."""
        ids = [state.lesson.pk for state in self.lessons]
        if lesson.pk not in ids:
            return None, None
        index = ids.index(lesson.pk)
        previous = self.lessons[index - 1].lesson if index > 0 else None
        following = self.lessons[index + 1].lesson if index + 1 < len(ids) else None
        return previous, following

    def is_done(self, lesson):
        return any(state.done for state in self.lessons if state.lesson.pk == lesson.pk)


def course_progress_for(request, course, current_lesson=None):
    """The visitor's progress in ``course``: from the database, or the session if anonymous."""
    lessons = published_memo(
        request,
        ("course-lessons", course.pk),
        lambda: list(course.lessons().only("pk", "title", "url_path", "path", "depth", "locale_id")),
    )
    user = request.user
    progress = CourseProgress(access_error=course_access_error(user, course), anonymous=not user.is_authenticated)
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
        done = set(session_progress(request.session)["lessons"])
    progress.lessons = [LessonState(lesson=lesson, done=lesson.pk in done) for lesson in lessons]
    return progress


def lesson_quiz_passed(request, lesson):
    if request.user.is_authenticated:
        return QuizAttempt.objects.filter(user=request.user, lesson=lesson, passed=True).of_current_run().exists()
    return str(lesson.pk) in session_progress(request.session)["quizzes"]


def tutorial_is_done(request, tutorial):
    if request.user.is_authenticated:
        return TutorialCompletion.objects.filter(user=request.user, tutorial=tutorial).exists()
    return tutorial.pk in session_progress(request.session)["tutorials"]


@dataclass
class CourseSummary:
    enrolment: Enrolment
    total: int
    done: int
    next_lesson: LessonPage | None

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else 0


def my_learning_for(user):
    """Courses in progress (with the next lesson), completed courses, certificates, tutorials done.

    Four queries whatever the number of courses.
    """
    every_run = list(
        Enrolment.objects.filter(user=user, course__live=True)
        .select_related("course", "certificate")
        .order_by("-last_activity_at")
    )
    # Runs archived by renewed training keep their certificates but are not "in progress".
    enrolments = [enrolment for enrolment in every_run if enrolment.archived_at is None]
    lessons_by_path = {enrolment.course.path: [] for enrolment in enrolments}
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
    in_progress, completed = [], []
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
