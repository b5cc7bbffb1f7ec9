"""A Zalo message that Zalo cannot carry goes by SMS instead: once, and only where SMS may carry it.

When Zalo answers that the number is not on Zalo (or cannot receive ZNS) or that the template was
refused, the sender calls ``zalo_fallback`` with the row it holds. In **one transaction**:

- the Zalo row, still ours (``claim`` = the batch's token, ``sending``), ends ``cancelled`` with the
  reason ``zalo_fallback`` (Zalo's answer in ``last_error``), and
- the SMS row is written with the key of the same message on SMS (``…:zalo`` → ``…:sms``;
  ``INSERT`` once per key): if the person also chose SMS, that row exists already and nothing more
  is written, so the SMS is never sent twice; it is queued after the commit.

A batch that lost its lease changes nothing (the claim condition); a task run twice finds the row
no longer ``sending``. So a Zalo row is never both sent and fallen back, and one fallback SMS at
most exists per message.

SMS is used only where the person may be reached by SMS for that purpose (``sms_refusal``): an SMS
provider is configured, the number is a mobile one, and the purpose allows it: a kind that needs
consent per channel (campaign news, ``Kind.channel_consent``) needs consent **given on SMS**
(silence is not consent); a purpose the person may refuse (course nudges, certificate notices) must
not be refused. Otherwise the Zalo row ends ``failed`` with both reasons.
"""

import datetime

from django.db import transaction
from django.db.models import Q

from accounts.models import Consent
from accounts.phone import phone_is_mobile

from .. import kinds
from ..channels import DeliveryError, sms_available
from ..models import Channel, Delivery
from ..outbox import enqueue_ids, quiet_end_at

FALLBACK_REASON = "zalo_fallback"
# What of a Zalo row's context holds the message's values (a code, for a one-time code): blanked with its text.
_VALUES = ("zalo", "sms")


def fallback_key(key: str) -> str:
    """The idempotency key of the same message on SMS."""
    return key.removesuffix(":zalo")[:195] + ":sms"


def public_context(context: dict | None) -> dict:
    """A row's context without the message's values (kept once a secret kind's row is done)."""
    return {name: value for name, value in (context or {}).items() if name not in _VALUES}


def sms_refusal(row: dict) -> str:
    """Why the message of ``row`` may not go by SMS instead (a reason code), "" when it may."""
    if not sms_available():
        return "no_sms_provider"
    if not phone_is_mobile(row["address"]):
        return "not_mobile"
    kind = kinds.kind_get(row["kind"])
    user_id = row["recipient_id"]
    if kind is not None and kind.channel_consent:
        given = Consent.objects.filter(
            user_id=user_id, purpose=kind.channel_consent, channel=Channel.SMS, granted=True
        ).exists()
        if not given:
            return "no_sms_consent"
    purpose = kinds.refusable_purposes().get(row["kind"])
    if purpose:
        refused = Consent.objects.filter(
            Q(channel=Consent.ANY_CHANNEL) | Q(channel=Channel.SMS), user_id=user_id, purpose=purpose, granted=False
        ).exists()
        if refused:
            return "opted_out"
    return ""


def _sms_row(row: dict, now: datetime.datetime) -> Delivery:
    context = row["context"] or {}
    held = quiet_end_at(now=now) if row["kind"] in kinds.kinds_where("quiet_hours") else None
    return Delivery(
        recipient_id=row["recipient_id"],
        kind=row["kind"],
        channel=Channel.SMS,
        idempotency_key=fallback_key(row["idempotency_key"]),
        status=Delivery.Status.PLANNED,
        subject_id=row["subject_id"],
        sequence=row.get("sequence") or 0,
        language=row["language"],
        address=row["address"],
        subject=row["subject"],
        body=context.get("sms") or row["body"],
        context={**public_context(context), "fallback_of": row["pk"]},
        planned_at=now,
        not_before=held,
        queued_at=None if held else now,
    )


def zalo_fallback(*, row: dict, token: str, error: DeliveryError, now: datetime.datetime) -> str:
    """Hand the Zalo message of ``row`` (claimed under ``token``) to SMS, or fail it where SMS may not
    carry it. Returns "fallback" (the SMS row is planned, or was there), "failed", or "" (the row is no
    longer ours: nothing written)."""
    refusal = sms_refusal(row)
    done: dict = {}
    if row["kind"] in kinds.kinds_where("secret"):
        done = {"body": kinds.REDACTED, "context": public_context(row["context"])}
    with transaction.atomic():
        mine = Delivery.objects.filter(pk=row["pk"], claim=token, status=Delivery.Status.SENDING)
        if refusal:
            note = f"{error}; not sent by SMS instead: {kinds.reason_label(refusal)}"
            return (
                "failed" if mine.update(status=Delivery.Status.FAILED, claim="", last_error=note[:2000], **done) else ""
            )
        updated = mine.update(
            status=Delivery.Status.CANCELLED, reason=FALLBACK_REASON, claim="", last_error=str(error)[:2000], **done
        )
        if not updated:
            return ""
        sms = _sms_row(row, now)
        fields = {field.attname: getattr(sms, field.attname) for field in Delivery._meta.concrete_fields}
        fields.pop("id")
        key = fields.pop("idempotency_key")
        created_row, created = Delivery.objects.get_or_create(idempotency_key=key, defaults=fields)
        if created and created_row.queued_at is not None:
            enqueue_ids(ids=[created_row.pk])
    return "fallback"
