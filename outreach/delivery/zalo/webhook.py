"""Zalo's delivery webhook (``POST /hooks/zalo/``): "the message reached the person's phone".

Zalo signs each event: the header ``X-ZEvent-Signature`` is ``mac=`` and the hex SHA-256 of the
app id, the body as sent, the event's ``timestamp`` (milliseconds, in the body) and the OA secret
key, concatenated (``ZALO_APP_ID``, ``ZALO_OA_SECRET_KEY``). A missing or wrong signature, another
app's event, a body that is not an event, or an event older than ``ZALO_WEBHOOK_MAX_AGE_SECONDS``
(a replay) is refused (4xx) and writes nothing. ``user_received_message`` sets the row's
``received_at`` once (the row is named by the ``tracking_id`` we sent, ``channel.tracking_id``);
other events, and events about rows we do not know, are accepted (200, Zalo stops retrying) and
change nothing.
"""

import datetime
import hashlib
import hmac
import json
import logging
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..models import Channel, Delivery
from .channel import tracking_id

log = logging.getLogger(__name__)

RECEIVED = "user_received_message"


class WebhookRefused(Exception):
    """Why an event is not Zalo's (or not a fresh one): answered 4xx, nothing written."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status


def zalo_signature(*, app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    """The value of ``X-ZEvent-Signature`` Zalo sends for ``body``."""
    mac = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()
    return f"mac={mac}"


def zalo_event_verify(*, body: bytes, signature: str, now: float | None = None) -> dict:
    """The event of ``body`` if Zalo signed it and it is fresh; raises ``WebhookRefused`` otherwise."""
    app_id, secret = settings.ZALO_APP_ID, settings.ZALO_OA_SECRET_KEY
    if not app_id or not secret:
        raise WebhookRefused(403, "ZALO_APP_ID or ZALO_OA_SECRET_KEY is not set")
    if not signature:
        raise WebhookRefused(401, "no X-ZEvent-Signature")
    try:
        event = json.loads(body)
        timestamp = str(event["timestamp"])
        moment = int(timestamp) / 1000
    except (ValueError, TypeError, KeyError) as error:
        raise WebhookRefused(400, f"not an event: {error}") from error
    expected = zalo_signature(app_id=app_id, body=body, timestamp=timestamp, secret=secret)
    given = signature.strip()
    if not given.startswith("mac="):
        given = f"mac={given}"
    if not hmac.compare_digest(given.lower(), expected):
        raise WebhookRefused(403, "bad signature")
    if str(event.get("app_id", app_id)) != app_id:
        raise WebhookRefused(403, "another app's event")
    age = (now if now is not None else time.time()) - moment
    if age > settings.ZALO_WEBHOOK_MAX_AGE_SECONDS or age < -300:
        raise WebhookRefused(403, f"stale event ({int(age)} s)")
    return event


def zalo_event_record(*, event: dict) -> int:
    """Record what a verified event says; returns the rows changed (0 or 1)."""
    if event.get("event_name") != RECEIVED:
        return 0
    message = event.get("message") or {}
    tracking = str(message.get("tracking_id") or "")
    pk_text, _dot, _digest = tracking.partition(".")
    if not pk_text.isdigit():
        return 0
    row = Delivery.objects.filter(pk=int(pk_text), channel=Channel.ZALO).values("pk", "idempotency_key").first()
    if row is None or tracking_id(pk=row["pk"], key=row["idempotency_key"]) != tracking:
        return 0
    when = timezone.now()
    delivered = message.get("delivery_time")
    if str(delivered or "").isdigit():
        when = datetime.datetime.fromtimestamp(int(delivered) / 1000, tz=datetime.UTC)
    return Delivery.objects.filter(pk=row["pk"], received_at__isnull=True).update(received_at=when)


@csrf_exempt  # Zalo's servers post here; the signature is the check
@require_POST
def zalo_webhook(request: HttpRequest) -> HttpResponse:
    try:
        event = zalo_event_verify(body=request.body, signature=request.headers.get("X-ZEvent-Signature", ""))
    except WebhookRefused as refused:
        log.warning("Zalo webhook refused: %s", refused)
        return JsonResponse({"error": str(refused)}, status=refused.status)
    zalo_event_record(event=event)
    return JsonResponse({"error": 0})
