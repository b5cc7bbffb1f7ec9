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

import logging

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
from .models import CampaignMessage

log = logging.getLogger(__name__)


class CampaignTouchCookieMiddleware:
    """Forgets the QR-arrival cookie once a sign-in has claimed it (``campaigns.touches_claim``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "_campaign_cookie_claimed", False):
            response.delete_cookie(TOUCH_COOKIE)
        return response


def campaign_page_viewed(request, response, campaign_id):
    """After a counted view of a campaign page: keep a QR arrival (``?from=qr``) as a touch."""
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
