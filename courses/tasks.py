"""Celery tasks of the learning layer: thin, take ids, safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True)
def training_assign_people(user_ids):
    """Create, move or cancel the assignments of these people (after an import or a unit move)."""
    from .training_services import assignments_sync

    return assignments_sync(user_ids=user_ids)


@shared_task(acks_late=True)
def training_assign_requirement(requirement_id):
    """Assign everyone a requirement matches (after it was saved)."""
    from .training_services import assignments_sync

    return assignments_sync(requirement_ids=[requirement_id])


@shared_task(acks_late=True)
def training_sync_all():
    """Nightly: every requirement against everyone; opens renewal cycles whose window has come."""
    from .training_services import assignment_unit_paths_refresh, assignments_sync

    assignment_unit_paths_refresh()
    return assignments_sync()


@shared_task(acks_late=True)
def training_unit_paths_refresh():
    """After the unit tree changed: the compliance roll-up follows the new paths."""
    from .training_services import assignment_unit_paths_refresh

    return assignment_unit_paths_refresh()
