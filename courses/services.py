"""Multi-step writes of the learning layer.

Every "once" fact (enrolment, lesson completion, course completion, quiz
attempt per submission token, tutorial done) is guarded by a unique
constraint, and the functions here are safe to call twice or concurrently.
"""

import logging
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from accounts.models import User

from .certificates import certificate_issue
from .models import (
    Audience,
    CoursePage,
    Enrolment,
    Feedback,
    LessonCompletion,
    LessonPage,
    QuizAttempt,
    TutorialCompletion,
    TutorialPage,
)
from .quiz import answers_from_post, quiz_grade, quiz_questions
from .training_services import assignments_complete, assignments_start

SESSION_KEY = "kns_progress"
logger = logging.getLogger(__name__)


# Access ---------------------------------------------------------------------


def course_access_error(user, course):
    """Why ``user`` may not take ``course`` (a translated sentence), or None."""
    if course.audience == Audience.CIVIL_SERVANTS:
        if not user.is_authenticated:
            return _("This course is for civil servants: please sign in.")
        if user.kind != User.Kind.CIVIL_SERVANT:
            return _("This course is for civil servants.")
    # From the database (not the page's in-memory cluster): published prerequisites only.
    prerequisites = list(CoursePage.objects.live().filter(required_by=course).only("pk", "title"))
    if prerequisites:
        if not user.is_authenticated:
            return _("Sign in to take this course: it has prerequisites.")
        done = set(
            Enrolment.objects.filter(user=user, course__in=prerequisites, completed_at__isnull=False).values_list(
                "course_id", flat=True
            )
        )
        missing = [course.title for course in prerequisites if course.pk not in done]
        if missing:
            return _("Complete these courses first: %(courses)s.") % {"courses": ", ".join(missing)}
    return None


# Enrolment and completion ---------------------------------------------------------


def enrolment_create(user, course):
    """Enrol ``user`` in ``course`` (or return the existing enrolment).

    Access (audience, prerequisites) is checked when the enrolment is made;
    an existing enrolment is returned with one query.
    """
    existing = Enrolment.objects.filter(user=user, course=course, archived_at__isnull=True).first()
    if existing is not None:
        return existing
    error = course_access_error(user, course)
    if error:
        raise ValidationError(error, code="no_access")
    with transaction.atomic():
        enrolment, created = Enrolment.objects.get_or_create(user=user, course=course, archived_at=None)
        if created:
            assignments_start(user, course, at=enrolment.enrolled_at)
    return enrolment


def lesson_complete(user, lesson, *, course=None):
    """Record that ``user`` completed ``lesson``; complete the course if it was the last step.

    A lesson with a quiz completes only once its quiz was passed. Returns the enrolment.
    """
    course = course or lesson.course
    if (
        lesson.has_quiz
        and not QuizAttempt.objects.filter(user=user, lesson=lesson, passed=True).of_current_run().exists()
    ):
        raise ValidationError(_("Pass this lesson's quiz to complete it."), code="quiz_not_passed")
    with transaction.atomic():
        enrolment = enrolment_create(user, course)
        enrolment.course = course  # already loaded: no query when checking completion
        # INSERT ... ON CONFLICT DO NOTHING: two tabs completing the same lesson record one completion.
        LessonCompletion.objects.bulk_create(
            [LessonCompletion(user=user, lesson=lesson, course=course)], ignore_conflicts=True
        )
        now = timezone.now()
        Enrolment.objects.filter(pk=enrolment.pk).update(last_lesson=lesson, last_activity_at=now)
        enrolment.last_lesson, enrolment.last_activity_at = lesson, now
    course_completion_check(enrolment)
    return enrolment


def course_completion_check(enrolment):
    """Complete the enrolment if every lesson is done and the final test (if any) passed.

    The completion time is written once (``UPDATE ... WHERE completed_at IS NULL``);
    a certificate is issued when the course grants one. Returns True if complete.
    """
    if enrolment.completed_at is not None:
        return True
    course = enrolment.course
    if course.numchild == 0 and not course.has_final_quiz:
        return False  # nothing to complete
    # Is any live lesson of the course not yet completed by this learner? (The lesson ids are
    # often known already: the views remember each course per published generation.)
    lesson_ids = course.live_lesson_ids
    if lesson_ids:
        done = LessonCompletion.objects.filter(user_id=enrolment.user_id, lesson_id__in=lesson_ids).count()
        if done < len(lesson_ids):
            return False
    if (
        course.has_final_quiz
        and not QuizAttempt.objects.filter(user_id=enrolment.user_id, course=course, lesson__isnull=True, passed=True)
        .of_current_run()
        .exists()
    ):
        return False
    now = timezone.now()
    with transaction.atomic():
        updated = Enrolment.objects.filter(pk=enrolment.pk, completed_at__isnull=True).update(completed_at=now)
        enrolment.refresh_from_db(fields=["completed_at"])
        if updated:
            certificate_issue(enrolment)
            assignments_complete(enrolment)
    return True


# Quizzes -------------------------------------------------------------------------


def submission_token_parse(raw):
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError(
            _("This form has expired. Please reload the page and try again."), code="bad_token"
        ) from None


def quiz_submit(user, *, course, lesson=None, token, data):
    """Grade a submitted quiz (a lesson's, or the course's final test when ``lesson`` is None).

    Records one attempt per submission token (a double-submitted form records
    one attempt), completes the lesson when passed, and checks course completion.
    Returns ``(attempt, grade)``. Raises ValidationError for bad input; nothing is written then.
    """
    token = submission_token_parse(token)
    questions = quiz_questions(lesson.body if lesson is not None else course.final_quiz)
    if not questions:
        raise ValidationError(_("This page has no quiz."), code="no_quiz")
    if lesson is None:
        lesson_ids = set(course.live_lesson_ids)
        done = set(
            LessonCompletion.objects.filter(user=user, lesson_id__in=lesson_ids).values_list("lesson_id", flat=True)
        )
        if lesson_ids - done:
            raise ValidationError(_("Complete every lesson before the final test."), code="lessons_first")
    answers = answers_from_post(questions, data)
    grade = quiz_grade(questions, answers, course.pass_mark)
    stored_answers = {question_id: sorted(choice_ids) for question_id, choice_ids in answers.items()}
    with transaction.atomic():
        enrolment = enrolment_create(user, course)
        enrolment.course = course
        try:
            with transaction.atomic():
                attempt = QuizAttempt.objects.create(
                    user=user,
                    course=course,
                    lesson=lesson,
                    submission_token=token,
                    answers=stored_answers,
                    score=grade.score,
                    passed=grade.passed,
                )
        except IntegrityError:
            # The same form submitted twice: one attempt, graded as it was recorded.
            attempt = QuizAttempt.objects.get(user=user, submission_token=token)
            recorded = {key: frozenset(value) for key, value in attempt.answers.items()}
            grade = quiz_grade(questions, recorded, course.pass_mark)
        Enrolment.objects.filter(pk=enrolment.pk).update(last_activity_at=timezone.now())
    if attempt.passed:
        if lesson is not None:
            lesson_complete(user, lesson, course=course)
        else:
            course_completion_check(enrolment)
    return attempt, grade


# Tutorials and feedback -----------------------------------------------------------


def tutorial_mark_done(user, tutorial):
    TutorialCompletion.objects.bulk_create([TutorialCompletion(user=user, tutorial=tutorial)], ignore_conflicts=True)


def feedback_record(page, *, user, helpful, comment=""):
    return Feedback.objects.create(
        page=page,
        user=user if user is not None and user.is_authenticated else None,
        helpful=helpful,
        comment=(comment or "").strip()[:1000],
    )


# Anonymous progress, kept in the session until sign-up -------------------------------


def _session_progress(session):
    progress = session.get(SESSION_KEY) or {}
    return {
        "lessons": list(progress.get("lessons", [])),
        "quizzes": dict(progress.get("quizzes", {})),
        "tutorials": list(progress.get("tutorials", [])),
    }


def session_progress(session):
    return _session_progress(session)


def _session_save(session, progress):
    session[SESSION_KEY] = progress
    session.modified = True


def anonymous_lesson_complete(session, lesson):
    """Remember in the session that a visitor completed ``lesson`` (kept when they sign up)."""
    course = lesson.course
    error = course_access_error(_Anonymous(), course)
    if error:
        raise ValidationError(error, code="no_access")
    progress = _session_progress(session)
    if lesson.has_quiz and str(lesson.pk) not in progress["quizzes"]:
        raise ValidationError(_("Pass this lesson's quiz to complete it."), code="quiz_not_passed")
    if lesson.pk not in progress["lessons"]:
        progress["lessons"].append(lesson.pk)
    _session_save(session, progress)


def anonymous_quiz_submit(session, lesson, data):
    """Grade a visitor's lesson quiz; a pass is remembered in the session. Returns the grade."""
    course = lesson.course
    error = course_access_error(_Anonymous(), course)
    if error:
        raise ValidationError(error, code="no_access")
    questions = quiz_questions(lesson.body)
    if not questions:
        raise ValidationError(_("This page has no quiz."), code="no_quiz")
    answers = answers_from_post(questions, data)
    grade = quiz_grade(questions, answers, course.pass_mark)
    if grade.passed:
        progress = _session_progress(session)
        progress["quizzes"][str(lesson.pk)] = {key: sorted(value) for key, value in answers.items()}
        if lesson.pk not in progress["lessons"]:
            progress["lessons"].append(lesson.pk)
        _session_save(session, progress)
    return grade


def anonymous_tutorial_done(session, tutorial):
    progress = _session_progress(session)
    if tutorial.pk not in progress["tutorials"]:
        progress["tutorials"].append(tutorial.pk)
    _session_save(session, progress)


def session_progress_claim(request, user):
    """Sign-in hook: record what this browser did before signing in, then forget it.

    Quiz answers are graded again on the server; lessons of courses the person
    may not take are skipped.
    """
    progress = _session_progress(request.session)
    if not any(progress.values()):
        return
    for tutorial in TutorialPage.objects.live().filter(pk__in=progress["tutorials"]):
        tutorial_mark_done(user, tutorial)
    lessons = {lesson.pk: lesson for lesson in LessonPage.objects.live().filter(pk__in=progress["lessons"])}
    for lesson_id in progress["lessons"]:
        lesson = lessons.get(lesson_id)
        if lesson is None:
            continue
        try:
            if lesson.has_quiz:
                answers = progress["quizzes"].get(str(lesson_id))
                if not answers:
                    continue
                data = MultiValueDict({f"q-{key}": list(value) for key, value in answers.items()})
                quiz_submit(user, course=lesson.course, lesson=lesson, token=uuid.uuid4(), data=data)
            else:
                lesson_complete(user, lesson)
        except ValidationError as error:
            logger.info("Progress of lesson %s not kept for user %s: %s", lesson_id, user.pk, error.messages)
            continue
    request.session.pop(SESSION_KEY, None)


class _Anonymous:
    is_authenticated = False
