"""Messages of accounts (one-time codes, invitations) through the outbox: outreach's implementation
of ``accounts.messaging`` (``ACCOUNTS_MESSAGE_SENDERS``).

Each ``AccountMessage`` becomes one ``Delivery`` row of a kind registered here, written in the
caller's transaction (with the code it carries) and queued for sending after commit: codes get
the delivery log, retries and the shared rate limit. Codes are not held by SMS quiet hours (a
person is waiting), reach an account not active yet (a sign-up waiting for its code), and are
cancelled instead of sent once their code expired or was replaced or used (the re-check). Their
text is blanked once sent, failed or cancelled (``Kind.secret``), and never resent from the admin.
Notices (the old number told that the account's number changed) carry no secret and wait for the
end of the quiet hours like any SMS.

A message for SMS goes **by Zalo** instead when the person chose Zalo in their notification settings,
a Zalo provider is set up and the kind has a Zalo template (``ZALO_TEMPLATES``): the row is on the Zalo
channel (key ``…:zalo``), its values (``AccountMessage.values``: the code, its minutes) are its
template's parameters, and its SMS text is kept for the fallback: a number not on Zalo gets the
same SMS as before, once (``outreach.delivery.zalo.fallback``; docs/zalo.md).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.messaging import EMAIL, SMS, AccountMessage
from accounts.models import ContactPreference, OneTimeCode
from accounts.phone import phone_is_mobile

from .delivery.channels import sms_available
from .delivery.kinds import Kind, KindFamily, family_register
from .delivery.models import Channel, Delivery
from .delivery.outbox import enqueue_ids
from .delivery.zalo.channel import template_for, zalo_available

ACCOUNT_CODE = "account_code"
ACCOUNT_INVITATION = "account_invitation"
ACCOUNT_NOTICE = "account_notice"  # a change to the account told to the old number (no code in it)
KINDS = {"code": ACCOUNT_CODE, "invitation": ACCOUNT_INVITATION, "notice": ACCOUNT_NOTICE}


def _describe(delivery: Delivery) -> str:
    purpose = (delivery.context or {}).get("purpose", "")
    label = OneTimeCode.Purpose(purpose).label if purpose in OneTimeCode.Purpose.values else ""
    return f"{delivery.get_kind_display()} ({label})" if label else delivery.get_kind_display()


def account_messages_recheck(*, rows: list[dict], now, today) -> dict[int, str]:
    """Rows whose code expired, or was replaced or used meanwhile: cancelled, not sent (notices carry no code)."""
    code_ids = {row["pk"]: (row["context"] or {}).get("code_id") for row in rows if row["kind"] != ACCOUNT_NOTICE}
    live = set(
        OneTimeCode.objects.filter(
            pk__in={code_id for code_id in code_ids.values() if code_id}, spent_at__isnull=True, expires_at__gt=now
        ).values_list("pk", flat=True)
    )
    return {pk: "code_expired" for pk, code_id in code_ids.items() if code_id not in live}


FAMILY = family_register(
    KindFamily(
        name="accounts",
        order=5,
        kinds=(
            Kind(
                ACCOUNT_CODE,
                gettext_lazy("One-time code"),
                describe=_describe,
                quiet_hours=False,
                secret=True,
                reaches_inactive=True,
            ),
            Kind(ACCOUNT_INVITATION, gettext_lazy("Account invitation"), describe=_describe, secret=True),
            Kind(ACCOUNT_NOTICE, gettext_lazy("Account notice"), describe=_describe),
        ),
        recheck=account_messages_recheck,
        reasons={"code_expired": gettext_lazy("The code expired, or a newer one replaced it")},
    )
)


def _route(message: AccountMessage) -> tuple[str, str]:
    """(status, reason) of the row: planned, or skipped with why."""
    if message.channel == SMS:
        if not phone_is_mobile(message.address):
            return Delivery.Status.SKIPPED, "not_mobile"
        if not sms_available():
            return Delivery.Status.SKIPPED, "no_sms_provider"
    elif message.channel == EMAIL and not message.address:
        return Delivery.Status.SKIPPED, "no_email"
    return Delivery.Status.PLANNED, ""


def _by_zalo(message: AccountMessage, kind: str) -> bool:
    """Whether an SMS message goes by Zalo: the person chose Zalo, Zalo is set up, the kind has a template."""
    if message.channel != SMS or not zalo_available() or template_for(kind) is None:
        return False
    return ContactPreference.objects.filter(user_id=message.user_id, use_zalo=True).exists()


def account_message_send(message: AccountMessage) -> None:
    """Write ``message`` as a Delivery row (once per key) and queue it after the transaction commits."""
    now = timezone.now()
    status, reason = _route(message)
    kind = KINDS.get(message.kind, ACCOUNT_CODE)
    channel = Channel.SMS if message.channel == SMS else Channel.EMAIL
    key, context = message.key, dict(message.context or {})
    if status == Delivery.Status.PLANNED and _by_zalo(message, kind):
        channel, key = Channel.ZALO, message.key.removesuffix(":sms")[:195] + ":zalo"
        context.update(zalo={name: str(value) for name, value in message.values.items()}, sms=message.body)
    with transaction.atomic():
        delivery, created = Delivery.objects.get_or_create(
            idempotency_key=key[:200],
            defaults={
                "recipient_id": message.user_id,
                "kind": kind,
                "channel": channel,
                "status": status,
                "reason": reason,
                "subject_id": (message.context or {}).get("code_id"),
                "language": message.language,
                "address": message.address,
                "subject": message.subject[:255],
                "body": message.body if status == Delivery.Status.PLANNED else "",
                "context": context,
                "planned_at": now,
                "queued_at": now if status == Delivery.Status.PLANNED else None,
            },
        )
    if created and status == Delivery.Status.PLANNED:
        enqueue_ids(ids=[delivery.pk])
