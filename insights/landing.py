"""Where a leader lands after signing in: the operations dashboard (``ACCOUNTS_LANDING_RULES``)."""

from django.http import HttpRequest
from django.urls import reverse

from accounts.models import User

from .roles import LEADER


def leader_landing(*, request: HttpRequest, user: User) -> str | None:
    """Leaders read the province's figures: the dashboard, not the admin's empty home."""
    if user.groups.filter(name=LEADER).exists():
        return reverse("insights_dashboard")
    return None
