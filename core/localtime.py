"""The site's local time: one time zone (``TIME_ZONE``, Asia/Ho_Chi_Minh), one way to read it.

Due dates, certificate dates, quiet hours and the dashboard's days are local dates. Every
module that needs "today" or a local clock reading asks this one, never ``ZoneInfo`` itself.
"""

import calendar
import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

Moment = TypeVar("Moment", datetime.date, datetime.datetime)


def local_zone() -> ZoneInfo:
    """The site's time zone (``settings.TIME_ZONE``; Vietnam has no daylight saving)."""
    return ZoneInfo(settings.TIME_ZONE)


def local_now() -> datetime.datetime:
    """Now, as an aware datetime in the site's time zone."""
    return timezone.localtime(timezone.now(), local_zone())


def local_today() -> datetime.date:
    """Today's date in the site's time zone."""
    return timezone.localdate(timezone=local_zone())


def local_time(moment: datetime.datetime) -> datetime.datetime:
    """An aware ``moment`` in the site's time zone."""
    return timezone.localtime(moment, local_zone())


def local_date(moment: datetime.datetime | datetime.date) -> datetime.date:
    """The local date of an aware datetime (a date is returned as it is)."""
    if isinstance(moment, datetime.datetime):
        return local_time(moment).date() if timezone.is_aware(moment) else moment.date()
    return moment


def months_add(moment: Moment, months: int) -> Moment:
    """``moment`` plus ``months`` calendar months, the day clamped to the month's end.

    31 January + 1 month is 28 February (29 in a leap year). A date stays a date; an aware
    datetime is shifted in local time, so the printed day is the one that moves.
    """
    if isinstance(moment, datetime.datetime) and timezone.is_aware(moment):
        return _months_add(local_time(moment), months).astimezone(moment.tzinfo)
    return _months_add(moment, months)


def _months_add(moment: Moment, months: int) -> Moment:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def date_display(moment: datetime.datetime | datetime.date | None) -> str:
    """dd/mm/yyyy in local time, or "" for None."""
    if moment is None:
        return ""
    return local_date(moment).strftime("%d/%m/%Y")


def datetime_display(moment: datetime.datetime | None, empty: str = "—") -> str:
    """dd/mm/yyyy HH:MM in local time, or ``empty`` for None."""
    return local_time(moment).strftime("%d/%m/%Y %H:%M") if moment else empty


def moment_iso(moment: datetime.datetime | None) -> str | None:
    """ISO 8601 in local time (personal-data exports), or None."""
    return local_time(moment).isoformat() if moment else None
