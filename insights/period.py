"""The period the figures cover: local dates, both days included, and how a request's dates become one.

A day is a local day (``core.localtime``, the site's time zone): a period runs from 00:00 of its
first day to 00:00 of the day after its last. A period is at most two years (``MAX_PERIOD_DAYS``).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from core.localtime import local_today, local_zone

MAX_PERIOD_DAYS = 2 * 366


@dataclass(frozen=True)
class Period:
    """Local dates, both included."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def last_weeks(cls, weeks: int, today: datetime.date | None = None) -> "Period":
        """The ``weeks`` weeks ending today (Monday to today's weekday)."""
        today = today or local_today()
        start = today - datetime.timedelta(days=today.weekday()) - datetime.timedelta(weeks=weeks - 1)
        return cls(start, today)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) as aware datetimes: 00:00 of the first day to 00:00 after the last, in local time."""
        zone = local_zone()
        start = datetime.datetime.combine(self.start, datetime.time.min, zone)
        end = datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min, zone)
        return start, end

    def q(self, field_name: str) -> Q:
        """The rows whose ``field_name`` (an aware datetime) falls in the period."""
        start, end = self.bounds()
        return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})

    def weeks(self) -> list[datetime.date]:
        """The Mondays of the weeks the period touches."""
        monday = self.start - datetime.timedelta(days=self.start.weekday())
        weeks = []
        while monday <= self.end:
            weeks.append(monday)
            monday += datetime.timedelta(weeks=1)
        return weeks


def period_from(
    *, start: datetime.date | None, end: datetime.date | None, default_weeks: int, today: datetime.date | None = None
) -> Period:
    """The period asked for: ``end`` defaults to today, ``start`` to the ``default_weeks`` weeks ending on ``end``."""
    end = end or today or local_today()
    start = start or Period.last_weeks(default_weeks, end).start
    return Period(start, end)


def period_error(*, period: Period) -> str | None:
    """Why ``period`` cannot be shown (it ends before it starts, or is longer than two years), or None."""
    if period.end < period.start:
        return _("The end of the period must not be before its start.")
    if (period.end - period.start).days > MAX_PERIOD_DAYS:
        return _("The period can be at most two years.")
    return None
