"""Campaign tracking on our own server: page views, QR arrivals, tracked links, unsubscribe links.

- Page views: ``CampaignPage.serve`` names the campaign in a response header, which the page
  cache stores with the page; ``CampaignTrackingMiddleware`` sits outside the page cache, so it
  sees hits and misses alike and adds one to a per-campaign, per-day counter in the cache
  (one Redis ``INCR`` in production). Beat moves the counters into ``CampaignPageView`` rows
  every minute (``page_views_flush``). No third-party tracker, no cookie for counting.
- QR arrivals (``?from=qr``, the poster's short link): a signed cookie holds the touch for an
  anonymous visitor (the page may come from the cache, before any session exists); a signed-in
  visitor's touch is stored at once. The sign-in hook ``campaigns.touches_claim`` stores it.
- ``/r/<token>/``: a signed link naming message, recipient and link; records the click and
  the touch, and redirects only to the campaign's page or its call to action.
- ``/unsubscribe/<token>/``: GET shows a confirmation (mail scanners that prefetch links change
  nothing), POST records the refusal; mail clients may POST directly (RFC 8058).
"""

import datetime
import logging

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import transaction
from django.db.models import F
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from accounts.models import User

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
from .reminders import LOCAL_TIME_ZONE

log = logging.getLogger(__name__)

VIEW_KEY = "campaign-views:{campaign}:{day}"
VIEW_KEY_TTL = 3 * 24 * 3600


def _today():
    return timezone.localtime(timezone.now(), LOCAL_TIME_ZONE).date()


def _view_key(campaign_id, day):
    return VIEW_KEY.format(campaign=campaign_id, day=day.isoformat())


def page_view_count(campaign_id, day=None):
    """Add one view of the campaign page today: one INCR (with its expiry) on Redis."""
    key = _view_key(campaign_id, day or _today())
    backend = getattr(cache, "_cache", None)
    if isinstance(backend, RedisCacheClient):
        client = backend.get_client(key, write=True)
        pipeline = client.pipeline(transaction=False)
        full_key = cache.make_and_validate_key(key)
        pipeline.incr(full_key)
        pipeline.expire(full_key, VIEW_KEY_TTL)
        pipeline.execute()
        return
    try:
        cache.incr(key)
    except ValueError:
        if not cache.add(key, 1, VIEW_KEY_TTL):
            cache.incr(key)


def _days():
    today = _today()
    return [today - datetime.timedelta(days=1), today]


def pending_page_views(campaign_id):
    """Views counted in the cache and not yet stored (today and yesterday)."""
    found = cache.get_many([_view_key(campaign_id, day) for day in _days()])
    return sum(int(value or 0) for value in found.values())


def page_views_flush():
    """Move the counters of every campaign (today, yesterday) into the database; returns views moved."""
    campaign_ids = list(CampaignPage.objects.values_list("pk", flat=True))
    keys = {_view_key(pk, day): (pk, day) for pk in campaign_ids for day in _days()}
    moved = 0
    for key, value in cache.get_many(list(keys)).items():
        count = int(value or 0)
        if count <= 0:
            continue
        campaign_id, day = keys[key]
        cache.decr(key, count)  # views counted meanwhile stay for the next flush
        with transaction.atomic():
            updated = CampaignPageView.objects.filter(campaign_id=campaign_id, day=day).update(views=F("views") + count)
            if not updated:
                _, created = CampaignPageView.objects.get_or_create(
                    campaign_id=campaign_id, day=day, defaults={"views": count}
                )
                if not created:
                    CampaignPageView.objects.filter(campaign_id=campaign_id, day=day).update(views=F("views") + count)
        moved += count
    return moved


class CampaignTrackingMiddleware:
    """Counts campaign page views and keeps QR arrivals; first in MIDDLEWARE (outside the page cache)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        campaign = response.get(CAMPAIGN_PAGE_HEADER)
        if campaign is not None:
            del response[CAMPAIGN_PAGE_HEADER]
            if (
                request.method == "GET"
                and response.status_code == 200
                and campaign.isdigit()
                # Only the public site counts: never the admin (previews, whatever renders them).
                and not getattr(request, "is_preview", False)
                and not request.path_info.startswith("/admin/")
            ):
                self._viewed(request, response, int(campaign))
        if getattr(request, "_campaign_cookie_claimed", False):
            response.delete_cookie(TOUCH_COOKIE)
        return response

    @staticmethod
    def _viewed(request, response, campaign_id):
        try:
            page_view_count(campaign_id)
        except Exception:  # counting must never break the page (e.g. the cache is down)
            log.warning("Campaign page view not counted", exc_info=True)
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
