"""Reads for campaigns: who a segment selects, and what a campaign led to.

Every function here is one query (or a fixed number of queries), never a loop over people.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from accounts.models import Consent, User
from courses.models import Enrolment, TutorialCompletion

from .models import CAMPAIGN_KIND, AudienceSegment, CampaignClick, CampaignMessage, CampaignPageView, CampaignTouch


@dataclass
class SegmentRules:
    """A segment's rules, from a saved segment or from a form not yet saved (the live count)."""

    learner_kind: str = ""
    unit_paths: list = field(default_factory=list)
    unit_ids: list = field(default_factory=list)
    include_sub_units: bool = True
    language: str = ""
    completed_course_id: int | None = None
    not_completed_course_id: int | None = None
    completed_tutorial_id: int | None = None
    not_completed_tutorial_id: int | None = None
    inactive_since: datetime.date | None = None
    joined_since: datetime.date | None = None

    @classmethod
    def of(cls, segment, units=None):
        """The rules of ``segment``; ``units`` (unit objects) instead of the saved ones when given."""
        if units is None:
            units = list(segment.units.all()) if segment.pk else []
        return cls(
            learner_kind=segment.learner_kind or "",
            unit_paths=[unit.path for unit in units],
            unit_ids=[unit.pk for unit in units],
            include_sub_units=segment.include_sub_units,
            language=segment.language or "",
            completed_course_id=segment.completed_course_id,
            not_completed_course_id=segment.not_completed_course_id,
            completed_tutorial_id=segment.completed_tutorial_id,
            not_completed_tutorial_id=segment.not_completed_tutorial_id,
            inactive_since=segment.inactive_since,
            joined_since=segment.joined_since,
        )


def _day_start(day):
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def segment_people(rules):
    """Active people matching every rule, as a User queryset (one SQL query when evaluated).

    Units are selected by tree path prefix (a unit and its sub-units), never by walking the tree.
    """
    if isinstance(rules, AudienceSegment):
        rules = SegmentRules.of(rules)
    people = User.objects.filter(is_active=True)
    if rules.learner_kind:
        people = people.filter(kind=rules.learner_kind)
    if rules.language:
        people = people.filter(preferred_language=rules.language)
    if rules.unit_ids:
        if rules.include_sub_units:
            within = Q()
            for path in sorted(set(rules.unit_paths)):
                within |= Q(organisation_unit__path__startswith=path)
            people = people.filter(within)
        else:
            people = people.filter(organisation_unit_id__in=rules.unit_ids)
    completed = Enrolment.objects.filter(user_id=OuterRef("pk"), completed_at__isnull=False)
    if rules.completed_course_id:
        people = people.filter(Exists(completed.filter(course_id=rules.completed_course_id)))
    if rules.not_completed_course_id:
        people = people.filter(~Exists(completed.filter(course_id=rules.not_completed_course_id)))
    tutorial_done = TutorialCompletion.objects.filter(user_id=OuterRef("pk"))
    if rules.completed_tutorial_id:
        people = people.filter(Exists(tutorial_done.filter(tutorial_id=rules.completed_tutorial_id)))
    if rules.not_completed_tutorial_id:
        people = people.filter(~Exists(tutorial_done.filter(tutorial_id=rules.not_completed_tutorial_id)))
    if rules.inactive_since:
        people = people.filter(
            Exists(
                Enrolment.objects.filter(
                    user_id=OuterRef("pk"),
                    completed_at__isnull=True,
                    archived_at__isnull=True,
                    last_activity_at__lt=_day_start(rules.inactive_since),
                )
            )
        )
    if rules.joined_since:
        people = people.filter(date_joined__gte=_day_start(rules.joined_since))
    return people


def with_campaign_consent(people):
    """Those of ``people`` who said yes to campaign messages (silence is not consent)."""
    return people.filter(
        Exists(Consent.objects.filter(user_id=OuterRef("pk"), purpose=Consent.Purpose.CAMPAIGNS, granted=True))
    )


def segment_counts(rules):
    """(people in the segment, of whom with campaign consent): one query."""
    people = segment_people(rules)
    consented = Consent.objects.filter(user_id=OuterRef("pk"), purpose=Consent.Purpose.CAMPAIGNS, granted=True)
    counts = people.aggregate(total=Count("pk"), consenting=Count("pk", filter=Exists(consented)))
    return counts["total"], counts["consenting"]


# Results ------------------------------------------------------------------------------------


def attribution_window():
    return datetime.timedelta(days=getattr(settings, "CAMPAIGN_ATTRIBUTION_DAYS", 30))


def attribution_q(moment, touch=""):
    """The one definition of attribution: a touch (fields through ``touch``, e.g. ``"user__campaign_touches__"``)
    counts for an event at ``moment`` (an expression) when it began before it and its last arrival is
    at most the attribution window before it."""
    return Q(**{f"{touch}first_at__lte": moment, f"{touch}last_at__gte": moment - attribution_window()})


def attributed_enrolments(campaign_id):
    """Enrolments (any course) that began within the attribution window after a touch of the campaign."""
    touches = CampaignTouch.objects.filter(campaign_id=campaign_id, user_id=OuterRef("user_id")).filter(
        attribution_q(OuterRef("enrolled_at"))
    )
    return Enrolment.objects.filter(Exists(touches))


def attributed_completions(campaign_id):
    """Completions within the attribution window after a touch of the campaign."""
    touches = CampaignTouch.objects.filter(campaign_id=campaign_id, user_id=OuterRef("user_id")).filter(
        attribution_q(OuterRef("completed_at"))
    )
    return Enrolment.objects.filter(completed_at__isnull=False).filter(Exists(touches))


TOUCHES = "user__campaign_touches__"


def attributed_per_campaign(enrolments, moment):
    """{campaign id: enrolments of ``enrolments`` attributed to it}, the event being ``moment``
    (``"enrolled_at"`` or ``"completed_at"``): one ``GROUP BY`` query, by ``attribution_q`` as above.

    An enrolment touched by two campaigns counts for each (as ``attributed_enrolments`` does).
    """
    # One filter() call, so that the touch's campaign and its window are the same joined row.
    joined = enrolments.filter(
        Q(**{f"{moment}__isnull": False, f"{TOUCHES}campaign_id__isnull": False}) & attribution_q(F(moment), TOUCHES)
    )
    rows = joined.values(campaign=F(f"{TOUCHES}campaign_id")).annotate(n=Count("pk", distinct=True)).order_by()
    return {row["campaign"]: row["n"] for row in rows}


def campaign_deliveries():
    """Deliveries of real campaign sends: kind ``"campaign"``, ``subject_id`` the ``CampaignMessage``;
    test sends (``sequence`` 1, ``context.test``) are left out of every figure."""
    from .models import Delivery

    return Delivery.objects.filter(kind=CAMPAIGN_KIND, sequence=0)


def campaign_results(campaign):
    """The funnel of one campaign: a fixed number of queries whatever its size.

    recipients (people planned, test sends excluded), sent and failed (deliveries), clicked
    (people who followed a tracked link), page views, people touched, attributed enrolments
    and completions. Page views include what the counters hold and beat has not stored yet.
    """
    from core.page_views import pending_page_views

    message_ids = list(CampaignMessage.objects.filter(campaign=campaign).values_list("pk", flat=True))
    from .models import Delivery

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
    enrolments = attributed_enrolments(campaign.pk).count()
    completions = attributed_completions(campaign.pk).count()
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
