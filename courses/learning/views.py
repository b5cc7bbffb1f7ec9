"""Learner actions: parse input, check permission, call a service; selectors for reads.

Every action is a POST with a CSRF token and works without JavaScript. Bad
input (a tampered form, a lesson the learner may not take) gets a clear,
translated message and writes nothing.
"""

import copy
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import csrf_protect_signed_in
from core.published import live_page, published_memo

from . import services
from .pages import CoursePage, LessonPage, TutorialPage
from .progress import course_access_error, course_progress_for
from .selectors import my_learning_for


def _live_page(request, model, pk):
    """The live page ``pk`` of type ``model`` outside private sections (remembered per generation)."""
    page = live_page(request, model, pk)
    if page is None:
        raise Http404
    return page


def _live_lesson(request, lesson_id):
    """The live lesson and its course: no query once this process has seen them in this generation."""
    lesson = _live_page(request, LessonPage, lesson_id)
    course = published_memo(request, ("course-of-lesson", lesson.pk), lambda: _course_prepared(lesson.course))
    lesson.course = course = copy.copy(course)
    return lesson, course


def _course_prepared(course):
    course.live_lesson_ids  # noqa: B018 - computed once, so that every copy of the course carries it
    return course


def _next_lesson_url(request, course, lesson):
    """The address of the lesson after ``lesson`` in the editors' order, or None (remembered per generation)."""

    def compute():
        following = course.lessons().filter(path__gt=lesson.path).first()
        return following.url if following is not None else None

    return published_memo(request, ("next-lesson-url", lesson.pk, get_language()), compute)


def _error_message(error):
    return " ".join(error.messages)


# The browser's key of a submission (static/js/pwa.js; docs/offline.md): a header, or a hidden field.
SUBMISSION_KEY_HEADER = "X-Idempotency-Key"
SUBMISSION_KEY_FIELD = "idempotency_key"


def _back(request):
    referer = request.headers.get("Referer", "")
    safe = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if referer and safe else "/"


def once_per_submission_key(action):
    """Record a submission that carries a key at most once (its replays answer with a redirect, nothing written).

    Without a key (no JavaScript) the view runs as before. The key is claimed in the view's
    transaction, so a refused or failed submission leaves no key behind but for its own refusals.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            raw = request.headers.get(SUBMISSION_KEY_HEADER) or request.POST.get(SUBMISSION_KEY_FIELD)
            if not raw:
                return view(request, *args, **kwargs)
            try:
                key = services.submission_token_parse(raw=raw)
            except ValidationError as error:
                messages.error(request, _error_message(error))
                return redirect(_back(request))
            with transaction.atomic():
                if not services.submission_key_claim(
                    user=request.user, session=request.session, key=key, action=action
                ):
                    return redirect(_back(request))
                return view(request, *args, **kwargs)

        return wrapper

    return decorate


@require_POST
@csrf_protect_signed_in
def course_enrol(request, course_id):
    course = _live_page(request, CoursePage, course_id)
    if not request.user.is_authenticated:
        if course_access_error(user=request.user, course=course) is not None:
            return redirect_to_login(course.url)
        # A visitor: create an account first (the sign-up page links to sign-in), enrolled on the way back.
        services.anonymous_enrol_request(session=request.session, course=course)
        return redirect(f"{reverse('accounts:sign_up')}?{urlencode({'next': course.url})}")
    try:
        services.enrolment_create(user=request.user, course=course)
    except ValidationError as error:
        messages.error(request, _error_message(error))
        return redirect(course.url)
    first = course.lessons().first()
    messages.success(request, _("You are enrolled. Start with the first lesson."))
    return redirect(first.url if first else course.url)


@require_POST
@csrf_protect_signed_in
@once_per_submission_key("lesson_complete")
def lesson_complete(request, lesson_id):
    lesson, course = _live_lesson(request, lesson_id)
    if lesson.has_package:
        # A lesson with a SCORM or H5P activity is completed by it (courses/packages), not by this button.
        messages.error(request, _("Finish the activity in this lesson to complete it."))
        return redirect(lesson.url)
    try:
        if request.user.is_authenticated:
            enrolment = services.lesson_complete(user=request.user, lesson=lesson, course=course)
        else:
            enrolment = None
            services.anonymous_lesson_complete(session=request.session, lesson=lesson)
    except ValidationError as error:
        messages.error(request, _error_message(error))
        return redirect(lesson.url)
    if enrolment is not None and enrolment.completed_at is not None:
        messages.success(request, _("Congratulations! You have completed the course."))
        return redirect(course.url)
    following_url = _next_lesson_url(request, course, lesson)
    messages.success(request, _("Lesson complete."))
    if following_url is not None:
        return redirect(following_url)
    return redirect(course.url)


def _quiz_result(request, *, course, lesson, grade, attempt=None):
    progress = course_progress_for(request=request, course=course)
    following = progress.neighbours(lesson)[1] if lesson is not None else None
    return render(
        request,
        "courses/learning/quiz_result.html",
        {
            "course": course,
            "lesson": lesson,
            "grade": grade,
            "attempt": attempt,
            "progress": progress,
            "next_lesson": following,
            "page": lesson or course,
        },
    )


@require_POST
@csrf_protect_signed_in
@once_per_submission_key("lesson_quiz_submit")
def lesson_quiz_submit(request, lesson_id):
    lesson, course = _live_lesson(request, lesson_id)
    try:
        if request.user.is_authenticated:
            attempt, grade = services.quiz_submit(
                user=request.user, course=course, lesson=lesson, token=request.POST.get("token"), data=request.POST
            )
        else:
            grade = services.anonymous_quiz_submit(session=request.session, lesson=lesson, data=request.POST)
            attempt = None
    except ValidationError as error:
        messages.error(request, _error_message(error))
        return redirect(lesson.url)
    return _quiz_result(request, course=course, lesson=lesson, grade=grade, attempt=attempt)


@require_POST
@csrf_protect_signed_in
@once_per_submission_key("course_test_submit")
def course_test_submit(request, course_id):
    course = _live_page(request, CoursePage, course_id)
    if not request.user.is_authenticated:
        return redirect_to_login(course.url)
    try:
        attempt, grade = services.quiz_submit(
            user=request.user, course=course, lesson=None, token=request.POST.get("token"), data=request.POST
        )
    except ValidationError as error:
        messages.error(request, _error_message(error))
        return redirect(course.url)
    return _quiz_result(request, course=course, lesson=None, grade=grade, attempt=attempt)


@require_POST
@csrf_protect_signed_in
@once_per_submission_key("tutorial_done")
def tutorial_done(request, tutorial_id):
    tutorial = _live_page(request, TutorialPage, tutorial_id)
    if request.user.is_authenticated:
        services.tutorial_mark_done(user=request.user, tutorial=tutorial)
    else:
        services.anonymous_tutorial_done(session=request.session, tutorial=tutorial)
    messages.success(request, _("Marked as done. Well done!"))
    return redirect(tutorial.url)


@login_required
def my_learning(request):
    return render(request, "courses/learning/my_learning.html", my_learning_for(user=request.user))
