"""Celery tasks of mandatory training (thin, take ids, safe to run twice), and what enqueues them.

``courses.tasks`` imports this module (Celery autodiscovers only ``<app>.tasks``). The tasks had
no explicit names before; their old implicit names (``courses.tasks.<function>``) stay routable
through ``core.tasks.task_renamed`` until the queues drain.
"""

from collections.abc import Iterable

from celery import shared_task
from django.db import transaction

from core.tasks import task_renamed

from .models import TrainingRequirement
from .services import assignment_unit_paths_refresh, assignments_sync


@shared_task(name="courses.training.assign_people", acks_late=True)
def assign_people(user_ids: list[int]) -> dict[str, int]:
    """Create, move or cancel the assignments of these people (after an import or a unit move)."""
    return assignments_sync(user_ids=user_ids)


task_renamed("courses.tasks.training_assign_people", assign_people)


@shared_task(name="courses.training.assign_requirement", acks_late=True)
def assign_requirement(requirement_id: int) -> dict[str, int]:
    """Assign everyone a requirement matches (after it was saved)."""
    return assignments_sync(requirement_ids=[requirement_id])


task_renamed("courses.tasks.training_assign_requirement", assign_requirement)


@shared_task(name="courses.training.sync_all", acks_late=True)
def sync_all() -> dict[str, int]:
    """Nightly: every requirement against everyone; opens renewal cycles whose window has come."""
    assignment_unit_paths_refresh()
    return assignments_sync()


task_renamed("courses.tasks.training_sync_all", sync_all)


@shared_task(name="courses.training.unit_paths_refresh", acks_late=True)
def unit_paths_refresh() -> int:
    """After the unit tree changed: the compliance roll-up follows the new paths."""
    return assignment_unit_paths_refresh()


task_renamed("courses.tasks.training_unit_paths_refresh", unit_paths_refresh)


# What enqueues them, once the transaction commits ----------------------------------------


def people_changed(user_ids: Iterable[int]) -> None:
    """Hook (ACCOUNTS_PEOPLE_CHANGED_HOOKS, called as ``hook(user_ids)``): assign these people once committed."""
    user_ids = sorted(set(user_ids))
    transaction.on_commit(lambda: assign_people.delay(user_ids))


def units_changed() -> None:
    """Hook (ACCOUNTS_UNITS_CHANGED_HOOKS): refresh the copied unit paths once the change is committed."""
    transaction.on_commit(unit_paths_refresh.delay)


def requirement_saved(*, requirement: TrainingRequirement) -> None:
    """Assign everyone the requirement matches, in the background, once it is committed."""
    transaction.on_commit(lambda: assign_requirement.delay(requirement.pk))
