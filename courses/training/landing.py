"""Where unit managers and people with mandatory training land after signing in (``ACCOUNTS_LANDING_RULES``)."""

from django.http import HttpRequest
from django.urls import reverse

from accounts.models import User
from accounts.selectors import managed_units

from .models import Assignment


def team_landing(*, request: HttpRequest, user: User) -> str | None:
    """Whoever a unit names among its managers: the team page (their people's training)."""
    if managed_units(user=user):
        return reverse("courses:team")
    return None


def training_landing(*, request: HttpRequest, user: User) -> str | None:
    """Anyone with mandatory training still to do: My training (overdue and due-soon first)."""
    if Assignment.objects.filter(user=user, is_current=True, status=Assignment.Status.OPEN).exists():
        return reverse("courses:my_training")
    return None
