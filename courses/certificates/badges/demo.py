"""Demo badges (``DEMO_SEEDERS``): the demo citizen holds a certificate, and so its badge; a second demo
person's certificate is revoked, to show a revoked badge. Every certificate gets its status index.
Idempotent: the certificate is issued once per enrolment and revoking again changes nothing.

The completions are real progress: every live lesson done (its quiz passed) and the final test passed,
so the course page does not say "0/4 lessons" beside "you completed this course". Seeded after the
package demos (``DEMO_SEEDERS`` order), which add lessons to the demo courses.
"""

import uuid

from django.utils import timezone

from accounts.models import User

from ...learning.models import Enrolment, LessonCompletion, QuizAttempt
from ...learning.pages import CoursePage
from ..services import certificate_issue, certificate_revoke
from .services import badge_statuses_backfill

HOLDER_PHONE = "0912345678"  # the demo citizen (accounts.demo)
REVOKED_PHONE = "0388100202"  # a citizen the counter's helper signed up (courses.assisted.demo)


# Demo attempts' tokens derive from the person and the quiz: seeding again inserts none.
_DEMO_TOKENS = uuid.UUID("5e3d7c1a-2b4f-4c8e-9a61-0d2f3b4c5d6e")


def _passed_attempt(user: User, course: CoursePage, lesson=None) -> QuizAttempt:
    token = uuid.uuid5(_DEMO_TOKENS, f"{user.pk}:{course.pk}:{lesson.pk if lesson else 'final'}")
    return QuizAttempt(user=user, course=course, lesson=lesson, submission_token=token, score=100, passed=True)


def _progress_complete(user: User, course: CoursePage) -> None:
    """Every live lesson completed (its quiz passed first) and the final test passed, if the course has one."""
    lessons = list(course.lessons())
    attempts = [_passed_attempt(user, course, lesson) for lesson in lessons if lesson.has_quiz]
    if course.has_final_quiz:
        attempts.append(_passed_attempt(user, course))
    QuizAttempt.objects.bulk_create(attempts, ignore_conflicts=True)
    LessonCompletion.objects.bulk_create(
        [LessonCompletion(user=user, lesson=lesson, course=course) for lesson in lessons], ignore_conflicts=True
    )


def _certificate_for(user: User, course: CoursePage):
    enrolment, _created = Enrolment.objects.get_or_create(user=user, course=course, archived_at__isnull=True)
    _progress_complete(user, course)
    if enrolment.completed_at is None:
        Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=timezone.now())
        enrolment.refresh_from_db()
    return certificate_issue(enrolment=enrolment)


def demo_badges_seed() -> list:
    course = CoursePage.objects.live().filter(issues_certificate=True).order_by("path").first()
    if course is not None:
        holder = User.objects.filter(phone=HOLDER_PHONE).first()
        if holder is not None:
            _certificate_for(holder, course)
        other = User.objects.filter(phone=REVOKED_PHONE).first()
        if other is not None:
            certificate = _certificate_for(other, course)
            if certificate is not None:
                certificate_revoke(certificate=certificate, by=None, reason="Cấp nhầm khóa học (dữ liệu mẫu).")
    badge_statuses_backfill()
    return []
