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
  visitor's touch is stored at once. The sign-in hook ``touches_claim`` stores it.
- ``/r/<token>/``: a signed link naming message, recipient and link; records the click and
  the touch, and redirects only to the campaign's page or its call to action.
- ``/unsubscribe/<token>/``: the token names the channel the message went on. GET shows a
  confirmation (mail scanners that prefetch links change nothing), POST withdraws campaign consent
  on that channel (``everywhere=1``: on every channel) through ``accounts.consent.services``; mail
  clients may POST directly (RFC 8058), which withdraws e-mail only.
"""

import contextlib
import datetime
import logging
from collections.abc import Callable

from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from accounts.consent.channels import CHANNEL_CODES, contact_channel
from accounts.consent.selectors import consent_channels
from accounts.consent.services import SOURCE_UNSUBSCRIBE, consent_withdraw
from accounts.models import Consent, User
from core.localtime import local_today
from outreach.delivery.models import Channel, Delivery

from .links import (
    LINK_PAGE,
    LINK_UNSUBSCRIBE,
    BadToken,
    campaign_targets,
    link_token_read,
    short_token_read,
    unsubscribe_token,
    unsubscribe_token_read,
)
from .models import CAMPAIGN_KIND, CampaignClick, CampaignMessage, CampaignPage, CampaignTouch
from .selectors import attribution_window

log = logging.getLogger(__name__)

TOUCH_SESSION_KEY = "campaign_touches"
TOUCH_COOKIE = "kns_campaign"


class CampaignTouchCookieMiddleware:
    """Forgets the QR-arrival cookie once a sign-in has claimed it (``touches_claim``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "_campaign_cookie_claimed", False):
            response.delete_cookie(TOUCH_COOKIE)
        return response


def campaign_page_viewed(request: HttpRequest, response: HttpResponse, campaign_id: int) -> None:
    """After a counted view of a campaign page: keep a QR arrival (``?from=qr``) as a touch."""
    if request.GET.get("from") != "qr":
        return
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        touch_record(user_id=user.pk, campaign_id=campaign_id, source="qr")
        return
    response.set_signed_cookie(
        TOUCH_COOKIE,
        f"{campaign_id}|qr|{timezone.now().isoformat()}",
        salt=TOUCH_COOKIE,
        max_age=int(attribution_window().total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


# Unsubscribe, clicks and touches ---------------------------------------------------------------


def campaigns_unsubscribe(
    *, user: User, message_id: int, channels: list[str] | None = None, now: datetime.datetime | None = None
) -> list[str]:
    """Withdraw the person's campaign consent on ``channels`` (None: every channel) and cancel their
    planned campaign messages there; returns the channels whose consent changed."""
    now = now or timezone.now()
    channels = list(CHANNEL_CODES) if channels is None else channels
    with transaction.atomic():
        changed = consent_withdraw(
            user=user,
            purpose=Consent.Purpose.CAMPAIGNS,
            channels=channels,
            source=SOURCE_UNSUBSCRIBE,
            detail=f"campaign message {message_id}",
            at=now,
        )
        Delivery.objects.filter(
            kind=CAMPAIGN_KIND, recipient_id=user.pk, channel__in=channels, status=Delivery.Status.PLANNED
        ).update(status=Delivery.Status.CANCELLED, reason="opted_out")
    return changed


def click_record(*, message: CampaignMessage, user_id: int, link: str, now: datetime.datetime | None = None) -> None:
    """One row per message, person and link (counted once), its count raised on every click."""
    now = now or timezone.now()
    found = CampaignClick.objects.filter(message=message, recipient_id=user_id, link=link)
    if found.update(count=F("count") + 1, last_at=now):
        return
    try:
        with transaction.atomic():
            CampaignClick.objects.create(message=message, recipient_id=user_id, link=link, first_at=now, last_at=now)
    except IntegrityError:  # a second click at the same moment created it
        found.update(count=F("count") + 1, last_at=now)


def touch_record(*, user_id: int, campaign_id: int, source: str, at: datetime.datetime | None = None) -> None:
    """Remember that the person arrived from the campaign (first and last time), for attribution."""
    at = at or timezone.now()
    found = CampaignTouch.objects.filter(user_id=user_id, campaign_id=campaign_id)
    if found.filter(last_at__lt=at).update(last_at=at) or found.exists():
        found.filter(first_at__gt=at).update(first_at=at)
        return
    try:
        with transaction.atomic():
            CampaignTouch.objects.create(
                user_id=user_id, campaign_id=campaign_id, source=source, first_at=at, last_at=at
            )
    except IntegrityError:
        found.filter(last_at__lt=at).update(last_at=at)


def session_touch_add(
    *, session: SessionBase, campaign_id: int, source: str, at: datetime.datetime | None = None
) -> None:
    """Keep a touch in an anonymous visitor's session, to be stored when they sign up or in."""
    at = at or timezone.now()
    touches = dict(session.get(TOUCH_SESSION_KEY) or {})
    touches[str(campaign_id)] = [source, at.isoformat()]
    session[TOUCH_SESSION_KEY] = touches


def touches_claim(request: HttpRequest, user: User) -> None:
    """Sign-in hook (``ACCOUNTS_SIGN_IN_HOOKS``): store the touches this browser carried for ``user``.

    From the session (tracked links) and from the signed cookie set on QR arrivals served
    from the page cache; too old ones (beyond the attribution window) are dropped.
    """
    touches = dict(request.session.pop(TOUCH_SESSION_KEY, None) or {})
    cookie = request.get_signed_cookie(TOUCH_COOKIE, default=None, salt=TOUCH_COOKIE, max_age=attribution_window())
    if cookie:
        with contextlib.suppress(ValueError):
            campaign_id, source, at = cookie.split("|")
            touches.setdefault(campaign_id, [source, at])
        request._campaign_cookie_claimed = True
    if not touches:
        return
    oldest = timezone.now() - attribution_window()
    known = set(
        CampaignPage.objects.filter(pk__in=[int(pk) for pk in touches if pk.isdigit()]).values_list("pk", flat=True)
    )
    for campaign_id, (source, at) in touches.items():
        try:
            moment = datetime.datetime.fromisoformat(at)
        except (TypeError, ValueError):
            continue
        if not campaign_id.isdigit() or int(campaign_id) not in known or moment < oldest:
            continue
        touch_record(
            user_id=user.pk,
            campaign_id=int(campaign_id),
            source=source if source in ("link", "qr") else "link",
            at=moment,
        )


# Views ---------------------------------------------------------------------------------------


def _invalid(request: HttpRequest, expired: bool = False, status: int = 400) -> HttpResponse:
    return render(request, "outreach/campaigns/campaign_link_invalid.html", {"expired": expired}, status=status)


@never_cache
def campaign_link(request: HttpRequest, token: str) -> HttpResponse:
    """A tracked link: record the click and the touch, then go to the campaign's own target."""
    try:
        message_id, user_id, link, test = link_token_read(token=token)
    except BadToken as error:
        return _invalid(request, expired=str(error) == "expired")
    return _follow(request, message_id=message_id, user_id=user_id, link=link, test=test)


@never_cache
def campaign_short(request: HttpRequest, token: str) -> HttpResponse:
    """An SMS's short link ``/s/<token>``: a tracked link as ``campaign_link``, or the unsubscribe page."""
    try:
        message_id, user_id, link, test = short_token_read(token=token, today=local_today())
    except BadToken as error:
        return _invalid(request, expired=str(error) == "expired")
    if link == LINK_UNSUBSCRIBE:
        # The unsubscribe page of the SMS channel (GET confirms, its form POSTs): the short link only
        # leads there (short links are only sent by SMS).
        token = unsubscribe_token(message_id=message_id, user_id=user_id, channel=Channel.SMS)
        return HttpResponseRedirect(reverse("campaign_unsubscribe", args=[token]))
    return _follow(request, message_id=message_id, user_id=user_id, link=link, test=test)


def _follow(request: HttpRequest, *, message_id: int, user_id: int, link: str, test: bool) -> HttpResponse:
    message = CampaignMessage.objects.select_related("campaign").filter(pk=message_id).first()
    if message is None:
        return _invalid(request, status=404)
    targets = campaign_targets(campaign=message.campaign, request=request)
    url = targets.get(link) or targets[LINK_PAGE]
    if not test and User.objects.filter(pk=user_id).exists():
        now = timezone.now()
        click_record(message=message, user_id=user_id, link=link, now=now)
        touch_record(user_id=user_id, campaign_id=message.campaign_id, source="link", at=now)
        if request.user.is_authenticated:
            if request.user.pk != user_id:
                touch_record(user_id=request.user.pk, campaign_id=message.campaign_id, source="link", at=now)
        else:
            session_touch_add(session=request.session, campaign_id=message.campaign_id, source="link", at=now)
    return HttpResponseRedirect(url)


@never_cache
@csrf_exempt  # the signed token is what authorises; mail clients POST without a form (RFC 8058)
def campaign_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: confirm (safe for link scanners); POST: no more campaign messages on the token's channel
    (``everywhere=1``, or a token naming no channel: on every channel). Only the token says who."""
    try:
        message_id, user_id, channel = unsubscribe_token_read(token=token)
    except BadToken as error:
        return _invalid(request, expired=str(error) == "expired")
    person = User.objects.filter(pk=user_id).only("pk", "full_name", "email", "phone").first()
    if person is None:
        return _invalid(request, status=404)
    everywhere = channel is None or (request.method == "POST" and request.POST.get("everywhere") == "1")
    if request.method == "POST":
        campaigns_unsubscribe(
            user=person, message_id=message_id, channels=None if everywhere or channel is None else [channel]
        )
    remaining = consent_channels(user=person, purpose=Consent.Purpose.CAMPAIGNS)
    context = {
        "done": request.method == "POST",
        "person": person,
        "everywhere": everywhere,
        "channel": contact_channel(channel) if channel else None,
        "remaining": [contact_channel(code) for code in remaining],
    }
    return render(request, "outreach/campaigns/campaign_unsubscribe.html", context)
