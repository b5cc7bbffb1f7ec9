"""Reads of the accounts layer: which organisation units a person manages (the one definition).

A person manages the units they are a manager of (``OrganisationUnit.managers``) and every unit
below them in the tree. The training pages, the compliance report, the manager's team page and
the insights dashboards all ask here.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser

from .models import OrganisationUnit, User


def managed_units(*, user: User | AnonymousUser) -> list[OrganisationUnit]:
    """The units ``user`` manages, without those inside another of them, in tree order (one query).

    A manager sees these units and their sub-units; nothing else. Nobody signed in manages nothing.
    """
    if not user.is_authenticated:
        return []
    roots: list[OrganisationUnit] = []
    for unit in OrganisationUnit.objects.filter(managers=user).order_by("path"):
        if not unit_in_units(unit=unit, units=roots):
            roots.append(unit)
    return roots


def managed_unit_paths(*, user: User | AnonymousUser) -> list[str]:
    """Tree paths of the units ``user`` manages (their sub-units are included by prefix)."""
    return [unit.path for unit in managed_units(user=user)]


def unit_in_units(*, unit: OrganisationUnit, units: Iterable[OrganisationUnit]) -> bool:
    """Whether ``unit`` is one of ``units`` or under one of them."""
    return any(unit.path.startswith(root.path) for root in units)


def path_is_managed(*, user: User | AnonymousUser, path: str) -> bool:
    """Whether the unit at tree ``path`` (e.g. an assignment's ``unit_path``) is one ``user`` manages."""
    return bool(path) and any(path.startswith(root) for root in managed_unit_paths(user=user))
