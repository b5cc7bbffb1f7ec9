"""Reads of a person's personal access tokens."""

from django.db.models import QuerySet

from ..models import User
from .models import PersonalAccessToken


def tokens_of(*, user: User) -> QuerySet[PersonalAccessToken]:
    """The person's tokens, newest first (revoked and expired ones too: the page says so)."""
    return PersonalAccessToken.objects.filter(user=user).order_by("-created_at", "-pk")


def token_of(*, user: User, token_id: int) -> PersonalAccessToken | None:
    """The person's token ``token_id``, or None (another person's token is None too)."""
    return PersonalAccessToken.objects.filter(user=user, pk=token_id).first()
