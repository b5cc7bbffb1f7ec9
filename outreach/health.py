"""Outreach's readiness check (``READINESS_CHECKS``, core.health): how long the oldest message that is
due has waited unsent. A figure only: no recipient, no address."""

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone

from core.health import Check, age_check

from .delivery.models import Delivery


def oldest_due_delivery_check() -> Check:
    """Planned messages whose time has come (no ``not_before``, or it has passed) and not yet sent."""
    now = timezone.now()
    planned = Delivery.objects.filter(status=Delivery.Status.PLANNED)
    # Two index-friendly minimums (the partial index on planned rows): waiting since planned, or since
    # the quiet hours / back-off that held it ended.
    since_planned = planned.filter(not_before__isnull=True).aggregate(oldest=Min("planned_at"))["oldest"]
    since_due = planned.filter(Q(not_before__lte=now)).aggregate(oldest=Min("not_before"))["oldest"]
    oldest = min((moment for moment in (since_planned, since_due) if moment is not None), default=None)
    return age_check("oldest_due_delivery", oldest, float(settings.READINESS_DELIVERY_MAX_AGE))
