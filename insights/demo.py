"""Demo data of the insights layer: a provincial leader, the one-stop system's figures, and the dashboard's
figures counted now.

Run by ``seed_demo`` through ``DEMO_SEEDERS`` (outreach cannot import this higher layer).
"""

from accounts.demo import demo_account_ensure
from accounts.models import OrganisationUnit, User

from .roles import LEADER
from .tasks import figures_rebuild_recent, transparency_refresh
from .uptake.demo import demo_uptake_seed


def demo_insights_seed():
    """The leader's demo account; the daily summary and the public page's figures, so both show data at once."""
    province = OrganisationUnit.objects.filter(depth=1).order_by("path").first()
    leader = demo_account_ensure(
        email="lanhdao@kynangso.local",
        full_name="Hoàng Minh Đức",
        kind=User.Kind.CIVIL_SERVANT,
        unit=province,
        role=LEADER,
    )
    demo_uptake_seed()  # the one-stop system's figures (insights/uptake/)
    figures_rebuild_recent()
    transparency_refresh()
    return [(leader, LEADER)]
