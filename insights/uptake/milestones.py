"""What training did, and when: the milestones the online share is compared before and after.

A source is a function ``(*, service_ids) -> list[Milestone]``: for the public services asked for,
each thing worth comparing before and after, with its day and, when it happened in one unit only,
that unit (None: the whole province). ``SOURCES`` lists them; adding one is one function here and
one line in ``SOURCES``.
"""

import datetime
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.db.models import Min
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.localtime import local_date
from courses.assisted.selectors import service_first_assisted
from courses.learning.pages import TutorialPage
from outreach.campaigns.models import CampaignPage


class Milestone(NamedTuple):
    service_id: int
    unit_id: int | None  # None: the whole province
    day: datetime.date
    label: str
    kind: str = ""  # a key of KINDS


KINDS = {
    "tutorial": gettext_lazy("Tutorial published"),
    "campaign": gettext_lazy("Campaign"),
    "assisted": gettext_lazy("Assisted sessions"),
}


def tutorials_published(*, service_ids: Iterable[int]) -> list[Milestone]:
    """Each live tutorial of a service (``TutorialPage.public_service``), on the day it was first published."""
    tutorials = (
        TutorialPage.objects.live()
        .filter(public_service_id__in=list(service_ids), first_published_at__isnull=False)
        .values_list("public_service_id", "first_published_at", "title")
    )
    return [
        Milestone(
            service_id, None, local_date(published), _("Tutorial published: %(title)s") % {"title": title}, "tutorial"
        )
        for service_id, published, title in tutorials
    ]


def _campaign_services(campaign: CampaignPage) -> set[int]:
    """The services a campaign points to: those it promotes, its calls to action's services and tutorials'."""
    found = {service.pk for service in campaign.services.all()}
    for block in campaign.calls_to_action:
        value = block.value
        if block.block_type == "service" and value.get("service") is not None:
            found.add(value["service"].pk)
        elif block.block_type == "tutorial" and value.get("page") is not None:
            page = value["page"].specific
            if getattr(page, "public_service_id", None):
                found.add(page.public_service_id)
    return found


def campaigns_ran(*, service_ids: Iterable[int]) -> list[Milestone]:
    """Each live campaign pointing to a service (promoted, or through a call to action), on its first day."""
    wanted = set(service_ids)
    milestones = []
    for campaign in CampaignPage.objects.live().prefetch_related("services").order_by("starts_on", "pk"):
        label = _("Campaign: %(title)s (%(start)s–%(end)s)") % {
            "title": campaign.title,
            "start": campaign.starts_on.strftime("%d/%m/%Y"),
            "end": campaign.ends_on.strftime("%d/%m/%Y"),
        }
        for service_id in sorted(_campaign_services(campaign) & wanted):
            milestones.append(Milestone(service_id, None, campaign.starts_on, label, "campaign"))
    return milestones


def assisted_sessions_began(*, service_ids: Iterable[int]) -> list[Milestone]:
    """In each commune, the first day its counter helped a citizen with a service (the service completed there,
    or one of its tutorials walked together): a milestone of that unit only."""
    return [
        Milestone(service_id, unit_id, local_date(at), _("Help at the counter began"), "assisted")
        for service_id, unit_id, at in service_first_assisted(service_ids=list(service_ids))
    ]


Source = Callable[..., list[Milestone]]
SOURCES: list[Source] = [tutorials_published, campaigns_ran, assisted_sessions_began]


def milestones(*, service_ids: Iterable[int], sources: list[Source] | None = None) -> list[Milestone]:
    """Every source's milestones of these services, by day."""
    service_ids = list(service_ids)
    found: list[Milestone] = []
    for source in SOURCES if sources is None else sources:
        found.extend(source(service_ids=service_ids))
    return sorted(found, key=lambda milestone: (milestone.day, milestone.kind, milestone.label))


def first_published(*, service_ids: Iterable[int]) -> dict[int, datetime.date]:
    """{service id: the day its first tutorial was published} (for the demo)."""
    rows = (
        TutorialPage.objects.live()
        .filter(public_service_id__in=list(service_ids))
        .values("public_service_id")
        .annotate(first=Min("first_published_at"))
    )
    return {row["public_service_id"]: local_date(row["first"]) for row in rows if row["first"]}
