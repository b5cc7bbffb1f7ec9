"""Page views counted on our own server, cache hits included: one mechanism for every kind of page.

A page's ``serve`` names it in a response header (``CountedPage.header``, e.g. ``X-Tutorial-Page``),
which the page cache stores with the page. ``PageViewMiddleware`` sits outside the page cache, so
it sees hits and misses alike: it removes the header and, for a GET answered 200 on the public site
(not HEAD, not an error, not an admin preview), adds one to a per-page, per-day counter. Each web
process batches its counts and adds them to the shared counters (Redis ``INCRBY`` in production)
at most every ``PAGE_VIEW_BATCH_SECONDS``; beat moves the counters into each kind's per-day rows
(``page_views_flush``). No third-party tracker, no cookie for counting.

The apps that own the pages register them (``counted_page_register`` in ``AppConfig.ready``):
``courses`` its tutorials, ``outreach`` its campaign pages.
"""

import atexit
import collections
import datetime
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import connection
from django.http import HttpRequest, HttpResponse

from .localtime import local_today
from .offline import SAVE_HEADER

log = logging.getLogger(__name__)

VIEW_KEY = "{kind}-views:{page}:{day}"
VIEW_KEY_TTL = 3 * 24 * 3600


@dataclass(frozen=True)
class CountedPage:
    """A kind of page whose views are counted: the header its ``serve`` sets, where views are stored.

    One mechanism for every kind (the same middleware, counters and flush). ``store`` is the
    per-day model (``page_field``: its foreign key to the page, ``day``, ``views``); ``pages``
    the page model whose ids the flush looks up.
    """

    kind: str
    header: str
    pages: type
    store: type
    page_field: str
    # Called after a counted view (request, response, page id): e.g. a campaign keeps a QR arrival.
    on_view: Callable[[HttpRequest, HttpResponse, int], None] | None = None


# Filled by the apps that own the pages (``AppConfig.ready``): core names none of them.
COUNTED_PAGES: list[CountedPage] = []


def counted_page_register(counted: CountedPage) -> None:
    """Count views of a kind of page (idempotent: registering the same kind again replaces it)."""
    COUNTED_PAGES[:] = [existing for existing in COUNTED_PAGES if existing.kind != counted.kind]
    COUNTED_PAGES.append(counted)


def _today():
    return local_today()  # the site's local day, the one insights counts in


def _view_key(page_id, day, kind="campaign"):
    return VIEW_KEY.format(kind=kind, page=page_id, day=day.isoformat())


# Views counted in this process and not yet added to the shared counters: a web process adds them
# at most every PAGE_VIEW_BATCH_SECONDS (one pipelined round trip for all of them), so a cached
# page pays a dictionary update, not a Redis round trip. A process that dies loses at most that
# many seconds of its views; one that exits normally adds them first (atexit).
_pending: collections.Counter[str] = collections.Counter()
_pending_lock = threading.Lock()
_pending_since = [time.monotonic()]


def page_view_count(page_id, day=None, kind="campaign"):
    """Add one view of the page (a campaign, a tutorial) today; added to the shared counter in batches."""
    key = _view_key(page_id, day or _today(), kind)
    with _pending_lock:
        _pending[key] += 1
        due = time.monotonic() - _pending_since[0] >= getattr(settings, "PAGE_VIEW_BATCH_SECONDS", 1.0)
    if due:
        page_views_push()


def page_views_push():
    """Add this process's pending views to the shared counters (one pipelined INCRBY + EXPIRE per key on Redis)."""
    with _pending_lock:
        batch = dict(_pending)
        _pending.clear()
        _pending_since[0] = time.monotonic()
    if not batch:
        return
    backend = getattr(cache, "_cache", None)
    if isinstance(backend, RedisCacheClient):
        client = backend.get_client(next(iter(batch)), write=True)
        pipeline = client.pipeline(transaction=False)
        for key, count in batch.items():
            full_key = cache.make_and_validate_key(key)
            pipeline.incrby(full_key, count)
            pipeline.expire(full_key, VIEW_KEY_TTL)
        pipeline.execute()
        return
    for key, count in batch.items():
        try:
            cache.incr(key, count)
        except ValueError:
            if not cache.add(key, count, VIEW_KEY_TTL):
                cache.incr(key, count)


atexit.register(page_views_push)


def _days():
    today = _today()
    return [today - datetime.timedelta(days=1), today]


def pending_page_views(page_id, kind="campaign"):
    """Views counted in the cache and not yet stored (today and yesterday)."""
    found = cache.get_many([_view_key(page_id, day, kind) for day in _days()])
    return sum(int(value or 0) for value in found.values())


def page_views_flush():
    """Move the counters of every counted page (today, yesterday) into the database; returns views moved.

    Running it twice moves nothing the second time: each counter is decreased by what was stored.
    """
    moved = 0
    for counted in COUNTED_PAGES:
        moved += _flush(counted)
    return moved


def _flush(counted):
    """One kind's counters into its per-day rows: one query for the page ids, one upsert for them all."""
    page_ids = list(counted.pages.objects.values_list("pk", flat=True))
    keys = {_view_key(pk, day, counted.kind): (pk, day) for pk in page_ids for day in _days()}
    moving = []
    for key, value in cache.get_many(list(keys)).items():
        count = int(value or 0)
        if count > 0:
            cache.decr(key, count)  # views counted meanwhile stay for the next flush
            moving.append((*keys[key], count))
    if moving:
        _add_views(counted, moving)
    return sum(count for _page, _day, count in moving)


def _add_views(counted, rows):
    """``INSERT … ON CONFLICT (page, day) DO UPDATE SET views = views + excluded.views`` (PostgreSQL, SQLite):
    one statement, safe against a concurrent flush, whatever the number of pages."""
    meta = counted.store._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    page = quote(meta.get_field(counted.page_field.removesuffix("_id")).column)
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    # Identifiers from the model's metadata, quoted; every value a parameter.
    sql = (
        f"INSERT INTO {table} ({page}, {quote('day')}, {quote('views')}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT ({page}, {quote('day')}) DO UPDATE SET {quote('views')} = {table}.{quote('views')} + "
        f"excluded.{quote('views')}"
    )
    params = [value for page_id, day, count in rows for value in (page_id, day, count)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


class PageViewMiddleware:
    """Counts views of every registered kind of page; first in MIDDLEWARE (outside the page cache)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for counted in COUNTED_PAGES:
            page = response.get(counted.header)
            if page is None:
                continue
            del response[counted.header]
            if (
                request.method == "GET"
                and response.status_code == 200
                and page.isascii()
                and page.isdigit()
                # Only the public site counts: never the admin (previews, whatever renders them).
                and not getattr(request, "is_preview", False)
                # Nor the copy a service worker fetches to keep for offline reading (the person saw the page).
                and SAVE_HEADER not in request.headers
                and not request.path_info.startswith("/admin/")
            ):
                self._count(int(page), counted.kind)
                if counted.on_view is not None:
                    counted.on_view(request, response, int(page))
        return response

    @staticmethod
    def _count(page_id, kind):
        try:
            page_view_count(page_id, kind=kind)
        except Exception:  # counting must never break the page (e.g. the cache is down)
            log.warning("Page view not counted (%s %s)", kind, page_id, exc_info=True)
