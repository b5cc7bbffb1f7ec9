"""xAPI through a real Celery worker to the real Ralph LRS: queued after commit, sent in order, retried
while Ralph is down, and safe when the task runs twice."""

import pytest

from outreach.models import Statement
from outreach.tasks import xapi_send
from tests.accounts.factories import UserFactory
from tests.outreach.support import worker_running
from tests.outreach.xapi.test_statements import COURSE_VERBS, a_course, agent, learn_all, verbs
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(scope="module")
def xapi_worker(django_db_setup, django_db_blocker, ralph):
    env = {
        "XAPI_ENDPOINT": ralph.endpoint,
        "XAPI_USERNAME": ralph.username,
        "XAPI_PASSWORD": ralph.password,
        "XAPI_RETRY_BASE_SECONDS": "0.5",
        "XAPI_RETRY_MAX_SECONDS": "2",
        "XAPI_TIMEOUT": "5",
    }
    with worker_running(django_db_blocker, "xapi", env, {}) as worker:
        yield worker


def all_sent(count):
    def done():
        rows = Statement.objects.all()
        return rows.count() == count and rows.filter(status=Statement.Status.SENT).count() == count

    return done


def test_the_worker_delivers_in_order_once_though_the_task_runs_twice(xapi_on, xapi_worker, home_page):
    ralph = xapi_on
    course = a_course(home_page)
    people = [UserFactory() for _ in range(3)]
    for person in people:
        learn_all(person, course)
    assert wait_until(all_sent(8 * len(people)), timeout=90)
    xapi_send.delay(list(Statement.objects.values_list("pk", flat=True)))  # again: nothing new
    xapi_send.delay([])
    for person in people:
        stored = ralph.statements(agent=agent(person))
        assert verbs(stored) == COURSE_VERBS
        rows = Statement.objects.filter(learner=person).order_by("pk")
        assert [statement["id"] for statement in stored] == [str(row.statement_id) for row in rows]
    assert wait_until(lambda: not Statement.objects.exclude(status=Statement.Status.SENT).exists())
    assert sum(len(ralph.statements(agent=agent(person))) for person in people) == 24


def test_the_worker_retries_while_ralph_is_down_then_delivers_in_order(xapi_on, xapi_worker, home_page):
    ralph = xapi_on
    course = a_course(home_page)
    person = UserFactory()
    ralph.stop()
    learn_all(person, course)
    assert wait_until(lambda: Statement.objects.filter(attempts__gte=2, last_error__contains="Connection").exists())
    assert not Statement.objects.filter(status=Statement.Status.SENT).exists()
    ralph.start()
    assert wait_until(all_sent(8), timeout=90)
    assert verbs(ralph.statements(agent=agent(person))) == COURSE_VERBS
