"""The registry of message kinds: what delivery knows of a kind is what the kind registered here.

Delivery itself knows no kind. Each kind family (``outreach.reminders.training`` and its
siblings, ``outreach.campaigns.messages``) registers, when the app is ready
(``OutreachConfig.ready``):

- its kinds: the value stored in ``Delivery.kind``, the label, the consent purpose a person may
  refuse (checked again at sending), and how the delivery log names one of its rows;
- its planners, run in the families' order by each planning pass (``outbox.deliveries_plan``);
- its re-check ("is this message still wanted?"): at sending, the rows of its kinds that lost
  their reason (training completed, certificate revoked, campaign message cancelled...) get the
  code of that reason, and are cancelled instead of sent;
- the reasons it may give (codes stored in ``Delivery.reason``, shown translated).

The reminder settings register the quiet hours (no SMS is sent within them).
"""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy

# A claimed row as the sender reads it (``sending._ROW_FIELDS``).
Row = dict[str, Any]
# A re-check: {row pk: reason code} for the rows (of the family's kinds) no longer wanted.
Recheck = Callable[..., dict[int, str]]
# A planner: adds rows to the planning pass's outbox (``outbox.Outbox``).
Planner = Callable[..., None]

# Reasons of delivery itself (any kind).
REASONS = {
    "no_email": gettext_lazy("No e-mail address"),
    "no_phone": gettext_lazy("No phone number"),
    "not_mobile": gettext_lazy("A landline number: it cannot receive SMS"),
    "no_sms_provider": gettext_lazy("No SMS provider configured"),
    "no_zalo_provider": gettext_lazy("No Zalo provider configured"),
    "zalo_fallback": gettext_lazy("Zalo could not carry it: sent by SMS instead"),
    "no_sms_consent": gettext_lazy("No consent to this message by SMS"),
    "inactive": gettext_lazy("Account deactivated"),
    "opted_out": gettext_lazy("The person opted out"),
    "gone": gettext_lazy("What it was about no longer exists"),
}


@dataclass(frozen=True)
class Kind:
    """One kind of message. ``describe(delivery)`` names one of its rows in the delivery log.

    ``quiet_hours``: its SMS wait for the end of the quiet hours (False: someone is waiting for it,
    a one-time code). ``secret``: its text holds a secret: blanked (``REDACTED``) once the row is
    sent, failed or cancelled, and never resent from the admin. ``reaches_inactive``: sent to an
    account not active yet (a sign-up waiting for its code). ``channel_consent``: the purpose whose
    consent the kind needs channel by channel (campaign news): a message handed from Zalo to SMS needs
    it given on SMS (docs/zalo.md).
    """

    value: str
    label: Any
    refusable: str = ""
    describe: Callable[[Any], str] | None = None
    quiet_hours: bool = True
    secret: bool = False
    reaches_inactive: bool = False
    channel_consent: str = ""


# What a secret kind's row keeps of its text once it is done with it.
REDACTED = "[…]"


@dataclass(frozen=True)
class KindFamily:
    """Kinds registered together. ``order``: planners run, and kinds are listed, by it."""

    name: str
    order: int
    kinds: tuple[Kind, ...]
    planners: tuple[Planner, ...] = ()
    recheck: Recheck | None = None
    reasons: Mapping[str, Any] = field(default_factory=dict)


_families: dict[str, KindFamily] = {}
_quiet_hours: list[Callable[[], tuple[datetime.time, datetime.time]]] = []


def family_register(family: KindFamily) -> KindFamily:
    """Register (or replace, by name) a family of kinds; returns it."""
    _families[family.name] = family
    return family


def families() -> list[KindFamily]:
    return sorted(_families.values(), key=lambda family: (family.order, family.name))


def kind_choices() -> list[tuple[str, Any]]:
    """The choices of ``Delivery.kind``: every registered kind, in the families' order."""
    return [(kind.value, kind.label) for family in families() for kind in family.kinds]


def kind_get(value: str) -> Kind | None:
    for family in families():
        for kind in family.kinds:
            if kind.value == value:
                return kind
    return None


def planners() -> list[Planner]:
    return [planner for family in families() for planner in family.planners]


def rechecks() -> list[tuple[tuple[str, ...], Recheck]]:
    """(kind values, re-check) of every family that has one."""
    return [
        (tuple(kind.value for kind in family.kinds), family.recheck)
        for family in families()
        if family.recheck is not None
    ]


def refusable_purposes() -> dict[str, str]:
    """{kind: the consent purpose a person may refuse}, for the kinds that can be refused."""
    return {kind.value: kind.refusable for family in families() for kind in family.kinds if kind.refusable}


def kinds_where(flag: str, value: bool = True) -> set[str]:
    """The values of the kinds whose ``flag`` (``quiet_hours``, ``secret``, ``reaches_inactive``) is ``value``."""
    return {kind.value for family in families() for kind in family.kinds if getattr(kind, flag) == value}


def reason_label(code: str) -> str:
    """A reason code (skipped, cancelled) as the delivery log shows it."""
    for family in families():
        if code in family.reasons:
            return str(family.reasons[code])
    return str(REASONS.get(code, code))


def kind_display(delivery: Any) -> str:
    """The delivery log's name of the row's kind (a kind may name more, e.g. which campaign message)."""
    kind = kind_get(delivery.kind)
    if kind is not None and kind.describe is not None:
        return kind.describe(delivery)
    return delivery.get_kind_display()


def quiet_hours_register(provider: Callable[[], tuple[datetime.time, datetime.time]]) -> None:
    """The (start, end) of the quiet hours, read when planning and sending (one provider)."""
    _quiet_hours[:] = [provider]


def quiet_hours() -> tuple[datetime.time, datetime.time] | None:
    return _quiet_hours[0]() if _quiet_hours else None
