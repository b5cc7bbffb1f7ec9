"""Reads for campaigns: which are running, and what a campaign led to (results, attribution).

Every function here is one query (or a fixed number of queries), never a loop over people.
"""

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from wagtail.models import Page

from core.page_views import pending_page_views
from core.published import public_q
from courses.models import Enrolment
from outreach.delivery.models import Delivery

from .models import CAMPAIGN_KIND, CampaignClick, CampaignMessage, CampaignPage, CampaignPageView, CampaignTouch


def campaigns_running(*, day: datetime.date, under: Page | None = None) -> list[CampaignPage]:
    """Live, public campaigns running on ``day``, ending soonest first (one query)."""
    campaigns = CampaignPage.objects.live().filter(public_q()).filter(starts_on__lte=day, ends_on__gte=day)
    if under is not None:
        campaigns = campaigns.descendant_of(under)
    return list(campaigns.order_by("ends_on", "title"))


# Results ------------------------------------------------------------------------------------


def attribution_window() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "CAMPAIGN_ATTRIBUTION_DAYS", 30))


def attribution_q(*, moment: Any, touch: str = "") -> Q:
    """The one definition of attribution: a touch (fields through ``touch``, e.g. ``"user__campaign_touches__"``)
    counts for an event at ``moment`` (an expression) when it began before it and its last arrival is
    at most the attribution window before it."""
    return Q(**{f"{touch}first_at__lte": moment, f"{touch}last_at__gte": moment - attribution_window()})


def attributed_enrolments(*, campaign_id: int) -> QuerySet:
    """Enrolments (any course) that began within the attribution window after a touch of the campaign."""
    touches = CampaignTouch.objects.filter(campaign_id=campaign_id, user_id=OuterRef("user_id")).filter(
        attribution_q(moment=OuterRef("enrolled_at"))
    )
    return Enrolment.objects.filter(Exists(touches))


def attributed_completions(*, campaign_id: int) -> QuerySet:
    """Completions within the attribution window after a touch of the campaign."""
    touches = CampaignTouch.objects.filter(campaign_id=campaign_id, user_id=OuterRef("user_id")).filter(
        attribution_q(moment=OuterRef("completed_at"))
    )
    return Enrolment.objects.filter(completed_at__isnull=False).filter(Exists(touches))


TOUCHES = "user__campaign_touches__"


def attributed_per_campaign(*, enrolments: QuerySet, moment: str) -> dict[int, int]:
    """{campaign id: enrolments of ``enrolments`` attributed to it}, the event being ``moment``
    (``"enrolled_at"`` or ``"completed_at"``): one ``GROUP BY`` query, by ``attribution_q`` as above.

    An enrolment touched by two campaigns counts for each (as ``attributed_enrolments`` does).
    """
    # One filter() call, so that the touch's campaign and its window are the same joined row.
    joined = enrolments.filter(
        Q(**{f"{moment}__isnull": False, f"{TOUCHES}campaign_id__isnull": False})
        & attribution_q(moment=F(moment), touch=TOUCHES)
    )
    rows = joined.values(campaign=F(f"{TOUCHES}campaign_id")).annotate(n=Count("pk", distinct=True)).order_by()
    return {row["campaign"]: row["n"] for row in rows}


def campaign_deliveries() -> QuerySet:
    """Deliveries of real campaign sends: kind ``"campaign"``, ``subject_id`` the ``CampaignMessage``;
    test sends (``sequence`` 1, ``context.test``) are left out of every figure."""
    return Delivery.objects.filter(kind=CAMPAIGN_KIND, sequence=0)


def campaign_results(*, campaign: CampaignPage) -> dict[str, int]:
    """The funnel of one campaign: a fixed number of queries whatever its size.

    recipients (people planned, test sends excluded), sent and failed (deliveries), clicked
    (people who followed a tracked link), page views, people touched, attributed enrolments
    and completions. Page views include what the counters hold and beat has not stored yet.
    """
    message_ids = list(CampaignMessage.objects.filter(campaign=campaign).values_list("pk", flat=True))
    deliveries = campaign_deliveries().filter(subject_id__in=message_ids)
    counts = deliveries.aggregate(
        recipients=Count("recipient_id", distinct=True),
        sent=Count("pk", filter=Q(status=Delivery.Status.SENT)),
        failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
        skipped=Count("pk", filter=Q(status__in=[Delivery.Status.SKIPPED, Delivery.Status.CANCELLED])),
        waiting=Count("pk", filter=Q(status__in=[Delivery.Status.PLANNED, Delivery.Status.SENDING])),
        sent_people=Count("recipient_id", distinct=True, filter=Q(status=Delivery.Status.SENT)),
    )
    clicked = (
        CampaignClick.objects.filter(message_id__in=message_ids).aggregate(
            people=Count("recipient_id", distinct=True), clicks=Sum(F("count"))
        )
        if message_ids
        else {"people": 0, "clicks": 0}
    )
    views = CampaignPageView.objects.filter(campaign=campaign).aggregate(n=Sum("views"))["n"] or 0
    views += pending_page_views(campaign.pk)
    touched = CampaignTouch.objects.filter(campaign=campaign).count()
    enrolments = attributed_enrolments(campaign_id=campaign.pk).count()
    completions = attributed_completions(campaign_id=campaign.pk).count()
    return {
        "recipients": counts["recipients"],
        "sent": counts["sent"],
        "sent_people": counts["sent_people"],
        "failed": counts["failed"],
        "skipped": counts["skipped"],
        "waiting": counts["waiting"],
        "clicked": clicked["people"],
        "clicks": clicked["clicks"] or 0,
        "page_views": views,
        "touched": touched,
        "enrolments": enrolments,
        "completions": completions,
    }
