"""Campaign tracking on our own server: page views, QR arrivals, tracked links, unsubscribe links.

- Page views (campaign pages and tutorials, ``COUNTED_PAGES``): the page's ``serve`` names it in
  a response header (``X-Campaign-Page``, ``X-Tutorial-Page``), which the page cache stores with
  the page; ``CampaignTrackingMiddleware`` sits outside the page cache, so it sees hits and misses
  alike, removes the header and adds one to a per-page, per-day counter in the cache (one Redis
  ``INCR`` in production) for a GET answered 200 on the public site (not HEAD, not an error,
  not an admin preview). Beat moves the counters into ``CampaignPageView`` and
  ``courses.TutorialPageView`` rows every minute (``page_views_flush``). No third-party tracker,
  no cookie for counting.
- QR arrivals (``?from=qr``, the poster's short link): a signed cookie holds the touch for an
  anonymous visitor (the page may come from the cache, before any session exists); a signed-in
  visitor's touch is stored at once. The sign-in hook ``campaigns.touches_claim`` stores it.
- ``/r/<token>/``: a signed link naming message, recipient and link; records the click and
  the touch, and redirects only to the campaign's page or its call to action.
- ``/unsubscribe/<token>/``: GET shows a confirmation (mail scanners that prefetch links change
  nothing), POST records the refusal; mail clients may POST directly (RFC 8058).
"""

import atexit
import collections
import datetime
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import connection
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from accounts.models import User
from courses.models import TUTORIAL_PAGE_HEADER, TutorialPage, TutorialPageView, local_today

from .campaigns import (
    LINK_PAGE,
    TOUCH_COOKIE,
    BadToken,
    campaign_targets,
    campaigns_unsubscribe,
    click_record,
    link_token_read,
    session_touch_add,
    touch_record,
    unsubscribe_token_read,
)
from .models import CAMPAIGN_PAGE_HEADER, CampaignMessage, CampaignPage, CampaignPageView

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


COUNTED_PAGES = (
    CountedPage("campaign", CAMPAIGN_PAGE_HEADER, CampaignPage, CampaignPageView, "campaign_id"),
    # Views of a tutorial are a courses fact (``courses.TutorialPageView``); counting them here keeps
    # one counter for the site, and outreach may import courses (never the other way round).
    CountedPage("tutorial", TUTORIAL_PAGE_HEADER, TutorialPage, TutorialPageView, "tutorial_id"),
)
COUNTED_BY_KIND = {counted.kind: counted for counted in COUNTED_PAGES}


def _today():
    return local_today()  # the site's local day, the one insights counts in


def _view_key(page_id, day, kind="campaign"):
    return VIEW_KEY.format(kind=kind, page=page_id, day=day.isoformat())


# Views counted in this process and not yet added to the shared counters: a web process adds them
# at most every PAGE_VIEW_BATCH_SECONDS (one pipelined round trip for all of them), so a cached
# page pays a dictionary update, not a Redis round trip. A process that dies loses at most that
# many seconds of its views; one that exits normally adds them first (atexit).
_pending = collections.Counter()
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


class CampaignTrackingMiddleware:
    """Counts campaign page views and keeps QR arrivals; first in MIDDLEWARE (outside the page cache)."""

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
                and page.isdigit()
                # Only the public site counts: never the admin (previews, whatever renders them).
                and not getattr(request, "is_preview", False)
                and not request.path_info.startswith("/admin/")
            ):
                if counted.kind == "campaign":
                    self._viewed(request, response, int(page))
                else:
                    self._count(int(page), counted.kind)
        if getattr(request, "_campaign_cookie_claimed", False):
            response.delete_cookie(TOUCH_COOKIE)
        return response

    @staticmethod
    def _count(page_id, kind):
        try:
            page_view_count(page_id, kind=kind)
        except Exception:  # counting must never break the page (e.g. the cache is down)
            log.warning("Page view not counted (%s %s)", kind, page_id, exc_info=True)

    @classmethod
    def _viewed(cls, request, response, campaign_id):
        cls._count(campaign_id, "campaign")
        if request.GET.get("from") != "qr":
            return
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            touch_record(user.pk, campaign_id, "qr")
            return
        from .campaign_selectors import attribution_window

        response.set_signed_cookie(
            TOUCH_COOKIE,
            f"{campaign_id}|qr|{timezone.now().isoformat()}",
            salt=TOUCH_COOKIE,
            max_age=int(attribution_window().total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )


# Views ---------------------------------------------------------------------------------------


def _invalid(request, expired=False, status=400):
    return render(request, "outreach/campaign_link_invalid.html", {"expired": expired}, status=status)


@never_cache
def campaign_link(request, token):
    """A tracked link: record the click and the touch, then go to the campaign's own target."""
    try:
        message_id, user_id, link, test = link_token_read(token)
    except BadToken as error:
        return _invalid(request, expired=str(error) == "expired")
    message = CampaignMessage.objects.select_related("campaign").filter(pk=message_id).first()
    if message is None:
        return _invalid(request, status=404)
    targets = campaign_targets(message.campaign, request)
    url = targets.get(link) or targets[LINK_PAGE]
    if not test and User.objects.filter(pk=user_id).exists():
        now = timezone.now()
        click_record(message, user_id, link, now=now)
        touch_record(user_id, message.campaign_id, "link", at=now)
        if request.user.is_authenticated:
            if request.user.pk != user_id:
                touch_record(request.user.pk, message.campaign_id, "link", at=now)
        else:
            session_touch_add(request.session, message.campaign_id, "link", at=now)
    return HttpResponseRedirect(url)


@never_cache
@csrf_exempt  # the signed token is what authorises; mail clients POST without a form (RFC 8058)
def campaign_unsubscribe(request, token):
    """GET: confirm (safe for link scanners); POST: no more campaign messages for this person."""
    try:
        message_id, user_id = unsubscribe_token_read(token)
    except BadToken as error:
        return _invalid(request, expired=str(error) == "expired")
    person = User.objects.filter(pk=user_id).only("pk", "full_name").first()
    if person is None:
        return _invalid(request, status=404)
    if request.method == "POST":
        campaigns_unsubscribe(person.pk, message_id)
        return render(request, "outreach/campaign_unsubscribe.html", {"done": True, "person": person})
    return render(request, "outreach/campaign_unsubscribe.html", {"done": False, "person": person})
