"""The sender: claim planned deliveries, re-check them, send each once, never lose one.

Sending (``deliveries_send``, the Celery task ``outreach.tasks.deliveries_send``) claims its rows
atomically (``planned`` → ``sending`` with a claim token; ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), cancels those whose reason is gone (each kind's re-check, registered in
``kinds.py``: training completed, exempt or extended, course finished, certificate renewed or
revoked, campaign message cancelled; and opted out), holds back SMS in quiet hours, sends
through the channel at the shared rate one message at a time and commits each outcome as it
comes (so a crash re-sends at most the one message in flight, which the SMS provider recognises
by the key). It renews the lease of the rows it holds (``DELIVERY_HEARTBEAT_SECONDS``), stops
taking messages when its time budget is spent, and hands back whatever it has not sent when
anything interrupts it. Temporary errors are retried with exponential back-off up to
``DELIVERY_MAX_ATTEMPTS``, then ``failed`` (visible, resendable); permanent ones (a refused
recipient, a malformed address) fail at once. See docs/delivery.md.
"""

import datetime
import hashlib
import json
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from wagtail.log_actions import log as log_action

from accounts.models import Consent, User
from core.localtime import local_time

from . import kinds
from .channels import DeliveryError, FallbackDeliveryError, OutgoingMessage, PermanentDeliveryError, channel_for
from .inbox import unread_forget
from .models import Channel, Delivery
from .outbox import deliveries_recover, quiet_end_at
from .rate_limit import acquire
from .zalo.fallback import public_context, zalo_fallback

log = logging.getLogger(__name__)

RATE_WAIT_BUDGET = 60.0  # seconds a batch may wait for the rate limiter before handing back the rest
RATE_WAIT_STEP = 5.0  # one wait for tokens (the lease is renewed between waits)
RATE_WINDOW = 50  # tokens asked for at a time
RELEASE_DELAY = 5  # seconds before rows handed back by an interrupted batch may be claimed again
RECORD_WAIT = 30.0  # seconds an outcome's write waits for an unreachable database (under the lease)


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
    "sequence",
)


def claim_prefix(owner: str) -> str:
    """The first characters of every claim token of the worker ``owner`` (its Celery node name):
    when that worker starts again, the rows it held before are known to be abandoned."""
    return hashlib.sha256(owner.encode()).hexdigest()[:8]


def _claim(ids: list[int], now: datetime.datetime, owner: str = "") -> tuple[str, list[dict]]:
    """Take the planned, due rows among ``ids`` for this worker; returns (token, rows).

    PostgreSQL: one statement locks the rows it can (``FOR UPDATE SKIP LOCKED``: two workers on
    one batch split it without waiting), marks them and returns them. Elsewhere a conditional
    UPDATE (SQLite serialises writers), then a SELECT of what this claim took.
    """
    token = (claim_prefix(owner) + uuid.uuid4().hex)[:32]
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
    to_inactive = kinds.kinds_where("reaches_inactive")
    for row in rows:
        if not row["recipient__is_active"] and row["kind"] not in to_inactive:
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


def deliveries_send(*, ids: Iterable[int], now: datetime.datetime | None = None, owner: str = "") -> SendResult:
    """Send the planned rows among ``ids`` (a batch); returns a SendResult (ids to retry, and when).

    Every outcome is committed as it comes (synchronously): a crash loses at most the one message
    in flight. Whatever interrupts the batch (the soft time limit, a dependency's error, a kill
    signal turned into an exception) hands the rows not yet sent back as planned, then is raised.
    """
    now = now or timezone.now()
    result = SendResult()
    token, rows = _claim([*ids, *_adopt_expired(now)], now, owner)
    if not rows:
        return result
    batch = _Batch(token=token, result=result, pending={row["pk"] for row in rows}, at=now)
    try:
        rows = _prepare(rows, batch, now)
        by_channel = defaultdict(list)
        for row in rows:
            by_channel[row["channel"]].append(row)
        for channel_name, channel_rows in by_channel.items():
            _channel_send(channel_name, channel_rows, batch)
    except BaseException as error:
        batch.interrupted(error)
        raise
    return result


def _adopt_expired(now: datetime.datetime) -> list[int]:
    """Rows a dead worker left behind, taken into this batch: leases that ran out (planned again
    here) and rows planned again by a recovery pass but not queued yet (``queued_at`` empty).

    The recovery pass (beat, a worker's start) runs behind whatever backlog the send queue holds;
    every sending task looking for such rows first (two indexed queries, usually finding nothing)
    makes a dead worker's rows go out within a lease and a batch, whatever the backlog. Two tasks
    adopting the same rows are harmless: the claim is conditional.
    """
    limit = settings.DELIVERY_BATCH_SIZE
    cutoff = now - datetime.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
    if Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lte=cutoff).exists():
        deliveries_recover(now=now, limit=limit)
    return list(
        Delivery.objects.filter(status=Delivery.Status.PLANNED, queued_at__isnull=True)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def _prepare(rows: list[dict], batch: "_Batch", now: datetime.datetime) -> list[dict]:
    """Cancel the rows whose reason is gone and hold SMS in quiet hours; the rows left to send."""
    token, result = batch.token, batch.result
    cancel = _cancellations(rows, now)
    by_reason = defaultdict(list)
    for pk, reason in cancel.items():
        by_reason[reason].append(pk)
    secret = kinds.kinds_where("secret")
    for row in rows:
        if row["pk"] in cancel and row["channel"] == Channel.ZALO and row["kind"] in secret:
            _mine([row["pk"]], token).update(context=public_context(row["context"]))
    for reason, pks in by_reason.items():
        _mine(pks, token).filter(kind__in=secret).update(body=kinds.REDACTED)
        _mine(pks, token).update(status=Delivery.Status.CANCELLED, reason=reason, claim="")
        result.counts["cancelled"] += len(pks)
        batch.pending.difference_update(pks)
    rows = [row for row in rows if row["pk"] not in cancel]

    # SMS and Zalo wait for the end of quiet hours (left planned, not counted as an attempt).
    quiet_end = None
    phones = (Channel.SMS, Channel.ZALO)
    if any(row["channel"] in phones for row in rows):
        quiet_end = quiet_end_at(now=now)
    if quiet_end is not None:
        waits = kinds.kinds_where("quiet_hours")
        held = [row["pk"] for row in rows if row["channel"] in phones and row["kind"] in waits]
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
            batch.pending.difference_update(held)
            held_set = set(held)
            rows = [row for row in rows if row["pk"] not in held_set]
    return rows


@dataclass
class _Batch:
    """The claimed rows of one sending task: what is still ours to send, the lease, the time budget."""

    token: str
    result: SendResult
    pending: set  # pks claimed and not yet decided
    at: datetime.datetime  # the batch's "now" when it started (the clock of its timestamps)
    started: float = field(default_factory=time.monotonic)
    renewed: float = field(default_factory=time.monotonic)
    recipients: set = field(default_factory=set)  # in-app recipients whose unread count changed

    def now(self) -> datetime.datetime:
        return self.at + datetime.timedelta(seconds=time.monotonic() - self.started)

    def budget_left(self) -> float:
        return settings.DELIVERY_BATCH_BUDGET_SECONDS - (time.monotonic() - self.started)

    def renew(self, *, force: bool = False) -> None:
        """The heartbeat: move ``claimed_at`` of the rows still ours to now, so the lease runs on;
        rows no longer ours (recovered after a lost lease) are dropped from the batch."""
        if not self.pending or (not force and time.monotonic() - self.renewed < settings.DELIVERY_HEARTBEAT_SECONDS):
            return
        held = _record(
            lambda: Delivery.objects.filter(claim=self.token, status=Delivery.Status.SENDING).update(
                claimed_at=self.now()
            )
        )
        self.renewed = time.monotonic()
        if held < len(self.pending):
            still = set(
                Delivery.objects.filter(claim=self.token, status=Delivery.Status.SENDING).values_list("pk", flat=True)
            )
            lost = self.pending - still
            if lost:
                log.error(
                    "Deliveries: the lease of %s rows was lost (recovered by another pass); not sending them", len(lost)
                )
            self.pending &= still

    def record(self, row: dict, answer: "DeliveryError | None") -> None:
        """One outcome, committed now: sent, planned again after the back-off, or failed for good."""
        pk, now = row["pk"], self.now()
        counts = self.result.counts
        # A secret kind's text (a one-time code) is not kept once the row is done with it.
        done_fields = {"body": kinds.REDACTED} if row["kind"] in kinds.kinds_where("secret") else {}
        if done_fields and row["channel"] == Channel.ZALO:
            done_fields["context"] = public_context(row["context"])
        if isinstance(answer, FallbackDeliveryError):
            # Zalo cannot carry it: SMS instead (once), or failed where SMS may not carry it (zalo/fallback.py).
            outcome = _record(lambda: zalo_fallback(row=row, token=self.token, error=answer, now=now))
            done = bool(outcome)
            counts[outcome or "lost"] += 1
        elif answer is None:
            done = _record(
                lambda: _mine([pk], self.token).update(
                    status=Delivery.Status.SENT, sent_at=now, claim="", last_error="", **done_fields
                )
            )
            counts["sent"] += 1
            if row["channel"] == Channel.IN_APP:
                self.recipients.add(row["recipient_id"])
        elif isinstance(answer, PermanentDeliveryError) or row["attempts"] >= settings.DELIVERY_MAX_ATTEMPTS:
            error = str(answer)[:2000]
            done = _record(
                lambda: _mine([pk], self.token).update(
                    status=Delivery.Status.FAILED, last_error=error, claim="", **done_fields
                )
            )
            counts["failed"] += 1
            log.warning("Delivery %s failed for good: %s", pk, error)
        else:
            delay = backoff_seconds(attempts=row["attempts"])
            later = now + datetime.timedelta(seconds=delay)
            done = _record(
                lambda: _mine([pk], self.token).update(
                    status=Delivery.Status.PLANNED,
                    claim="",
                    claimed_at=None,
                    # Queued for when its task runs (the retry's countdown): not taken for a lost task before then.
                    queued_at=later,
                    not_before=later,
                    last_error=str(answer)[:2000],
                )
            )
            self.result.retry_ids.append(pk)
            self.result.retry_countdown = max(self.result.retry_countdown, delay + 1)
            counts["retry"] += 1
        if not done:
            log.error("Delivery %s: its outcome came after its lease was lost (%s)", pk, answer or "sent")
        self.pending.discard(pk)

    def hand_back(self, pks: list[int], *, delay: float, why: str) -> None:
        """Rows not sent: planned again after ``delay`` seconds (not an attempt), retried by this task."""
        pks = [pk for pk in pks if pk in self.pending]
        if not pks:
            return
        _release(pks, self.token, now=self.now(), delay=delay)
        self.pending.difference_update(pks)
        self.result.retry_ids.extend(pks)
        self.result.retry_countdown = max(self.result.retry_countdown, delay + 1)
        self.result.counts[why] += len(pks)
        log.warning("Deliveries handed back (%s): %s planned again in %s s", why, len(pks), delay)

    def interrupted(self, error: BaseException) -> None:
        """The batch stops on ``error``: hand every undecided row back (planned, shortly), if the database lets us."""
        if not self.pending:
            return
        count = len(self.pending)
        try:
            released = _release(list(self.pending), self.token, now=self.now(), delay=RELEASE_DELAY)
        except Exception:
            log.error(
                "Deliveries: a batch stopped on %s and could not hand back its %s unsent rows; "
                "they are recovered when their lease (%s s) runs out",
                type(error).__name__,
                count,
                settings.DELIVERY_LEASE_SECONDS,
                exc_info=True,
            )
            return
        self.pending.clear()
        log.warning(
            "Deliveries: a batch stopped on %s (%s); %s unsent rows handed back (planned again in %s s)",
            type(error).__name__,
            str(error)[:200],
            released,
            RELEASE_DELAY,
        )


def _record(write: "Callable[[], int]") -> int:
    """Run one outcome's write; while the database is unreachable, wait for it (reconnecting) up to
    ``RECORD_WAIT`` seconds: a message the provider took must not be sent again for a database blip."""
    deadline = time.monotonic() + RECORD_WAIT
    pause = 0.5
    while True:
        try:
            return write()
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block or time.monotonic() + pause > deadline:
                raise
            log.warning("Deliveries: the database is unreachable; recording again in %s s", pause, exc_info=True)
            connection.close()
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def _outgoing(row: dict) -> OutgoingMessage:
    return OutgoingMessage(
        key=row["idempotency_key"],
        to=row["address"],
        subject=row["subject"],
        body=row["body"],
        language=row["language"],
        headers=(row["context"] or {}).get("headers") or {},
        kind=row["kind"],
        context=row["context"] or {},
        pk=row["pk"],
    )


def _rate_window(channel_name: str, wanted: int, batch: _Batch) -> int:
    """Tokens for up to ``wanted`` messages; waits in short steps (renewing the lease), 0 when the
    rate wait or the batch's time budget is spent."""
    waited_until = time.monotonic() + min(RATE_WAIT_BUDGET, max(0.0, batch.budget_left()))
    while True:
        step = min(RATE_WAIT_STEP, max(0.0, waited_until - time.monotonic()))
        granted = acquire(channel=channel_name, wanted=wanted, max_wait=step)
        if granted or time.monotonic() >= waited_until:
            return granted
        batch.renew()


def _channel_send(channel_name: str, rows: list[dict], batch: _Batch) -> None:
    channel = channel_for(channel_name)
    if channel_name == Channel.IN_APP:
        # The inbox has no provider: one update records the whole batch (and is itself the delivery).
        pks = [row["pk"] for row in rows]
        _record(
            lambda: _mine(pks, batch.token).update(
                status=Delivery.Status.SENT, sent_at=batch.now(), claim="", last_error=""
            )
        )
        batch.result.counts["sent"] += len(pks)
        batch.pending.difference_update(pks)
        unread_forget(user_ids={row["recipient_id"] for row in rows})
        return
    channel.open()
    try:
        tokens = 0
        for row in rows:
            if row["pk"] not in batch.pending:
                continue  # its lease was lost (recovered by another pass)
            invalid = channel.address_error(row["address"])
            if invalid:
                batch.record(row, PermanentDeliveryError(invalid))
                continue
            if not tokens and batch.budget_left() > 0:
                tokens = _rate_window(channel_name, min(RATE_WINDOW, len(batch.pending)), batch)
            if batch.budget_left() <= 0 or not tokens:
                # The time budget or the shared rate is used up: hand the rest back, to be tried shortly.
                why = "budget" if batch.budget_left() <= 0 else "rate_limited"
                batch.hand_back([row["pk"] for row in rows], delay=0 if why == "budget" else 5, why=why)
                break
            tokens -= 1
            batch.record(row, channel.send_many([_outgoing(row)])[0])
            batch.renew()
    finally:
        channel.close()


# Resending from the admin ---------------------------------------------------------------------


def delivery_resend_prepare(*, delivery: Delivery, user: User) -> bool:
    """Plan a failed delivery again (a fresh series of attempts) and queue it; False if it is not failed."""
    # Celery: the tasks module imports this one (its tasks call it).
    from .tasks import delivery_resend

    with transaction.atomic():
        resendable = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.FAILED)
        # A secret kind's text is gone (and a one-time code is short-lived): the person asks for a new one.
        updated = resendable.exclude(kind__in=kinds.kinds_where("secret")).update(
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
