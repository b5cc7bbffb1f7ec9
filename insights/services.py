"""The one write of insights: the daily summary of what happened per unit (``UnitDayFigure``)."""

import datetime
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate

from accounts.models import User
from core.localtime import local_today, local_zone
from courses.models import Certificate, Enrolment, LessonCompletion, TutorialCompletion
from outreach.models import CAMPAIGN_KIND, Delivery

from .models import SUMMARY_FIGURES, UnitDayFigure
from .period import Period


def _sources(*, period: Period) -> tuple[list[tuple[str, QuerySet, str, str]], Callable[[str], Q]]:
    """(figure, queryset, moment field, unit field) for every summarised figure."""
    within = period.q
    reminder = ~Q(kind=CAMPAIGN_KIND)
    return [
        ("signups", User.objects.filter(kind=User.Kind.CITIZEN), "date_joined", "organisation_unit_id"),
        ("tutorials", TutorialCompletion.objects.all(), "completed_at", "user__organisation_unit_id"),
        ("enrolled", Enrolment.objects.all(), "enrolled_at", "user__organisation_unit_id"),
        ("completed", Enrolment.objects.all(), "completed_at", "user__organisation_unit_id"),
        (
            "certificates",
            # One per award: a certificate issued again (name corrected) replaces the old one, same day.
            Certificate.objects.filter(revoked_at__isnull=True, superseded_at__isnull=True),
            "issued_at",
            "user__organisation_unit_id",
        ),
        ("lessons", LessonCompletion.objects.all(), "completed_at", "user__organisation_unit_id"),
        (
            "reminders_sent",
            Delivery.objects.filter(reminder, status=Delivery.Status.SENT),
            "sent_at",
            "recipient__organisation_unit_id",
        ),
        (
            "reminders_failed",
            Delivery.objects.filter(reminder, status=Delivery.Status.FAILED),
            "planned_at",
            "recipient__organisation_unit_id",
        ),
    ], within


@transaction.atomic
def figures_rebuild(*, start: datetime.date | None = None, end: datetime.date | None = None) -> int:
    """Recount the local days ``start``..``end`` (default: yesterday and today) from the source rows.

    Deletes those days' rows and inserts them again in one transaction: running it twice, or two
    runs at once (serialised by an advisory lock on PostgreSQL, by SQLite's single writer), gives
    the same rows. Returns the number of rows written.
    """
    today = local_today()
    end = end or today
    start = start or end - datetime.timedelta(days=1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('insights_figures_rebuild'))")
    period = Period(start, end)
    zone = local_zone()
    rows: dict[tuple, dict[str, int]] = {}
    sources, within = _sources(period=period)
    for figure, queryset, moment, unit_field in sources:
        counts = (
            queryset.filter(within(moment))
            .annotate(day=TruncDate(moment, tzinfo=zone))
            .values("day", unit_field)
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in counts:
            key = (row["day"], row[unit_field])
            rows.setdefault(key, dict.fromkeys(SUMMARY_FIGURES, 0))[figure] += row["n"]
    UnitDayFigure.objects.filter(day__gte=start, day__lte=end).delete()
    UnitDayFigure.objects.bulk_create(
        [UnitDayFigure(day=day, unit_id=unit_id, **counts) for (day, unit_id), counts in rows.items()],
        batch_size=5000,
    )
    return len(rows)
