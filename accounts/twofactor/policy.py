"""Who must pass two-step verification: whoever reaches the admin or staff pages holding other people's data."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Permission
from django.db.models import Q

ADMIN_PERMISSION = ("wagtailadmin", "access_admin")


def two_factor_enforced() -> bool:
    """On in production settings (``ACCOUNTS_TWO_FACTOR_REQUIRED``); off in development and by default in tests."""
    return bool(getattr(settings, "ACCOUNTS_TWO_FACTOR_REQUIRED", False))


def two_factor_required(*, user: AbstractBaseUser) -> bool:
    """True for superusers, staff, holders of the admin permission (every admin role), and unit managers.

    A unit manager is whoever a unit names in ``managers`` (the team page shows their people), with
    or without the group. Citizens and civil servants answer False. One query.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or user.is_staff:
        return True
    app_label, codename = ADMIN_PERMISSION
    admin = Q(content_type__app_label=app_label, codename=codename)
    permission_ids = Permission.objects.filter(admin).values("pk")
    return (
        get_user_model()
        ._default_manager.filter(pk=user.pk)
        .filter(
            Q(groups__permissions__in=permission_ids)
            | Q(user_permissions__in=permission_ids)
            | Q(managed_units__isnull=False)
        )
        .exists()
    )
