"""Demo badges (``DEMO_SEEDERS``): the demo citizen holds a certificate, and so its badge; a second demo
person's certificate is revoked, to show a revoked badge. Every certificate gets its status index.
Idempotent: the certificate is issued once per enrolment and revoking again changes nothing."""

from django.utils import timezone

from accounts.models import User

from ...learning.models import Enrolment
from ...learning.pages import CoursePage
from ..services import certificate_issue, certificate_revoke
from .services import badge_statuses_backfill

HOLDER_PHONE = "0912345678"  # the demo citizen (accounts.demo)
REVOKED_PHONE = "0388100202"  # a citizen the counter's helper signed up (courses.assisted.demo)


def _certificate_for(user: User, course: CoursePage):
    enrolment, _created = Enrolment.objects.get_or_create(user=user, course=course)
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
