"""Mandatory training through a real Celery worker and broker: assignment after a save, a move, twice."""

import pytest

from accounts.hooks import people_changed_hooks_run
from accounts.models import User
from courses.models import Assignment, TrainingRequirement
from courses.training.tasks import assign_requirement, requirement_saved, sync_all
from tests.accounts.factories import OrganisationUnitFactory, UserFactory
from tests.courses.factories import course_create
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_saved_requirement_and_moved_person_are_assigned_by_the_worker(celery_worker, home_page):
    province = OrganisationUnitFactory(name="Tỉnh", code="W-P", kind="province")
    commune = OrganisationUnitFactory(name="Xã", code="W-C", parent=province)
    other = OrganisationUnitFactory(name="Xã khác", code="W-O", parent=province)
    people = [UserFactory(kind=User.Kind.CIVIL_SERVANT, organisation_unit=commune) for _ in range(3)]
    newcomer = UserFactory(kind=User.Kind.CIVIL_SERVANT, organisation_unit=other)
    course = course_create(home_page, title="Khóa bắt buộc")
    requirement = TrainingRequirement.objects.create(
        name="Bắt buộc", course=course, due_rule="after_assigned", due_days=30
    )
    requirement.units.set([commune])

    requirement_saved(requirement=requirement)  # outside a transaction: enqueued at once
    assert wait_until(lambda: Assignment.objects.filter(requirement=requirement).count() == 3)
    assert {a.user_id for a in Assignment.objects.all()} == {p.pk for p in people}

    # The newcomer moves into the commune: the accounts layer's hook reaches the worker.
    User.objects.filter(pk=newcomer.pk).update(organisation_unit=commune)
    people_changed_hooks_run([newcomer.pk])
    assert wait_until(lambda: Assignment.objects.filter(user=newcomer, is_current=True).exists())

    # Twice, concurrently queued: nothing new.
    first, second = sync_all.delay(), assign_requirement.delay(requirement.pk)
    first.get(timeout=60)
    second.get(timeout=60)
    assert Assignment.objects.filter(requirement=requirement).count() == 4
