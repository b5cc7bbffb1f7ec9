"""The outbox writer: plan messages as ``Delivery`` rows, once, and queue them for sending.

A planning pass (``deliveries_plan``, Celery beat every 5 minutes) runs the planner of every
registered kind (``kinds.py``; reminders: training due/overdue, the managers' digest,
certificates, course nudges). A planner selects what is due, one query per kind, and adds one
message per person and channel to the ``Outbox``, whose idempotency key names the recipient,
the kind, the subject and the cycle or date (``bulk_create(ignore_conflicts=True)`` on the
unique key, COPY and ``INSERT … ON CONFLICT DO NOTHING`` on PostgreSQL: a second tick, or two
planners racing, insert nothing new). The text is rendered when planned. People whose chosen
channel has no address get a ``skipped`` row with the reason. Then the same pass re-plans rows
left ``sending`` by a dead worker (lease expired), and queues planned rows in batches of ids
(``deliveries_send``, ``sending.py``). Campaign messages use the same outbox on demand.
"""

import contextlib
import datetime
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.phone import phone_is_mobile
from accounts.preferences import reminder_channels
from core.localtime import local_time, local_zone

from . import kinds
from .channels import sms_available
from .models import Channel, Delivery
from .zalo.channel import zalo_available

log = logging.getLogger(__name__)

INSERT_BATCH = 10000  # rows per COPY (PostgreSQL) or per INSERT of 2,000 (others)
# A pass that plans this many rows refreshes the table's statistics (PostgreSQL) before queueing them.
ANALYZE_AFTER = 5000


# Time ----------------------------------------------------------------------------------------


def quiet_until(*, now: datetime.datetime, start: datetime.time, end: datetime.time) -> datetime.datetime | None:
    """When the quiet hours containing ``now`` end (an aware datetime), or None outside them."""
    if start == end:
        return None
    local = local_time(now)
    moment = local.time()
    if start < end:
        quiet, end_day = start <= moment < end, local.date()
    else:  # across midnight, e.g. 21:00-07:00
        quiet = moment >= start or moment < end
        end_day = local.date() + datetime.timedelta(days=1) if moment >= start else local.date()
    if not quiet:
        return None
    return datetime.datetime.combine(end_day, end, tzinfo=local_zone())


def quiet_end_at(*, now: datetime.datetime) -> datetime.datetime | None:
    """The end of the (registered) quiet hours containing ``now``; None outside them or without any."""
    hours = kinds.quiet_hours()
    if hours is None:
        return None
    return quiet_until(now=now, start=hours[0], end=hours[1])


# People ----------------------------------------------------------------------------------------

# The person's fields every selection reads (prefix with the path to the user).
PERSON = (
    "id",
    "full_name",
    "email",
    "phone",
    "preferred_language",
    "contact_preference__use_email",
    "contact_preference__use_sms",
    "contact_preference__use_in_app",
    "contact_preference__use_zalo",
)


def person_fields(prefix: str) -> list[str]:
    """The ``values_list`` fields of ``PERSON`` through ``prefix`` (e.g. ``"user__"``)."""
    return [f"{prefix}{name}" if prefix else name for name in PERSON]


@dataclass
class Person:
    id: int
    full_name: str
    email: str | None
    phone: str | None
    language: str
    use_email: bool | None
    use_sms: bool | None
    use_in_app: bool | None
    use_zalo: bool | None = None

    @classmethod
    def of(cls, row: Sequence[Any]) -> "Person":
        """The person from the first ``len(PERSON)`` values of a row."""
        return cls(*row[: len(PERSON)])

    @property
    def lang(self) -> str:
        """The language of the person's messages: theirs if the site has it, else the site's (Vietnamese).

        The site has one language (docs/languages.md): a message names pages by the headings people
        will see there, so it is in that language whatever "language of messages" someone once chose.
        """
        return self.language if self.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE

    def channels(self) -> list[str]:
        """The channels the person chose for messages (by default e-mail when they have one, else the inbox)."""
        return reminder_channels(
            use_email=self.use_email,
            use_sms=self.use_sms,
            use_in_app=self.use_in_app,
            use_zalo=self.use_zalo,
            has_email=bool(self.email),
        )


def channel_route(
    *, person: Person, channel: str, sms_ok: bool, quiet_end: datetime.datetime | None, zalo_ok: bool = False
) -> tuple[str, str, str, datetime.datetime | None]:
    """(status, reason, address, not_before) of one planned message to ``person`` on ``channel``.

    Skipped, with the reason, when the person has no address there or no SMS (Zalo) provider is set
    up; an SMS or a Zalo message waits for the end of quiet hours (``quiet_end``, None outside them).
    """
    if channel == Channel.EMAIL:
        if not person.email:
            return Delivery.Status.SKIPPED, "no_email", "", None
        return Delivery.Status.PLANNED, "", person.email, None
    if channel == Channel.SMS:
        if not person.phone:
            return Delivery.Status.SKIPPED, "no_phone", "", None
        if not phone_is_mobile(person.phone):
            return Delivery.Status.SKIPPED, "not_mobile", person.phone, None  # a landline: no SMS to pay for
        if not sms_ok:
            return Delivery.Status.SKIPPED, "no_sms_provider", person.phone, None
        return Delivery.Status.PLANNED, "", person.phone, quiet_end
    if channel == Channel.ZALO:
        if not person.phone:
            return Delivery.Status.SKIPPED, "no_phone", "", None
        if not phone_is_mobile(person.phone):
            return Delivery.Status.SKIPPED, "not_mobile", person.phone, None  # Zalo accounts are mobile numbers
        if not zalo_ok:
            return Delivery.Status.SKIPPED, "no_zalo_provider", person.phone, None
        return Delivery.Status.PLANNED, "", person.phone, quiet_end
    return Delivery.Status.PLANNED, "", "", None


# The outbox ------------------------------------------------------------------------------------

# The columns a planner pass writes (the others keep their defaults: NULL).
_INSERT_COLUMNS = (
    "recipient_id",
    "kind",
    "channel",
    "idempotency_key",
    "status",
    "reason",
    "subject_id",
    "sequence",
    "language",
    "address",
    "subject",
    "body",
    "context",
    "last_error",
    "attempts",
    "planned_at",
    "not_before",
    "queued_at",
    "claim",
)
_CONTEXT_COLUMN = _INSERT_COLUMNS.index("context")


@dataclass
class Outbox:
    """One planning pass: the rows it plans, written in batches (``flush``)."""

    now: datetime.datetime
    today: datetime.date
    quiet_end: datetime.datetime | None
    sms_ok: bool
    zalo_ok: bool = False
    # True when this pass queues what it plans: the rows are written already marked as queued.
    queue: bool = False
    rows: list = field(default_factory=list)
    # Marks the rows this pass inserted (the claim field is free until a sender claims the row).
    run: str = field(default_factory=lambda: "p" + uuid.uuid4().hex[:31])
    queued: int = 0
    inserted: int = 0
    analyzed: bool = False
    # What the planners of one pass share (loaded once per pass), by name.
    memo: dict = field(default_factory=dict)

    def shared(self, name: str, factory: Callable[[], Any]) -> Any:
        """``factory()``, made once per pass."""
        if name not in self.memo:
            self.memo[name] = factory()
        return self.memo[name]

    def add(
        self,
        *,
        person: Person,
        kind: str,
        channels: Sequence[str],
        key: Callable[[str], str],
        texts: Callable[[str], tuple[str, str]],
        subject_id: int | None = None,
        sequence: int = 0,
        context: dict | None = None,
        contexts: Mapping[str, dict] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        """Plan one message for ``person`` on each of ``channels`` (skipped where unusable).

        ``key(channel)`` is the idempotency key, ``texts(channel)`` the (subject, body);
        ``contexts`` may give a channel a context of its own instead of ``context``. A Zalo row
        keeps the placeholders' ``values`` (its template's parameters) and the SMS text (for the
        fallback) in its context (docs/zalo.md).
        """
        for channel in channels:
            status, reason, address, not_before = channel_route(
                person=person, channel=channel, sms_ok=self.sms_ok, quiet_end=self.quiet_end, zalo_ok=self.zalo_ok
            )
            queued_at = self.now if self.queue and status == Delivery.Status.PLANNED and not_before is None else None
            subject, body = texts(channel)
            row_context = (contexts or {}).get(channel, context or {})
            if channel == Channel.ZALO and status == Delivery.Status.PLANNED:
                row_context = {
                    **row_context,
                    "zalo": {name: str(value) for name, value in (values or {}).items()},
                    "sms": texts(Channel.SMS)[1],
                }
            self.rows.append(
                (
                    person.id,
                    kind,
                    channel,
                    key(channel)[:200],
                    status,
                    reason,
                    subject_id,
                    sequence,
                    person.lang,
                    address,
                    subject,
                    body,
                    row_context,
                    "",
                    0,
                    self.now,
                    not_before,
                    queued_at,
                    self.run,
                )
            )

    def flush_if_full(self) -> None:
        if len(self.rows) >= INSERT_BATCH:
            self.flush()

    def flush(self) -> None:
        """Insert the planned rows; a row whose key exists already is left alone (ON CONFLICT DO NOTHING).

        On PostgreSQL the inserted rows that are due go to the broker as soon as this flush
        commits, so sending starts while the rest is still being planned.
        """
        rows, self.rows = self.rows, []
        if not rows:
            return
        with transaction.atomic():
            if connection.vendor == "postgresql":
                inserted, due = _copy_insert(rows)
                self.inserted += inserted
                if self.inserted >= ANALYZE_AFTER and not self.analyzed:
                    # Fresh statistics before anything is sent: otherwise PostgreSQL still believes
                    # almost nothing is planned and reads every planned row to claim a batch.
                    with connection.cursor() as cursor:
                        cursor.execute(f"ANALYZE {Delivery._meta.db_table}")
                    self.analyzed = True
                self.queued += enqueue_ids(ids=due) if self.queue else 0
            else:
                objects = [Delivery(**dict(zip(_INSERT_COLUMNS, row, strict=True))) for row in rows]
                Delivery.objects.bulk_create(objects, batch_size=2000, ignore_conflicts=True)


def _copy_insert(rows: list[tuple]) -> tuple[int, list[int]]:
    """PostgreSQL: COPY the rows into a temporary table, then one INSERT … SELECT … ON CONFLICT DO NOTHING.

    Several times faster than the ORM's multi-row INSERT for tens of thousands of rows. Returns
    how many rows were inserted and the ids of those queued now (planned, not held for quiet hours).
    """
    from psycopg.types.json import Jsonb  # PostgreSQL only: psycopg is not needed elsewhere

    table = Delivery._meta.db_table
    columns = ", ".join(_INSERT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {table}_in ON COMMIT DROP AS "  # noqa: S608 (no user input)
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {table}_in")
        with cursor.cursor.copy(f"COPY {table}_in ({columns}) FROM STDIN") as copy:
            for row in rows:
                row = list(row)
                row[_CONTEXT_COLUMN] = Jsonb(row[_CONTEXT_COLUMN])
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table}_in "  # noqa: S608
            f"ORDER BY idempotency_key ON CONFLICT DO NOTHING RETURNING id, queued_at IS NOT NULL"
        )
        returned = cursor.fetchall()
        return len(returned), sorted(pk for pk, queued in returned if queued)


def outbox_open(*, now: datetime.datetime | None = None, queue: bool = False) -> Outbox:
    """A new planning pass at ``now``; ``queue``: queue what it plans as it is written."""
    now = now or timezone.now()
    return Outbox(
        now=now,
        today=local_time(now).date(),
        quiet_end=quiet_end_at(now=now),
        sms_ok=sms_available(),
        zalo_ok=zalo_available(),
        queue=queue,
    )


# Queueing --------------------------------------------------------------------------------------


def enqueue_ids(*, ids: list[int], batch_size: int | None = None) -> int:
    """``deliveries_send`` tasks for ``ids``, in batches, once the transaction commits."""
    # Celery: the tasks module imports this one (its tasks call it).
    from .tasks import deliveries_send as deliveries_send_task

    batch_size = batch_size or settings.DELIVERY_BATCH_SIZE
    for start in range(0, len(ids), batch_size):
        transaction.on_commit(partial(deliveries_send_task.delay, ids[start : start + batch_size]))
    return len(ids)


def enqueue_fresh(*, outbox: Outbox) -> int:
    """Elsewhere than PostgreSQL (where each flush queues its rows): queue what this pass wrote."""
    if connection.vendor == "postgresql":
        return 0
    fresh = Delivery.objects.filter(
        planned_at=outbox.now, claim=outbox.run, status=Delivery.Status.PLANNED, queued_at=outbox.now
    )
    return enqueue_ids(ids=list(fresh.order_by("pk").values_list("pk", flat=True)))


def deliveries_plan(*, now: datetime.datetime | None = None, enqueue: bool = True) -> dict:
    """Plan every registered kind due now, recover dead workers' rows, queue what is due.

    Returns counts: {"planned": {kind: {status: n}}, "recovered": n, "queued": n}.
    Safe to run twice, or twice at once: the idempotency keys make the second pass insert nothing.
    """
    outbox = outbox_open(now=now, queue=enqueue)
    # PostgreSQL: each flush commits (and queues) on its own. Elsewhere (SQLite) one transaction a kind.
    per_kind = contextlib.nullcontext if connection.vendor == "postgresql" else transaction.atomic
    for planner in kinds.planners():
        with per_kind():
            planner(outbox=outbox)
            outbox.flush()
    planned = defaultdict(dict)
    for kind, status, count in (
        Delivery.objects.filter(planned_at=outbox.now, claim=outbox.run)
        .values_list("kind", "status")
        .annotate(n=Count("pk"))
        .values_list("kind", "status", "n")
    ):
        planned[kind][status] = count
    recovered = deliveries_recover(now=outbox.now)
    queued = outbox.queued
    if enqueue:
        # Written already marked as queued (not on PostgreSQL: queued by each flush).
        queued += enqueue_fresh(outbox=outbox)
        queued += deliveries_enqueue(now=outbox.now)
    result = {"planned": dict(planned), "recovered": recovered, "queued": queued}
    if planned or recovered or queued:
        log.info("Reminders planned: %s", result)
    return result


def deliveries_recover(
    *,
    now: datetime.datetime | None = None,
    lease_seconds: float | None = None,
    owner: str = "",
    started: datetime.datetime | None = None,
    limit: int | None = None,
) -> int:
    """Rows left ``sending`` past the lease (the worker died, or stopped renewing it): planned again,
    or failed after too many tries. With ``owner`` (a Celery node name) and ``started`` (when it
    started again), also the rows that worker held before it started, whatever their lease.
    ``limit``: at most that many rows (the oldest claims first)."""
    # The sender's claim tokens begin with the owner's prefix: imported here, sending imports this module.
    from .sending import claim_prefix

    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS if lease_seconds is None else lease_seconds)
    dead = Q(claimed_at__lte=now - lease)
    if owner and started is not None:
        dead |= Q(claim__startswith=claim_prefix(owner), claimed_at__lt=started)
    stale = Delivery.objects.filter(dead, status=Delivery.Status.SENDING)
    if limit is not None:
        stale = Delivery.objects.filter(pk__in=list(stale.order_by("claimed_at").values_list("pk", flat=True)[:limit]))
        stale = stale.filter(dead, status=Delivery.Status.SENDING)
    failed = stale.filter(attempts__gte=settings.DELIVERY_MAX_ATTEMPTS).update(
        status=Delivery.Status.FAILED,
        claim="",
        last_error="The worker stopped while sending, on every attempt.",
    )
    replanned = stale.update(status=Delivery.Status.PLANNED, claim="", claimed_at=None, queued_at=None)
    if failed or replanned:
        log.warning(
            "Deliveries recovered from dead workers%s: %s planned again, %s failed",
            f" ({owner} restarted)" if owner else "",
            replanned,
            failed,
        )
    return replanned + failed


def send_queue_length() -> int | None:
    """Messages waiting in the broker queue of ``deliveries_send`` (None when the broker cannot say)."""
    # Celery: the tasks module imports this one.
    from .tasks import deliveries_send as deliveries_send_task

    app = deliveries_send_task.app
    try:
        queue = app.amqp.router.route({}, deliveries_send_task.name, (), {})["queue"]
        name = getattr(queue, "name", None) or str(queue)
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1)
            return int(conn.default_channel.queue_declare(queue=name, passive=True).message_count)
    except Exception as error:  # broker down, or a transport that cannot count: decide without it
        if getattr(error, "reply_code", None) == 404:  # Redis: an empty queue is no key at all
            return 0
        log.warning("Deliveries: cannot read the length of the send queue", exc_info=True)
        return None


def requeue_after(*, now: datetime.datetime) -> datetime.timedelta | None:
    """How long a queued row may wait for its task before it is queued again (None: not now).

    Tasks vanish with the broker (a restart without persistence) or with a killed worker. When
    the send queue is (nearly) empty, a due row queued more than ``DELIVERY_REQUEUE_SECONDS`` ago
    has lost its task: queued again. When the queue holds a backlog, the rows are waiting their
    turn: nothing is queued again until it drains (the backlog is not doubled every pass); when
    the broker cannot tell, only rows older than ``DELIVERY_REQUEUE_SECONDS_BACKLOG``.
    """
    length = send_queue_length()
    if length is None:
        return datetime.timedelta(seconds=settings.DELIVERY_REQUEUE_SECONDS_BACKLOG)
    if length > settings.DELIVERY_REQUEUE_QUEUE_MAX:
        return None
    return datetime.timedelta(seconds=settings.DELIVERY_REQUEUE_SECONDS)


def deliveries_enqueue(
    *, now: datetime.datetime | None = None, requeue_seconds: float | None = None, batch_size: int | None = None
) -> int:
    """Queue planned rows that are due and not queued (or whose task was lost: ``requeue_after``), in batches of ids."""
    now = now or timezone.now()
    requeue = requeue_after(now=now) if requeue_seconds is None else datetime.timedelta(seconds=requeue_seconds)
    batch_size = batch_size or settings.DELIVERY_BATCH_SIZE
    waiting = Q(queued_at__isnull=True)
    if requeue is not None:
        waiting |= Q(queued_at__lte=now - requeue)
    due = Delivery.objects.filter(status=Delivery.Status.PLANNED).filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now), waiting
    )
    ids = list(due.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        Delivery.objects.filter(pk__in=ids[start : start + batch_size], status=Delivery.Status.PLANNED).update(
            queued_at=now
        )
    return enqueue_ids(ids=ids, batch_size=batch_size)


def deliveries_recover_and_requeue(*, owner: str = "", started: datetime.datetime | None = None) -> dict:
    """The recovery pass (beat every 30 s; a worker's start): dead workers' rows, lost tasks."""
    now = timezone.now()
    recovered = deliveries_recover(now=now, owner=owner, started=started)
    queued = deliveries_enqueue(now=now)
    if queued:
        log.warning("Deliveries queued again by the recovery pass: %s (tasks lost or rows recovered)", queued)
    return {"recovered": recovered, "queued": queued}
