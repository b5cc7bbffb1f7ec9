"""The demo's one-stop system figures: a year per demo service and commune, the online share rising after the
tutorial, seeded through the services and idempotent."""

import pytest

from accounts.models import OrganisationUnit
from courses.models import PublicService
from insights.models import UptakeFigure
from insights.uptake import selectors
from insights.uptake.demo import DEMO_SERVICES, MONTHS, SMALL_COMMUNE, demo_uptake_seed

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_figures_rise_after_the_tutorial(demo_site):
    communes = OrganisationUnit.objects.filter(kind=OrganisationUnit.Kind.COMMUNE).count()
    assert communes >= 3
    assert UptakeFigure.objects.count() == len(DEMO_SERVICES) * communes * MONTHS
    assert demo_uptake_seed() == 0  # run again: nothing to write
    table = selectors.before_after(paths=None, service=None, suppress=False, kinds=["tutorial"])
    assert len(table.rows) == len(DEMO_SERVICES)
    for row in table.rows:
        assert row.cells["share_after"].value > row.cells["share_before"].value + 10
    # A small commune: suppressed outside the training office.
    leader = selectors.before_after(paths=None, service=None, suppress=True)
    assert leader.rows
    for service in PublicService.objects.filter(pk__in=UptakeFigure.objects.values("service")):
        by_unit = selectors.before_after(paths=None, service=service, suppress=True)
        small = [row for row in by_unit.rows if row.unit is not None and row.unit.code == SMALL_COMMUNE]
        assert small and any(cell.suppressed for row in small for cell in row.cells.values())
