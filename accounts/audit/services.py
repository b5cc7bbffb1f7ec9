"""Writing the auth event log. Every write goes through ``auth_event_record``."""

import contextlib
import contextvars
import datetime
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from core.clients import client_address

from ..models import User
from .models import AuthEvent

USER_AGENT_LENGTH = 200


def _user_or_none(user: User | None) -> User | None:
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    return user


def auth_event_record(
    *,
    kind: str,
    request: HttpRequest | None = None,
    actor: User | None = None,
    subject: User | None = None,
    detail: dict[str, Any] | None = None,
) -> AuthEvent:
    """Write one event. ``actor`` defaults to the request's signed-in user; the client is ``core.clients``'."""
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return AuthEvent.objects.create(
        kind=AuthEvent.Kind(kind),
        actor=_user_or_none(actor),
        subject=_user_or_none(subject),
        client_address=client_address(request) if request is not None else "",
        user_agent=agent[:USER_AGENT_LENGTH],
        detail=detail or {},
    )


def role_snapshot(*, user: User) -> dict[str, Any]:
    """What decides a person's powers: superuser, staff, active, and their groups (by name)."""
    if user.pk is None:
        return {"is_superuser": False, "is_staff": False, "is_active": False, "groups": []}
    fresh = User._default_manager.filter(pk=user.pk).first()
    if fresh is None:
        return {"is_superuser": False, "is_staff": False, "is_active": False, "groups": []}
    return {
        "is_superuser": fresh.is_superuser,
        "is_staff": fresh.is_staff,
        "is_active": fresh.is_active,
        "groups": sorted(fresh.groups.values_list("name", flat=True)),
    }


def role_change_record(
    *,
    request: HttpRequest | None,
    user: User,
    before: dict[str, Any],
    actor: User | None = None,
) -> AuthEvent | None:
    """Record ``role_changed`` if ``user``'s powers differ from ``before``; None when nothing changed."""
    after = role_snapshot(user=user)
    if after == before:
        return None
    return auth_event_record(
        kind=AuthEvent.Kind.ROLE_CHANGED,
        request=request,
        actor=actor,
        subject=user,
        detail={"before": before, "after": after},
    )


def auth_events_forget_old() -> int:
    """Delete the events older than the retention period; returns how many."""
    days = int(getattr(settings, "ACCOUNTS_AUTH_EVENT_RETENTION_DAYS", 365))
    deleted, _detail = AuthEvent.objects.filter(at__lt=timezone.now() - datetime.timedelta(days=days)).delete()
    return deleted


# Set while a caller (the admin's user form) records one consolidated role change itself.
_caller_records_roles: contextvars.ContextVar[bool] = contextvars.ContextVar("caller_records_roles", default=False)


@contextlib.contextmanager
def role_changes_recorded_by_caller() -> Iterator[None]:
    """Inside, group changes are not logged one by one: the caller logs before and after once."""
    token = _caller_records_roles.set(True)
    try:
        yield
    finally:
        _caller_records_roles.reset(token)


def group_change_record(*, user: User, action: str, group_ids: Iterable[int]) -> AuthEvent | None:
    """A change of ``user``'s groups made outside the admin's user form (the shell, a script, a later feature).

    Only groups that open the Wagtail admin (the admin roles) are logged: a citizen's or civil
    servant's group given at sign-up or by a roster import is not a change of powers worth a row.
    """
    # Imported here: auth's Group model is needed only for this rare path.
    from django.contrib.auth.models import Group

    if _caller_records_roles.get():
        return None
    groups = Group.objects.filter(pk__in=list(group_ids))
    admin_groups = sorted(
        groups.filter(permissions__codename="access_admin", permissions__content_type__app_label="wagtailadmin")
        .distinct()
        .values_list("name", flat=True)
    )
    if not admin_groups:
        return None
    return auth_event_record(
        kind=AuthEvent.Kind.ROLE_CHANGED,
        subject=user,
        detail={action: admin_groups, "after": role_snapshot(user=user)},
    )
