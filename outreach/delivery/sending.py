"""The sender: claim planned deliveries, re-check them, send each once, never lose one.

Sending (``deliveries_send``, the Celery task ``outreach.tasks.deliveries_send``) claims its rows
atomically (``planned`` → ``sending`` with a claim token; ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), cancels those whose reason is gone (each kind's re-check, registered in
``kinds.py``: training completed, exempt or extended, course finished, certificate renewed or
revoked, campaign message cancelled; and opted out), holds back SMS in quiet hours, sends
through the channel at the shared rate, and records ``sent`` in small set-based updates (so a
crash re-sends at most one chunk, which the provider recognises by the key). Temporary errors
are retried with exponential back-off up to ``DELIVERY_MAX_ATTEMPTS``, then ``failed``
(visible, resendable).
"""

import contextlib
import datetime
import json
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from wagtail.log_actions import log as log_action

from accounts.models import Consent, User
from core.localtime import local_time

from . import kinds
from .channels import OutgoingMessage, PermanentDeliveryError, channel_for
from .inbox import unread_forget
from .models import Channel, Delivery
from .outbox import quiet_end_at
from .rate_limit import acquire

log = logging.getLogger(__name__)

# Sent rows are recorded every MARK_CHUNK messages or MARK_SECONDS, whichever comes first: the
# most a crash can make us offer the provider again. Providers get SEND_CHUNK messages at a time.
MARK_CHUNK = 100
MARK_SECONDS = 0.5
SEND_CHUNK = 10
RATE_WAIT_BUDGET = 60.0  # seconds a batch may wait for the rate limiter before handing back the rest


@dataclass
class SendResult:
    counts: dict = field(default_factory=lambda: defaultdict(int))
    retry_ids: list = field(default_factory=list)
    retry_countdown: float = 0.0

    def as_dict(self) -> dict:
        return {"counts": dict(self.counts), "retry": len(self.retry_ids)}


_ROW_FIELDS = (
    "pk",
    "recipient_id",
    "recipient__is_active",
    "kind",
    "channel",
    "idempotency_key",
    "subject_id",
    "context",
    "address",
    "subject",
    "body",
    "language",
    "attempts",
    "planned_at",
)


def _claim(ids: list[int], now: datetime.datetime) -> tuple[str, list[dict]]:
    """Take the planned, due rows among ``ids`` for this worker; returns (token, rows).

    PostgreSQL: one statement locks the rows it can (``FOR UPDATE SKIP LOCKED``: two workers on
    one batch split it without waiting), marks them and returns them. Elsewhere a conditional
    UPDATE (SQLite serialises writers), then a SELECT of what this claim took.
    """
    token = uuid.uuid4().hex
    if connection.vendor == "postgresql":
        return token, _claim_postgresql(ids, now, token)
    due = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PLANNED).filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now)
    )
    due.update(status=Delivery.Status.SENDING, claim=token, claimed_at=now, attempts=F("attempts") + 1)
    rows = list(Delivery.objects.filter(pk__in=ids, claim=token).order_by("pk").values(*_ROW_FIELDS))
    return token, rows


def _claim_postgresql(ids: list[int], now: datetime.datetime, token: str) -> list[dict]:
    table, users = Delivery._meta.db_table, User._meta.db_table
    returned = ", ".join(
        "u.is_active" if name == "recipient__is_active" else f"d.{'id' if name == 'pk' else name}"
        for name in _ROW_FIELDS
    )
    with connection.cursor() as cursor:
        cursor.execute(
            # The locking subquery selects by primary key only, so its plan never depends on the
            # table's statistics (just after a large planning pass they say nothing is planned);
            # the status is checked on the locked rows.
            f"UPDATE {table} AS d SET status = %s, claim = %s, claimed_at = %s, attempts = d.attempts + 1 "  # noqa: S608
            f"FROM {users} AS u WHERE u.id = d.recipient_id AND d.id IN ("
            f"SELECT id FROM {table} WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE SKIP LOCKED) "
            f"AND d.status = %s AND (d.not_before IS NULL OR d.not_before <= %s) "
            f"RETURNING {returned}",
            [Delivery.Status.SENDING, token, now, list(ids), Delivery.Status.PLANNED, now],
        )
        rows = [dict(zip(_ROW_FIELDS, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        if isinstance(row["context"], str):
            row["context"] = json.loads(row["context"])
    rows.sort(key=lambda row: row["pk"])
    return rows


def _mine(ids: list[int], token: str) -> QuerySet:
    return Delivery.objects.filter(pk__in=ids, claim=token)


def _cancellations(rows: list[dict], now: datetime.datetime) -> dict[int, str]:
    """{row pk: reason code} for rows whose reason to be sent is gone: each kind's re-check, then
    the refusals of the purposes a person may refuse; bulk queries, one per kind family."""
    cancel = {}
    by_kind = defaultdict(list)
    for row in rows:
        if not row["recipient__is_active"]:
            cancel[row["pk"]] = "inactive"
        else:
            by_kind[row["kind"]].append(row)
    today = local_time(now).date()
    for family_kinds, recheck in kinds.rechecks():
        family_rows = [row for kind in family_kinds for row in by_kind.get(kind, ())]
        if family_rows:
            cancel.update(recheck(rows=family_rows, now=now, today=today))
    refusable = kinds.refusable_purposes()
    optional = [row for row in rows if row["kind"] in refusable and row["pk"] not in cancel]
    if optional:
        refused = set(
            Consent.objects.filter(
                user_id__in={row["recipient_id"] for row in optional},
                purpose__in=set(refusable.values()),
                granted=False,
            ).values_list("user_id", "purpose")
        )
        for row in optional:
            if (row["recipient_id"], refusable[row["kind"]]) in refused:
                cancel[row["pk"]] = "opted_out"
    return cancel


def backoff_seconds(*, attempts: int) -> float:
    """Exponential back-off after the ``attempts``-th try, capped (well below the broker's visibility timeout)."""
    base, cap = settings.DELIVERY_RETRY_BASE_SECONDS, settings.DELIVERY_RETRY_MAX_SECONDS
    return min(cap, base * 2 ** max(0, attempts - 1))


def _release(ids: list[int], token: str, *, now: datetime.datetime, delay: float, error: str = "") -> int:
    """Hand claimed rows back as planned, to be tried after ``delay`` seconds (not counted as an attempt)."""
    fields = {
        "status": Delivery.Status.PLANNED,
        "claim": "",
        "claimed_at": None,
        "queued_at": now,
        "not_before": now + datetime.timedelta(seconds=delay),
        "attempts": F("attempts") - 1,
    }
    if error:
        fields["last_error"] = error
    return _mine(ids, token).update(**fields)


@contextlib.contextmanager
def _asynchronous_commit() -> Iterator[None]:
    """PostgreSQL: the sender's commits do not wait for the WAL to reach the disk.

    Safe here because every state change of the sender can be replayed: if PostgreSQL itself
    crashed and lost the last fraction of a second of commits, a lost claim or ``sent`` mark
    means the row is sent again with the same idempotency key (the window the lease already
    covers), a lost ``failed`` or ``cancelled`` is decided again. Planning stays synchronous.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def deliveries_send(*, ids: Iterable[int], now: datetime.datetime | None = None) -> SendResult:
    """Send the planned rows among ``ids`` (a batch); returns a SendResult (ids to retry, and when)."""
    with _asynchronous_commit():
        return _deliveries_send(ids, now=now)


def _deliveries_send(ids: Iterable[int], *, now: datetime.datetime | None = None) -> SendResult:
    now = now or timezone.now()
    result = SendResult()
    token, rows = _claim(list(ids), now)
    if not rows:
        return result

    # Reasons gone since planning: cancelled, never sent.
    cancel = _cancellations(rows, now)
    by_reason = defaultdict(list)
    for pk, reason in cancel.items():
        by_reason[reason].append(pk)
    for reason, pks in by_reason.items():
        _mine(pks, token).update(status=Delivery.Status.CANCELLED, reason=reason, claim="")
        result.counts["cancelled"] += len(pks)
    rows = [row for row in rows if row["pk"] not in cancel]

    # SMS waits for the end of quiet hours (left planned, not counted as an attempt).
    quiet_end = None
    if any(row["channel"] == Channel.SMS for row in rows):
        quiet_end = quiet_end_at(now=now)
    if quiet_end is not None:
        held = [row["pk"] for row in rows if row["channel"] == Channel.SMS]
        if held:
            _mine(held, token).update(
                status=Delivery.Status.PLANNED,
                claim="",
                claimed_at=None,
                queued_at=None,
                not_before=quiet_end,
                attempts=F("attempts") - 1,
            )
            result.counts["held"] += len(held)
            rows = [row for row in rows if row["channel"] != Channel.SMS]

    by_channel = defaultdict(list)
    for row in rows:
        by_channel[row["channel"]].append(row)
    outcome_lists = {"temporary": [], "permanent": []}
    deadline = time.monotonic() + RATE_WAIT_BUDGET
    for channel_name, channel_rows in by_channel.items():
        _channel_send(channel_name, channel_rows, token, deadline=deadline, result=result, outcomes=outcome_lists)
    _failures_record(outcome_lists["permanent"], outcome_lists["temporary"], token, now=now, result=result)
    return result


class _SentMarker:
    """Records sent rows in set-based updates: every MARK_CHUNK messages or MARK_SECONDS, whichever
    comes first. What a crash can make us offer the provider again is what was sent since the last
    update: at most MARK_CHUNK messages or MARK_SECONDS of sending."""

    def __init__(self, token: str, result: SendResult, channel_name: str) -> None:
        self.token, self.result, self.channel_name = token, result, channel_name
        self.pending, self.recipients = [], set()
        self.marked_at = time.monotonic()

    def add(self, rows: list[dict]) -> None:
        self.pending.extend(rows)
        if len(self.pending) >= MARK_CHUNK or time.monotonic() - self.marked_at >= MARK_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            _mine([row["pk"] for row in self.pending], self.token).update(
                status=Delivery.Status.SENT, sent_at=timezone.now(), claim="", last_error=""
            )
            self.result.counts["sent"] += len(self.pending)
            if self.channel_name == Channel.IN_APP:
                self.recipients.update(row["recipient_id"] for row in self.pending)
            self.pending = []
        self.marked_at = time.monotonic()


def _channel_send(
    channel_name: str, rows: list[dict], token: str, *, deadline: float, result: SendResult, outcomes: dict
) -> None:
    channel = channel_for(channel_name)
    # The inbox has no provider: one update records the whole batch (and is itself the delivery).
    send_chunk = len(rows) if channel_name == Channel.IN_APP else SEND_CHUNK
    marker = _SentMarker(token, result, channel_name)
    channel.open()
    try:
        position = 0
        while position < len(rows):
            wanted = len(rows) - position if channel_name == Channel.IN_APP else min(MARK_CHUNK, len(rows) - position)
            granted = acquire(channel=channel_name, wanted=wanted, max_wait=max(0.0, deadline - time.monotonic()))
            if not granted:
                # The shared rate is used up for now: hand the rest back, try again shortly.
                rest = [row["pk"] for row in rows[position:]]
                _release(rest, token, now=timezone.now(), delay=5)
                result.retry_ids.extend(rest)
                result.retry_countdown = max(result.retry_countdown, 6)
                result.counts["rate_limited"] += len(rest)
                break
            window, position = rows[position : position + granted], position + granted
            for start in range(0, len(window), send_chunk):
                chunk = window[start : start + send_chunk]
                answers = channel.send_many(
                    [
                        OutgoingMessage(
                            key=row["idempotency_key"],
                            to=row["address"],
                            subject=row["subject"],
                            body=row["body"],
                            language=row["language"],
                            headers=(row["context"] or {}).get("headers") or {},
                        )
                        for row in chunk
                    ]
                )
                marker.add([row for row, answer in zip(chunk, answers, strict=True) if answer is None])
                for row, answer in zip(chunk, answers, strict=True):
                    if isinstance(answer, PermanentDeliveryError):
                        outcomes["permanent"].append((row, str(answer)))
                    elif answer is not None:
                        outcomes["temporary"].append((row, str(answer)))
    finally:
        marker.flush()
        channel.close()
    if marker.recipients:
        unread_forget(user_ids=marker.recipients)


def _failures_record(
    permanent: list, temporary: list, token: str, *, now: datetime.datetime, result: SendResult
) -> None:
    """Failed for good (permanent, or out of attempts) or planned again after a back-off; grouped updates."""
    final = defaultdict(list)  # error -> pks
    retry = defaultdict(list)  # (error, delay) -> pks
    for row, error in permanent:
        final[error[:2000]].append(row["pk"])
    for row, error in temporary:
        if row["attempts"] >= settings.DELIVERY_MAX_ATTEMPTS:
            final[error[:2000]].append(row["pk"])
        else:
            retry[(error[:2000], backoff_seconds(attempts=row["attempts"]))].append(row["pk"])
    for error, pks in final.items():
        _mine(pks, token).update(status=Delivery.Status.FAILED, last_error=error, claim="")
        result.counts["failed"] += len(pks)
        log.warning("Deliveries failed for good (%s): %s", error, pks[:20])
    for (error, delay), pks in retry.items():
        _mine(pks, token).update(
            status=Delivery.Status.PLANNED,
            claim="",
            claimed_at=None,
            queued_at=now,
            not_before=now + datetime.timedelta(seconds=delay),
            last_error=error,
        )
        result.retry_ids.extend(pks)
        result.retry_countdown = max(result.retry_countdown, delay + 1)
        result.counts["retry"] += len(pks)


# Resending from the admin ---------------------------------------------------------------------


def delivery_resend_prepare(*, delivery: Delivery, user: User) -> bool:
    """Plan a failed delivery again (a fresh series of attempts) and queue it; False if it is not failed."""
    # Celery: the tasks module imports this one (its tasks call it).
    from .tasks import delivery_resend

    with transaction.atomic():
        updated = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.FAILED).update(
            status=Delivery.Status.PLANNED,
            attempts=0,
            claim="",
            claimed_at=None,
            not_before=None,
            queued_at=timezone.now(),
        )
        if not updated:
            return False
        log_action(instance=delivery, action="outreach.delivery.resend", user=user)
        transaction.on_commit(partial(delivery_resend.delay, delivery.pk))
    return True
