"""Demo figures of the one-stop system: a year of months for the demo's public services and communes.

Run by ``insights.demo.demo_insights_seed`` (``seed_demo``), through ``services.uptake_figures_write``.
The demo's tutorials are all published when it is seeded; so that the year shows a before and an
after, the first tutorial of each service with figures is dated back (``PUBLISHED_MONTHS_AGO``) when it
was published less than a week ago (a fresh demo), and the online share rises after that month.
Idempotent: the same figures each run (a fixed random seed), written only when they differ.
"""

import datetime
import random

from django.utils import timezone

from accounts.models import OrganisationUnit
from core.localtime import local_today, months_add
from courses.learning.models import PublicService
from courses.learning.pages import TutorialPage

from .milestones import first_published
from .services import uptake_figures_write

MONTHS = 12
# Procedure code → (months ago its first tutorial was published, monthly applications per commune).
DEMO_SERVICES = {"1.001193": (6, 60), "1.002809": (4, 35)}
SMALL_COMMUNE = "TN-DH"  # a small commune: a few applications a month, suppressed outside the training office


def _tutorials_date_back(*, services: dict[str, PublicService], today: datetime.date) -> None:
    recent = timezone.now() - datetime.timedelta(days=7)
    for code, (months_ago, _volume) in DEMO_SERVICES.items():
        service = services.get(code)
        tutorial = (
            TutorialPage.objects.filter(public_service=service, first_published_at__gte=recent)
            .order_by("first_published_at")
            .first()
        )
        if service is None or tutorial is None:
            continue
        day = months_add(today.replace(day=12), -months_ago)
        published = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
        TutorialPage.objects.filter(pk=tutorial.pk).update(first_published_at=published)


def _share(*, month: datetime.date, published: datetime.date | None, rng: random.Random) -> float:
    """The online share of a month: about 25% before the tutorial's month, rising about 5 points a month after."""
    base = 0.25 + rng.uniform(-0.04, 0.04)
    if published is None or month <= published.replace(day=1):
        return base
    months_after = (month.year - published.year) * 12 + month.month - published.month
    return min(0.85, base + 0.05 * months_after + rng.uniform(-0.02, 0.03))


def demo_uptake_seed() -> int:
    """A year of monthly figures per demo service with a procedure code and demo commune; the rows written."""
    today = local_today()
    services = {
        service.procedure_code: service
        for service in PublicService.objects.filter(procedure_code__in=list(DEMO_SERVICES))
    }
    communes = list(OrganisationUnit.objects.filter(kind=OrganisationUnit.Kind.COMMUNE).order_by("code"))
    if not services or not communes:
        return 0
    _tutorials_date_back(services=services, today=today)
    published = first_published(service_ids=[service.pk for service in services.values()])
    rng = random.Random(15)  # noqa: S311 (demo figures, not secrets: the same on every run)
    last = months_add(today.replace(day=1), -1)
    rows = []
    for code, (_months_ago, volume) in sorted(DEMO_SERVICES.items()):
        service = services.get(code)
        if service is None:
            continue
        for commune in communes:
            size = 0.03 if commune.code == SMALL_COMMUNE else rng.uniform(0.6, 1.4)
            for back in range(MONTHS - 1, -1, -1):
                month = months_add(last, -back)
                applications = max(1, round(volume * size * rng.uniform(0.85, 1.15)))
                online = round(applications * _share(month=month, published=published.get(service.pk), rng=rng))
                rows.append((service.pk, commune.pk, month, online, applications - online))
    created, replaced = uptake_figures_write(rows=rows)
    return created + replaced
