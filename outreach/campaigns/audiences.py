"""Audiences: who a segment selects, and how many of them agreed to campaign messages.

A person counts as agreeing when they gave campaign consent on at least one channel they can be
reached on (``accounts.consent.selectors``): consent by SMS without a phone number reaches nobody.

Every function here is one query, never a loop over people.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.consent.selectors import consenting_q
from accounts.models import Consent, User
from courses.models import Enrolment, TutorialCompletion

from .models import AudienceSegment


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
    def of(cls, segment: AudienceSegment, units: list | None = None) -> "SegmentRules":
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


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def segment_people(*, rules: "SegmentRules | AudienceSegment") -> QuerySet:
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


def with_campaign_consent(*, people: QuerySet) -> QuerySet:
    """Those of ``people`` who said yes to campaign messages on a channel they can be reached on
    (silence is not consent)."""
    return people.filter(consenting_q(purpose=Consent.Purpose.CAMPAIGNS))


def segment_counts(*, rules: "SegmentRules | AudienceSegment") -> tuple[int, int]:
    """(people in the segment, of whom with campaign consent on a channel they can be reached on): one query."""
    people = segment_people(rules=rules)
    counts = people.aggregate(
        total=Count("pk"), consenting=Count("pk", filter=consenting_q(purpose=Consent.Purpose.CAMPAIGNS))
    )
    return counts["total"], counts["consenting"]
