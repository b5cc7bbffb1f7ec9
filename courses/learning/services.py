"""Multi-step writes of the learning layer.

Every "once" fact (enrolment, lesson completion, course completion, quiz
attempt per submission token, tutorial done) is guarded by a unique
constraint, and the functions here are safe to call twice or concurrently.
A new enrolment and a completed course are announced (``events``) inside the
transaction that writes them: training and certificates listen there.
"""

import datetime
import hashlib
import logging
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from wagtail.models import Page

from accounts.backends import counter_hit
from accounts.models import User
from core.clients import client_address

from . import events
from .models import Enrolment, Feedback, LessonCompletion, QuizAttempt, SubmissionKey, TutorialCompletion
from .pages import CoursePage, LessonPage, TutorialPage
from .progress import SESSION_KEY, course_access_error, session_progress
from .quiz import Grade, answers_from_post, quiz_grade, quiz_questions

logger = logging.getLogger(__name__)
# Courses a visitor may ask to enrol in before signing up (the session keeps the latest ones).
PENDING_ENROLMENTS_MAX = 20


# Enrolment and completion ---------------------------------------------------------


def enrolment_create(*, user: User, course: CoursePage) -> Enrolment:
    """Enrol ``user`` in ``course`` (or return the existing enrolment).

    Access (audience, prerequisites) is checked when the enrolment is made;
    an existing enrolment is returned with one query.
    """
    existing = Enrolment.objects.filter(user=user, course=course, archived_at__isnull=True).first()
    if existing is not None:
        return existing
    error = course_access_error(user=user, course=course)
    if error:
        raise ValidationError(error.message, code="no_access")
    with transaction.atomic():
        enrolment, created = Enrolment.objects.get_or_create(user=user, course=course, archived_at=None)
        if created:
            events.enrolment_created.announce(enrolment=enrolment)
    return enrolment


def lesson_complete(*, user: User, lesson: LessonPage, course: CoursePage | None = None) -> Enrolment:
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
        enrolment = enrolment_create(user=user, course=course)
        enrolment.course = course  # already loaded: no query when checking completion
        # INSERT ... ON CONFLICT DO NOTHING: two tabs completing the same lesson record one completion.
        LessonCompletion.objects.bulk_create(
            [LessonCompletion(user=user, lesson=lesson, course=course)], ignore_conflicts=True
        )
        now = timezone.now()
        Enrolment.objects.filter(pk=enrolment.pk).update(last_lesson=lesson, last_activity_at=now)
        enrolment.last_lesson, enrolment.last_activity_at = lesson, now
        events.lesson_completed.announce(user=user, lesson=lesson, course=course, enrolment=enrolment, completed_at=now)
    course_completion_check(enrolment=enrolment)
    return enrolment


def course_completion_check(*, enrolment: Enrolment) -> bool:
    """Complete the enrolment if every lesson is done and the final test (if any) passed.

    The completion time is written once (``UPDATE ... WHERE completed_at IS NULL``);
    the completion is announced (``events.course_completed``) in the same transaction.
    Returns True if complete.
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
            events.course_completed.announce(enrolment=enrolment)
    return True


# Submissions sent again (docs/offline.md) -------------------------------------------

# How long a signed-in learner's used keys are kept (a browser keeps its queue 30 days too).
SUBMISSION_KEY_DAYS = 30
# A visitor's used keys live in the session (the latest ones).
SESSION_SUBMISSION_KEYS = "kns_submission_keys"
SESSION_SUBMISSION_KEYS_MAX = 100


def submission_key_claim(*, user: User | AnonymousUser, session: SessionBase, key: uuid.UUID, action: str) -> bool:
    """Claim the browser's key of a submission: False if it was recorded before (then record nothing).

    Call it in the transaction that records the submission: a concurrent twin waits on the unique
    constraint (``courses_submissionkey_once``) and is then refused. Keys older than
    ``SUBMISSION_KEY_DAYS`` are forgotten on the way.
    """
    if not user.is_authenticated:
        seen = [str(value) for value in session.get(SESSION_SUBMISSION_KEYS, [])]
        if str(key) in seen:
            return False
        session[SESSION_SUBMISSION_KEYS] = [*seen, str(key)][-SESSION_SUBMISSION_KEYS_MAX:]
        return True
    SubmissionKey.objects.filter(
        user=user, created_at__lt=timezone.now() - datetime.timedelta(days=SUBMISSION_KEY_DAYS)
    ).delete()
    try:
        with transaction.atomic():
            SubmissionKey.objects.create(user=user, key=key, action=action[:40])
    except IntegrityError:
        return False
    return True


# Quizzes -------------------------------------------------------------------------


def submission_token_parse(*, raw: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError(
            _("This form has expired. Please reload the page and try again."), code="bad_token"
        ) from None


def quiz_submit(
    *, user: User, course: CoursePage, lesson: LessonPage | None = None, token: object, data: MultiValueDict
) -> tuple[QuizAttempt, Grade]:
    """Grade a submitted quiz (a lesson's, or the course's final test when ``lesson`` is None).

    Records one attempt per submission token (a double-submitted form records
    one attempt), completes the lesson when passed, and checks course completion.
    Returns ``(attempt, grade)``. Raises ValidationError for bad input; nothing is written then.
    """
    token = submission_token_parse(raw=token)
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
        enrolment = enrolment_create(user=user, course=course)
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
            events.quiz_graded.announce(attempt=attempt, user=user, course=course, lesson=lesson, enrolment=enrolment)
        except IntegrityError:
            # The same form submitted twice: one attempt, graded as it was recorded.
            attempt = QuizAttempt.objects.get(user=user, submission_token=token)
            recorded = {key: frozenset(value) for key, value in attempt.answers.items()}
            grade = quiz_grade(questions, recorded, course.pass_mark)
        Enrolment.objects.filter(pk=enrolment.pk).update(last_activity_at=timezone.now())
    if attempt.passed:
        if lesson is not None:
            lesson_complete(user=user, lesson=lesson, course=course)
        else:
            course_completion_check(enrolment=enrolment)
    return attempt, grade


# Tutorials and feedback -----------------------------------------------------------


def feedback_client(*, request: HttpRequest) -> str:
    """Who a feedback answer comes from, for its limit: the signed-in person, else the client's address."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return "address:" + hashlib.sha256(client_address(request).encode()).hexdigest()[:32]


def tutorial_mark_done(*, user: User, tutorial: TutorialPage) -> None:
    TutorialCompletion.objects.bulk_create([TutorialCompletion(user=user, tutorial=tutorial)], ignore_conflicts=True)


def feedback_record(
    *, page: Page, user: User | AnonymousUser | None, helpful: bool, comment: str = "", client: str | None = None
) -> Feedback:
    """Record one answer to "Was this helpful?".

    ``client`` names who sends it (the view passes the signed-in person or the client's address,
    see ``feedback_client``): at most ``FEEDBACK_RATE_LIMIT`` answers per client in
    ``FEEDBACK_RATE_WINDOW`` seconds, past that a ``ValidationError`` and nothing written.
    """
    if client is not None and counter_hit(f"feedback:{client}", settings.FEEDBACK_RATE_WINDOW) > (
        settings.FEEDBACK_RATE_LIMIT
    ):
        raise ValidationError(
            _("You have sent a lot of feedback in a short time. Thank you! Please try again in an hour."),
            code="rate_limited",
        )
    return Feedback.objects.create(
        page=page,
        user=user if user is not None and user.is_authenticated else None,
        helpful=helpful,
        comment=(comment or "").strip()[:1000],
    )


# Anonymous progress, kept in the session until sign-up -------------------------------


def _session_save(session: SessionBase, progress: dict[str, Any]) -> None:
    session[SESSION_KEY] = progress
    session.modified = True


def anonymous_lesson_complete(*, session: SessionBase, lesson: LessonPage) -> None:
    """Remember in the session that a visitor completed ``lesson`` (kept when they sign up)."""
    course = lesson.course
    error = course_access_error(user=AnonymousUser(), course=course)
    if error:
        raise ValidationError(error.message, code="no_access")
    progress = session_progress(session=session)
    if lesson.has_quiz and str(lesson.pk) not in progress["quizzes"]:
        raise ValidationError(_("Pass this lesson's quiz to complete it."), code="quiz_not_passed")
    if lesson.pk not in progress["lessons"]:
        progress["lessons"].append(lesson.pk)
    _session_save(session, progress)


def anonymous_quiz_submit(*, session: SessionBase, lesson: LessonPage, data: MultiValueDict) -> Grade:
    """Grade a visitor's lesson quiz; a pass is remembered in the session. Returns the grade."""
    course = lesson.course
    error = course_access_error(user=AnonymousUser(), course=course)
    if error:
        raise ValidationError(error.message, code="no_access")
    questions = quiz_questions(lesson.body)
    if not questions:
        raise ValidationError(_("This page has no quiz."), code="no_quiz")
    answers = answers_from_post(questions, data)
    grade = quiz_grade(questions, answers, course.pass_mark)
    if grade.passed:
        progress = session_progress(session=session)
        progress["quizzes"][str(lesson.pk)] = {key: sorted(value) for key, value in answers.items()}
        if lesson.pk not in progress["lessons"]:
            progress["lessons"].append(lesson.pk)
        _session_save(session, progress)
    return grade


def anonymous_tutorial_done(*, session: SessionBase, tutorial: TutorialPage) -> None:
    progress = session_progress(session=session)
    if tutorial.pk not in progress["tutorials"]:
        progress["tutorials"].append(tutorial.pk)
    _session_save(session, progress)


def anonymous_enrol_request(*, session: SessionBase, course: CoursePage) -> None:
    """Remember that a visitor asked to enrol in ``course``: they are enrolled when they sign up or sign in."""
    progress = session_progress(session=session)
    if course.pk not in progress["courses"]:
        progress["courses"] = [*progress["courses"], course.pk][-PENDING_ENROLMENTS_MAX:]
    _session_save(session, progress)


def _pending_enrolments_claim(request: HttpRequest, user: User, course_ids: list[int]) -> None:
    for course in CoursePage.objects.live().public().filter(pk__in=course_ids).order_by("path"):
        try:
            enrolment_create(user=user, course=course)
        except ValidationError as error:
            logger.info("Enrolment in course %s not made for user %s: %s", course.pk, user.pk, error.messages)
            continue
        messages.success(request, _("You are enrolled in %(course)s.") % {"course": course.title}, fail_silently=True)


def session_progress_claim(request: HttpRequest, user: User) -> None:
    """Sign-in hook (ACCOUNTS_SIGN_IN_HOOKS, called as ``hook(request, user)``): record what this
    browser did before signing in, then forget it.

    Quiz answers are graded again on the server; lessons of courses the person
    may not take are skipped.
    """
    progress = session_progress(session=request.session)
    if not any(progress.values()):
        return
    _pending_enrolments_claim(request, user, progress["courses"])
    for tutorial in TutorialPage.objects.live().filter(pk__in=progress["tutorials"]):
        tutorial_mark_done(user=user, tutorial=tutorial)
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
                quiz_submit(user=user, course=lesson.course, lesson=lesson, token=uuid.uuid4(), data=data)
            else:
                lesson_complete(user=user, lesson=lesson)
        except ValidationError as error:
            logger.info("Progress of lesson %s not kept for user %s: %s", lesson_id, user.pk, error.messages)
            continue
    request.session.pop(SESSION_KEY, None)


# Renewed training: a new run of a course ----------------------------------------------


def enrolment_archive(*, user_id: int, course_id: int, now: datetime.datetime | None = None) -> bool:
    """Archive a completed enrolment so the course can be taken again (renewed training).

    The archived enrolment keeps its completion date and certificate; the
    lesson ticks of that run are cleared (the quiz attempts stay, and only
    attempts made after the new enrolment count). Returns whether one was archived.
    """
    archived = Enrolment.objects.filter(
        user_id=user_id, course_id=course_id, archived_at__isnull=True, completed_at__isnull=False
    ).update(archived_at=now or timezone.now())
    if archived:
        LessonCompletion.objects.filter(user_id=user_id, course_id=course_id).delete()
    return bool(archived)
