"""The xAPI sender: one at a time, in order, in batches, at least once (docs/xapi.md).

Whoever takes the lease (``Sender``, one row: a conditional UPDATE) sends; any other task leaves at
once, knowing the holder drains the queue. The holder takes the oldest rows still to send
(``planned`` or ``sending``: a ``sending`` row at that point was a dead holder's), stopping at the
first one not due yet (a row in back-off holds back everything after it: the order is kept), POSTs
them as one array and records the answer:

- 2xx: sent. 409 or a statement the LRS says it already has: sent too (the id is the fact's).
- 400 on a batch: each statement again on its own; a statement refused alone fails for good.
- a timeout, a connection error, 408, 429, 5xx, 401/403 (credentials are configuration): planned
  again after ``XAPI_RETRY_BASE_SECONDS * 2**(attempt - 1)`` (at most ``XAPI_RETRY_MAX_SECONDS``),
  failed after ``XAPI_MAX_ATTEMPTS``.

The holder renews its lease every batch, hands it back when the queue is empty or its time budget
is spent, then looks once more (a row committed while it was handing back is not left behind).
"""

import datetime
import logging
import time
import uuid
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from .models import Sender, Statement
from .statements import XAPI_VERSION

log = logging.getLogger(__name__)

_session: requests.Session | None = None


class TemporaryError(Exception):
    pass


class PermanentError(Exception):
    pass


class ConflictError(PermanentError):
    """409: a statement with one of these ids is stored already (ours: the id is the fact's)."""


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    retry_in: float | None = None  # seconds until the head of the queue is due again
    more: bool = False  # the time budget ran out with rows left
    held: bool = False  # another sender holds the lease
    batches: int = 0
    errors: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "retry_in": self.retry_in,
            "more": self.more,
            "held": self.held,
        }


def _http() -> requests.Session:
    global _session
    if _session is None:
        _session = requests.Session()
        _session.headers.update({"X-Experience-API-Version": XAPI_VERSION, "Content-Type": "application/json"})
    return _session


def statements_url() -> str:
    return settings.XAPI_ENDPOINT.rstrip("/") + "/statements"


def lrs_post(payloads: list[dict]) -> None:
    """POST the statements (an array); raises TemporaryError or PermanentError, returns when stored."""
    auth = (settings.XAPI_USERNAME, settings.XAPI_PASSWORD) if settings.XAPI_USERNAME else None
    try:
        response = _http().post(statements_url(), json=payloads, auth=auth, timeout=settings.XAPI_TIMEOUT)
    except requests.RequestException as error:
        raise TemporaryError(f"{type(error).__name__}: {error}"[:500]) from error
    status = response.status_code
    if 200 <= status < 300:
        return
    detail = f"HTTP {status}: {response.text[:400]}"
    if status == 409:
        raise ConflictError(detail)
    if status in (400, 404, 413) or (400 <= status < 500 and status not in (401, 403, 408, 429)):
        raise PermanentError(detail)
    raise TemporaryError(detail)


def backoff_seconds(*, attempts: int) -> float:
    return min(settings.XAPI_RETRY_MAX_SECONDS, settings.XAPI_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))


# The lease ----------------------------------------------------------------------------------------


def _lease_take(token: str, now: datetime.datetime) -> bool:
    expired = now - datetime.timedelta(seconds=settings.XAPI_LEASE_SECONDS)
    free = Q(claim="") | Q(claimed_at__isnull=True) | Q(claimed_at__lt=expired)
    if Sender.objects.filter(free, pk=1).update(claim=token, claimed_at=now):
        return True
    if not Sender.objects.filter(pk=1).exists():
        Sender.objects.get_or_create(pk=1)
        return bool(Sender.objects.filter(free, pk=1).update(claim=token, claimed_at=now))
    return False


def _lease_renew(token: str) -> bool:
    return bool(Sender.objects.filter(pk=1, claim=token).update(claimed_at=timezone.now()))


def _lease_release(token: str) -> None:
    Sender.objects.filter(pk=1, claim=token).update(claim="", claimed_at=None)


def lease_free(*, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    expired = now - datetime.timedelta(seconds=settings.XAPI_LEASE_SECONDS)
    held = Sender.objects.filter(pk=1).exclude(claim="").filter(claimed_at__gte=expired).exists()
    return not held


# The queue ----------------------------------------------------------------------------------------

_QUEUE = (Statement.Status.PLANNED, Statement.Status.SENDING)


def _head(now: datetime.datetime, limit: int) -> tuple[list[dict], float | None]:
    """The oldest rows to send, up to the first one not due yet; and in how many seconds that one is due."""
    rows = list(
        Statement.objects.filter(status__in=_QUEUE)
        .order_by("pk")
        .values("pk", "payload", "attempts", "not_before")[:limit]
    )
    for index, row in enumerate(rows):
        if row["not_before"] is not None and row["not_before"] > now:
            return rows[:index], (row["not_before"] - now).total_seconds()
    return rows, None


def queue_due(*, now: datetime.datetime | None = None) -> bool:
    """Is the head of the queue due (something to send now)?"""
    rows, _ = _head(now or timezone.now(), 1)
    return bool(rows)


def _record(result: SendResult, rows: list[dict], error: Exception | None, now: datetime.datetime) -> None:
    pks = [row["pk"] for row in rows]
    if error is None or isinstance(error, ConflictError):
        note = "" if error is None else str(error)[:2000]
        Statement.objects.filter(pk__in=pks).update(status=Statement.Status.SENT, sent_at=now, last_error=note)
        result.sent += len(pks)
        return
    if isinstance(error, PermanentError):
        Statement.objects.filter(pk__in=pks).update(status=Statement.Status.FAILED, last_error=str(error)[:2000])
        result.failed += len(pks)
        log.warning("xAPI: %s statements refused for good: %s", len(pks), error)
        return
    attempts = max(row["attempts"] for row in rows)
    if attempts >= settings.XAPI_MAX_ATTEMPTS:
        Statement.objects.filter(pk__in=pks).update(status=Statement.Status.FAILED, last_error=str(error)[:2000])
        result.failed += len(pks)
        log.warning("xAPI: %s statements failed after %s attempts: %s", len(pks), attempts, error)
        return
    delay = backoff_seconds(attempts=attempts)
    Statement.objects.filter(pk__in=pks).update(
        status=Statement.Status.PLANNED,
        not_before=now + datetime.timedelta(seconds=delay),
        last_error=str(error)[:2000],
    )
    result.retry_in = delay
    log.warning("xAPI: the LRS did not store %s statements (%s); again in %s s", len(pks), error, delay)


def _send_batch(result: SendResult, rows: list[dict]) -> bool:
    """POST one batch and record it; False when the queue must wait (a temporary error)."""
    pks = [row["pk"] for row in rows]
    Statement.objects.filter(pk__in=pks).update(status=Statement.Status.SENDING, attempts=F("attempts") + 1)
    for row in rows:
        row["attempts"] += 1
    try:
        lrs_post([row["payload"] for row in rows])
        error: Exception | None = None
    except (TemporaryError, PermanentError) as caught:
        error = caught
    result.batches += 1
    if isinstance(error, PermanentError) and len(rows) > 1:
        # Which one? Each on its own: the good ones are stored, a refused one fails alone.
        for row in rows:
            try:
                lrs_post([row["payload"]])
                alone: Exception | None = None
            except (TemporaryError, PermanentError) as caught:
                alone = caught
            _record(result, [row], alone, timezone.now())
            if isinstance(alone, TemporaryError):
                rest = [other for other in rows if other["pk"] > row["pk"]]
                if rest:
                    Statement.objects.filter(pk__in=[other["pk"] for other in rest]).update(
                        status=Statement.Status.PLANNED, attempts=F("attempts") - 1
                    )
                return False
        return True
    _record(result, rows, error, timezone.now())
    return not isinstance(error, TemporaryError)


def statements_send(*, owner: str = "", budget: float | None = None) -> SendResult:
    """Take the lease and send the queue in order until it is empty, waits, or the budget is spent."""
    result = SendResult()
    if not settings.XAPI_ENDPOINT:
        return result  # off: rows (voiding statements) wait until an LRS is configured
    budget = settings.XAPI_SEND_BUDGET_SECONDS if budget is None else budget
    started = time.monotonic()
    for _round in range(2):
        token = f"{owner[:20]}:{uuid.uuid4().hex[:16]}"
        if not _lease_take(token, timezone.now()):
            result.held = True
            return result
        try:
            _drain(result, token, started, budget)
        finally:
            _lease_release(token)
        if result.more or result.retry_in is not None or not queue_due():
            return result
        # A row committed while the lease was being handed back: its task may have left, seeing it held.
    return result


def _drain(result: SendResult, token: str, started: float, budget: float) -> None:
    while True:
        if time.monotonic() - started > budget:
            result.more = queue_due()
            return
        rows, due_in = _head(timezone.now(), settings.XAPI_BATCH_SIZE)
        if not rows:
            result.retry_in = due_in
            return
        if not _send_batch(result, rows):
            _, result.retry_in = _head(timezone.now(), 1)
            result.retry_in = result.retry_in or backoff_seconds(attempts=1)
            return
        if not _lease_renew(token):
            log.error("xAPI: the sender's lease was lost; stopping")
            return


# Resending from the admin ---------------------------------------------------------------------------


def statement_resend_prepare(*, statement: Statement) -> bool:
    """Plan a failed statement again (fresh attempts; it goes out in the order of its row). False if not failed."""
    from .services import statements_enqueue  # services imports the tasks, which import this module

    updated = Statement.objects.filter(pk=statement.pk, status=Statement.Status.FAILED).update(
        status=Statement.Status.PLANNED, attempts=0, not_before=None
    )
    if updated:
        statements_enqueue(ids=[statement.pk])
    return bool(updated)
