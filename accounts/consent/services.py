"""The writes of consent: give and withdraw, per purpose and channel, each change kept in the record.

A change of ``Consent`` and its ``ConsentRecord`` row are written together, with the time, how
(``source``: ``ConsentRecord.Source``, signup, settings, unsubscribe, demo or import, and a
``detail`` such as the campaign message of an unsubscribe link) and the privacy-notice version in
force. Answering what is already the answer changes and records nothing. One person's answers
change one at a time (their row is locked), and ``Consent`` holds one row per person, purpose and
channel (a unique constraint): two tabs, or two clicks at once, leave one current answer and one
record of the change.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import Consent, User
from .channels import CHANNEL_CODES, channel_reachable
from .models import ConsentRecord

# Where a change came from (stored in the record, shown in the person's data export).
Source = ConsentRecord.Source
SOURCE_SIGN_UP = Source.SIGNUP
SOURCE_SETTINGS = Source.SETTINGS
SOURCE_UNSUBSCRIBE = Source.UNSUBSCRIBE
SOURCE_DEMO = Source.DEMO
SOURCE_IMPORT = Source.IMPORT


class ConsentError(ValueError):
    """A purpose or channel that does not exist, or consent on a channel the person cannot be reached on."""


def notice_version() -> str:
    return str(getattr(settings, "ACCOUNTS_PRIVACY_NOTICE_VERSION", "") or "")


def _channels_checked(*, user: User, purpose: str, channels: Iterable[str], granted: bool) -> list[str]:
    if purpose not in Consent.Purpose.values:
        raise ConsentError(f"Unknown purpose: {purpose!r}")
    wanted = list(dict.fromkeys(channels))
    if purpose not in Consent.PER_CHANNEL:
        if wanted != [Consent.ANY_CHANNEL]:
            raise ConsentError(f"{purpose} is answered for every channel at once (channels=[ANY_CHANNEL]).")
        return wanted
    for code in wanted:
        if code not in CHANNEL_CODES:
            raise ConsentError(f"Unknown channel: {code!r}")
        if granted and not channel_reachable(user=user, code=code):
            raise ConsentError(f"The person cannot be reached on {code}.")
    return wanted


def _consent_set(
    *,
    user: User,
    purpose: str,
    channels: Iterable[str],
    granted: bool,
    source: str,
    detail: str,
    at: datetime.datetime | None,
) -> list[str]:
    if source not in Source.values:
        raise ConsentError(f"Unknown source: {source!r}")
    wanted = _channels_checked(user=user, purpose=purpose, channels=channels, granted=granted)
    if not wanted:
        return []
    detail = detail[:100]
    version = notice_version()
    with transaction.atomic():
        # One person's answers change one at a time (two tabs, a click on two unsubscribe links);
        # the time is read once the lock is held, so the record's order is the order of the changes.
        User.objects.select_for_update().filter(pk=user.pk).first()
        at = at or timezone.now()
        current = dict(
            Consent.objects.filter(user=user, purpose=purpose, channel__in=wanted).values_list("channel", "granted")
        )
        changed = [code for code in wanted if current.get(code) is not granted]
        if not changed:
            return []
        for code in changed:
            Consent.objects.update_or_create(
                user=user, purpose=purpose, channel=code, defaults={"granted": granted, "at": at, "source": source}
            )
        ConsentRecord.objects.bulk_create(
            ConsentRecord(
                user=user,
                purpose=purpose,
                channel=code,
                granted=granted,
                at=at,
                source=source,
                detail=detail,
                notice_version=version,
            )
            for code in changed
        )
    return changed


def consent_give(
    *,
    user: User,
    purpose: str,
    channels: Iterable[str],
    source: str,
    detail: str = "",
    at: datetime.datetime | None = None,
) -> list[str]:
    """``user`` agrees to ``purpose`` on ``channels`` (channels they can be reached on); returns those changed.

    Service notices take ``channels=[Consent.ANY_CHANNEL]``. ConsentError for an unknown purpose,
    channel or source, or a channel the person has no contact for; nothing is written then.
    """
    return _consent_set(
        user=user, purpose=purpose, channels=channels, granted=True, source=source, detail=detail, at=at
    )


def consent_withdraw(
    *,
    user: User,
    purpose: str,
    channels: Iterable[str],
    source: str,
    detail: str = "",
    at: datetime.datetime | None = None,
) -> list[str]:
    """``user`` refuses (or withdraws) ``purpose`` on ``channels``; returns the channels whose answer changed.

    Withdrawing is always possible, also where consent was never given (it is then recorded as a refusal).
    """
    return _consent_set(
        user=user, purpose=purpose, channels=channels, granted=False, source=source, detail=detail, at=at
    )
