"""The channels a person can be reached on, in one place.

Every list of channels (the consent model's rows, the sign-up boxes, the notification settings,
campaign audiences and planning) is read from ``CONTACT_CHANNELS``; a new channel is one more entry
here, plus its sender in ``outreach.delivery`` (Zalo: ``outreach/delivery/zalo.py``, docs/zalo.md).
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

EMAIL, SMS, IN_APP, ZALO = "email", "sms", "in_app", "zalo"


@dataclass(frozen=True)
class ContactChannel:
    code: str
    label: Promise
    # The person's field the channel needs (None: every account can be reached, e.g. the site's inbox).
    contact_field: str | None
    # Why a person cannot be reached on it (shown next to a disabled choice).
    missing: Promise | None = None
    # What it needs, said on the sign-up form (before the person has given anything).
    needs: Promise | None = None


CONTACT_CHANNELS: tuple[ContactChannel, ...] = (
    ContactChannel(
        EMAIL,
        _("By e-mail"),
        "email",
        _("Your account has no e-mail address."),
        _("if you sign up with an e-mail address"),
    ),
    ContactChannel(
        SMS, _("By SMS"), "phone", _("Your account has no phone number."), _("if you sign up with a phone number")
    ),
    ContactChannel(IN_APP, _("In my inbox on this site"), None),
    # Zalo Notification Service: sent to the phone number's Zalo account (templates registered with Zalo).
    ContactChannel(
        ZALO, _("By Zalo"), "phone", _("Your account has no phone number."), _("if you sign up with a phone number")
    ),
)
CHANNEL_CODES: tuple[str, ...] = tuple(channel.code for channel in CONTACT_CHANNELS)


def contact_channel(code: str) -> ContactChannel:
    """The channel named ``code``; KeyError for an unknown one."""
    for channel in CONTACT_CHANNELS:
        if channel.code == code:
            return channel
    raise KeyError(code)


def channel_reachable(*, user: object, code: str) -> bool:
    """Whether ``user`` has what channel ``code`` needs (an e-mail address, a phone number...)."""
    field = contact_channel(code).contact_field
    return field is None or bool(getattr(user, field, None))


def reachable_channels(*, user: object) -> list[str]:
    """The channels ``user`` can be reached on, in the registry's order."""
    return [code for code in CHANNEL_CODES if channel_reachable(user=user, code=code)]


def reachable_q(*, code: str, prefix: str = "") -> Q:
    """People (through ``prefix``, e.g. ``"user__"``) who can be reached on channel ``code``."""
    field = contact_channel(code).contact_field
    if field is None:
        return Q()
    return Q(**{f"{prefix}{field}__isnull": False}) & ~Q(**{f"{prefix}{field}": ""})
