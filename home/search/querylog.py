"""What citizens search: counted in the cache, never written per request; beat moves it into ``SearchQueryDay``.

The same design as page views (``core.page_views``), for queries instead of page ids:

- The search view names the query in a response header (``search_query_header``: folded, digit
  runs masked, with the result count). ``SearchQueryLogMiddleware`` sits outside the page cache,
  so it sees cache hits too (a popular query is mostly served from the cache): it removes the
  header and, for a GET answered 200 on the public site, calls ``search_query_record``.
- ``search_query_record`` adds to a per-process counter; at most every ``SEARCH_LOG_BATCH_SECONDS``
  the process pushes its batch to the shared cache in one round trip (Redis ``RPUSH`` of one
  JSON entry; a process that dies loses at most that many seconds of searches).
- Beat's ``home.search_queries_flush`` (every minute) *takes* up to ``SEARCH_LOG_FLUSH_BATCHES``
  entries off the list (``LPOP``: each entry is handed to one flush only), adds them up and upserts
  at most ``SEARCH_LOG_FLUSH_ROWS`` rows (``INSERT … ON CONFLICT (day, query) DO UPDATE``). A flush
  that runs twice, or two at once, never counts an entry twice; entries taken by a flush whose
  database write fails are put back. A worker killed between the two steps loses that minute.
- Privacy: a query may hold a phone or ID number, so every run of six or more digits (spaces
  between them allowed) is stored as ``#``; rows older than ``SEARCH_LOG_RETENTION_DAYS`` are deleted
  (``home.search_queries_forget``, daily).
"""

import atexit
import datetime
import json
import logging
import re
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse

from core.localtime import local_today
from core.search import fold_query

from .models import QUERY_MAX_LENGTH, SearchQueryDay

log = logging.getLogger(__name__)

HEADER = "X-Search-Log"
LIST_KEY = "search-log:batches"
LOCK_KEY = "search-log:lock"
LIST_TTL = 3 * 24 * 3600
# Six or more digits, single spaces allowed between them (a folded "0912.345.678" is "0912 345 678").
_DIGIT_RUN = re.compile(r"\d(?: ?\d){5,}")
MASK = "#"

# day -> query -> [searches, searches without results, last result count]
_pending: dict[str, dict[str, list[int]]] = {}
_pending_size = [0]
_pending_lock = threading.Lock()
_pending_since = [time.monotonic()]


def search_query_clean(query: object) -> str:
    """The query as the log stores it: folded (``core.search.fold_query``), digit runs masked, 200 characters."""
    return _DIGIT_RUN.sub(MASK, fold_query(query))[:QUERY_MAX_LENGTH].strip()


def search_query_header(response: HttpResponse, *, query: str, result_count: int) -> None:
    """Name the search in ``response`` for ``SearchQueryLogMiddleware`` (stored with a cached page, so hits count)."""
    cleaned = search_query_clean(query)
    if cleaned:
        response[HEADER] = f"{max(int(result_count), 0)} {cleaned}"


def search_query_record(*, query: str, result_count: int) -> None:
    """Count one search of ``query`` today that found ``result_count`` pages; pushed to the cache in batches."""
    cleaned = search_query_clean(query)
    if not cleaned:
        return
    result_count = max(int(result_count), 0)
    day = local_today().isoformat()
    with _pending_lock:
        queries = _pending.setdefault(day, {})
        counts = queries.get(cleaned)
        if counts is None:
            # Volume cap per process between pushes: a flood of distinct queries (a bot) is not kept.
            if _pending_size[0] >= getattr(settings, "SEARCH_LOG_PENDING_MAX", 5000):
                return
            counts = queries[cleaned] = [0, 0, 0]
            _pending_size[0] += 1
        counts[0] += 1
        counts[1] += result_count == 0
        counts[2] = result_count
        due = time.monotonic() - _pending_since[0] >= getattr(settings, "SEARCH_LOG_BATCH_SECONDS", 5.0)
    if due:
        search_queries_push()


def _redis_client():
    backend = getattr(cache, "_cache", None)
    if isinstance(backend, RedisCacheClient):
        return backend.get_client(LIST_KEY, write=True)
    return None


def _locked(action):
    """Run ``action`` holding the cache lock (caches without lists: locmem in tests, files in development)."""
    for _attempt in range(200):
        if cache.add(LOCK_KEY, 1, 10):
            try:
                return action()
            finally:
                cache.delete(LOCK_KEY)
        time.sleep(0.01)
    raise TimeoutError("search log lock")


def _entries_push(entries: list[str]) -> None:
    client = _redis_client()
    if client is not None:
        key = cache.make_and_validate_key(LIST_KEY)
        client.pipeline(transaction=False).rpush(key, *entries).expire(key, LIST_TTL).execute()
        return

    def push():
        cache.set(LIST_KEY, [*cache.get(LIST_KEY, []), *entries], LIST_TTL)

    _locked(push)


def _entries_take(count: int) -> list[str]:
    client = _redis_client()
    if client is not None:
        taken = client.lpop(cache.make_and_validate_key(LIST_KEY), count) or []
        return [entry.decode() if isinstance(entry, bytes) else entry for entry in taken]

    def take():
        entries = cache.get(LIST_KEY, [])
        cache.set(LIST_KEY, entries[count:], LIST_TTL)
        return entries[:count]

    return _locked(take)


def search_queries_push() -> None:
    """Add this process's pending searches to the shared list (one entry, one round trip)."""
    with _pending_lock:
        batch = dict(_pending)
        _pending.clear()
        _pending_size[0] = 0
        _pending_since[0] = time.monotonic()
    if batch:
        _entries_push([json.dumps(batch, separators=(",", ":"))])


atexit.register(search_queries_push)


def pending_search_entries() -> int:
    """Batches pushed to the cache and not yet flushed (for tests and the docs' figures)."""
    client = _redis_client()
    if client is not None:
        return int(client.llen(cache.make_and_validate_key(LIST_KEY)))
    return len(cache.get(LIST_KEY, []))


def _add_up(entries: list[str]) -> dict[tuple[str, str], list[int]]:
    rows: dict[tuple[str, str], list[int]] = {}
    for entry in entries:
        try:
            batch = json.loads(entry)
        except ValueError:
            log.warning("Search log entry not readable, dropped")
            continue
        for day, queries in batch.items():
            for query, (searches, zero, last) in queries.items():
                row = rows.setdefault((day, query[:QUERY_MAX_LENGTH]), [0, 0, 0])
                row[0] += searches
                row[1] += zero
                row[2] = last  # entries are taken in the order they were pushed: the latest wins
    return rows


def search_queries_flush() -> int:
    """Move the searches pushed to the cache into ``SearchQueryDay``; returns the searches stored.

    Safe to run twice or concurrently: each cache entry is taken by one flush only.
    """
    search_queries_push()  # this process's own searches too (the worker's, a test's)
    entries = _entries_take(getattr(settings, "SEARCH_LOG_FLUSH_BATCHES", 500))
    if not entries:
        return 0
    rows = _add_up(entries)
    limit = getattr(settings, "SEARCH_LOG_FLUSH_ROWS", 2000)
    if len(rows) > limit:
        # The most searched queries are kept; the long tail of one-off queries (often a bot) is not.
        log.warning("Search log: %s of %s queries over the per-flush cap dropped", len(rows) - limit, len(rows))
        rows = dict(sorted(rows.items(), key=lambda item: -item[1][0])[:limit])
    try:
        with transaction.atomic():
            _upsert(rows)
    except Exception:
        _entries_push(entries)  # back on the list for the next flush; nothing was stored
        raise
    return sum(searches for searches, _zero, _last in rows.values())


def _upsert(rows: dict[tuple[str, str], list[int]], chunk: int = 500) -> None:
    """``INSERT … ON CONFLICT (day, query) DO UPDATE`` adding the counts (PostgreSQL, SQLite), in chunks."""
    quote = connection.ops.quote_name
    table = quote(SearchQueryDay._meta.db_table)
    day, query, searches, zero, last = (
        quote(name) for name in ("day", "query", "searches", "zero_results", "last_results")
    )
    items = sorted(rows.items())
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(part))
        # The table name from the model's metadata, quoted; every value a parameter.
        sql = (
            f"INSERT INTO {table} ({day}, {query}, {searches}, {zero}, {last}) VALUES {values} "  # noqa: S608
            f"ON CONFLICT ({day}, {query}) DO UPDATE SET {searches} = {table}.{searches} + excluded.{searches}, "
            f"{zero} = {table}.{zero} + excluded.{zero}, {last} = excluded.{last}"
        )
        params = [
            value
            for (row_day, row_query), counts in part
            for value in (datetime.date.fromisoformat(row_day), row_query, *counts)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def search_queries_forget(*, days: int | None = None) -> int:
    """Delete the days older than ``SEARCH_LOG_RETENTION_DAYS`` (180); returns the rows deleted."""
    keep = days if days is not None else getattr(settings, "SEARCH_LOG_RETENTION_DAYS", 180)
    oldest = local_today() - datetime.timedelta(days=keep - 1)  # today and the 179 days before it
    deleted, _by_model = SearchQueryDay.objects.filter(day__lt=oldest).delete()
    return deleted


class SearchQueryLogMiddleware:
    """Counts searches named by the search view's header, cache hits included; outside the page cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        named = response.get(HEADER)
        if named is None:
            return response
        del response[HEADER]
        count, _space, query = named.partition(" ")
        if (
            request.method == "GET"
            and response.status_code == 200
            and count.isascii()
            and count.isdigit()
            and not request.path_info.startswith("/admin/")
        ):
            try:
                search_query_record(query=query, result_count=int(count))
            except Exception:  # counting must never break the search (e.g. the cache is down)
                log.warning("Search not counted", exc_info=True)
        return response
