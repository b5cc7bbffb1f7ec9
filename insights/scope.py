"""Who the figures are about: the part of the organisation a viewer may see, and the people in it.

A ``Scope`` is everything, or the sub-trees of the units a manager manages. People are placed by
their organisation unit: a sub-tree is a treebeard path prefix (``path LIKE 'prefix%'``), never a
walk of the tree in Python.
"""

from dataclasses import dataclass

from django.db.models import Q

from accounts.models import OrganisationUnit, User
from accounts.selectors import managed_units, unit_in_units


@dataclass(frozen=True)
class Scope:
    """The part of the organisation someone may see: everything, or the sub-trees of ``roots``."""

    roots: tuple = ()  # OrganisationUnits, disjoint sub-trees; empty: everything

    @property
    def everything(self) -> bool:
        return not self.roots

    def contains(self, unit: OrganisationUnit) -> bool:
        return self.everything or unit_in_units(unit=unit, units=self.roots)


EVERYTHING = Scope()


def scope_for(*, user: User) -> Scope | None:
    """Everything for ``insights.view_province`` (leaders, the training office); else the units ``user`` manages."""
    if user.has_perm("insights.view_province"):
        return EVERYTHING
    roots = managed_units(user=user)
    return Scope(tuple(roots)) if roots else None


def scope_paths(*, scope: Scope, unit: OrganisationUnit | None) -> list[str] | None:
    """The sub-trees the figures are narrowed to: ``unit``'s, else the scope's roots (None: no narrowing)."""
    if unit is not None:
        return [unit.path]
    return None if scope.everything else [root.path for root in scope.roots]


def units_q(*, paths: list[str]) -> Q:
    """Units under one of ``paths``."""
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return condition


def people_q(*, prefix: str, paths: list[str] | None) -> Q:
    """People (through ``prefix``, e.g. ``"user__"``) whose unit is under one of ``paths``; None: no filter."""
    if paths is None:
        return Q()
    units = OrganisationUnit.objects.filter(units_q(paths=paths)).values("pk")
    return Q(**{f"{prefix}organisation_unit__in": units})
