"""The read-replica router (core/db_router.py): its rules without a replica, then against a real streaming
replica (``pg_basebackup -R``, tests/support/replica.py; ``make test-replica`` gives it a primary that allows
replication).
"""

import time

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import OrganisationUnit, User
from core.db_router import PRIMARY, REPLICA, ReplicaRouter, replica_reads, replica_reads_block
from tests.accounts.factories import OrganisationUnitFactory, UserFactory
from tests.support.replica import replica_wait

# DATABASE_REPLICA_URL set (make test-replica): the alias and the router, as in production.
REPLICA_CONFIGURED = "replica" in settings.DATABASES
on_the_replica = [
    pytest.mark.skipif(not REPLICA_CONFIGURED, reason="no DATABASE_REPLICA_URL: make test-replica runs these"),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"] if REPLICA_CONFIGURED else ["default"]),
]


@pytest.fixture
def configured():
    """A ``replica`` alias in the settings (never connected to: these tests only ask the router)."""
    if REPLICA_CONFIGURED:
        yield ReplicaRouter()
        return
    connections.settings["replica"] = dict(connections["default"].settings_dict)
    yield ReplicaRouter()
    del connections.settings["replica"]


def test_without_a_replica_everything_reads_the_primary():
    configured = connections.settings.pop("replica", None)
    try:
        with replica_reads_block():
            assert ReplicaRouter().db_for_read(OrganisationUnit) == PRIMARY
    finally:
        if configured is not None:
            connections.settings["replica"] = configured


def test_the_settings_add_the_alias_and_the_router_only_with_a_replica_url(monkeypatch):
    from lms.settings.replica import replica_databases, replica_routers

    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    assert replica_databases({}) == {} and replica_routers({}) == []
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://lector@10.0.0.2:5433/kynangso")
    databases = replica_databases({"CONN_MAX_AGE": 60})
    replica = databases["replica"]
    assert (replica["HOST"], replica["PORT"], replica["NAME"], replica["CONN_MAX_AGE"]) == (
        "10.0.0.2",
        5433,
        "kynangso",
        60,
    )
    assert replica_routers(databases) == ["core.db_router.ReplicaRouter"]


def test_the_rules(configured):
    router = configured
    assert router.db_for_read(OrganisationUnit) == PRIMARY  # outside a replica_reads block
    with replica_reads_block():
        assert router.db_for_read(OrganisationUnit) == REPLICA
        assert router.db_for_read(User) == PRIMARY  # people, sessions, permissions: always fresh
        from django.contrib.sessions.models import Session

        assert router.db_for_read(Session) == PRIMARY
        assert router.db_for_write(OrganisationUnit) == PRIMARY


def test_a_block_that_wrote_reads_its_own_writes_from_the_primary(configured):
    router = configured
    with replica_reads_block():
        assert router.db_for_read(OrganisationUnit) == REPLICA
        router.db_for_write(OrganisationUnit)
        assert router.db_for_read(OrganisationUnit) == PRIMARY
    with replica_reads_block():  # the next request starts afresh
        assert router.db_for_read(OrganisationUnit) == REPLICA


@pytest.mark.django_db
def test_inside_a_transaction_reads_stay_on_the_primary(configured):
    with replica_reads_block(), transaction.atomic():
        assert configured.db_for_read(OrganisationUnit) == PRIMARY


def test_migrations_run_only_on_the_primary(configured):
    assert configured.allow_migrate(PRIMARY, "accounts") and not configured.allow_migrate(REPLICA, "accounts")


# Against a real streaming replica ---------------------------------------------------------------


@on_the_replica[0]
@on_the_replica[1]
def test_the_replica_follows_the_primary_and_refuses_writes(replica_alias):
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True
    lags = []
    for number in range(20):
        unit = OrganisationUnitFactory(name=f"Xã Sao Chép {number}")
        lags.append(replica_wait("SELECT 1 FROM accounts_organisationunit WHERE id = %s", [unit.pk]))
    lags.sort()
    print(f"\nreplication lag seen by a reader: median {lags[10] * 1000:.1f} ms, max {lags[-1] * 1000:.1f} ms")
    print(f"replica made and started in {replica_alias.started_seconds:.2f} s")
    from django.db.utils import InternalError, OperationalError

    with pytest.raises((InternalError, OperationalError)), connections["replica"].cursor() as cursor:
        cursor.execute("INSERT INTO django_session (session_key, session_data, expire_date) VALUES ('x', 'x', now())")


@on_the_replica[0]
@on_the_replica[1]
def test_the_dashboard_reads_the_replica_and_writes_nothing_there(client, replica_alias):
    leader = UserFactory(is_staff=True, is_superuser=True, email="lanhdao@example.vn")
    unit = OrganisationUnitFactory(name="Xã Mới Thêm")
    replica_wait("SELECT 1 FROM accounts_organisationunit WHERE id = %s", [unit.pk])
    client.force_login(leader)
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        started = time.monotonic()
        response = client.get(reverse("insights_dashboard"))
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert "Xã Mới Thêm" in response.content.decode()  # written to the primary, read from the replica
    replica_sql = [query["sql"] for query in on_replica.captured_queries]
    primary_sql = [query["sql"] for query in on_primary.captured_queries]
    assert replica_sql and all(sql.lstrip().upper().startswith(("SELECT", "WITH")) for sql in replica_sql)
    assert any("insights_" in sql or "accounts_organisationunit" in sql for sql in replica_sql)
    # On the primary only what must be fresh: the session and the person signed in.
    assert not any("accounts_organisationunit" in sql for sql in primary_sql), primary_sql
    print(f"\ndashboard: {len(replica_sql)} queries on the replica, {len(primary_sql)} on the primary, {elapsed:.2f} s")


@on_the_replica[0]
@on_the_replica[1]
def test_a_write_in_a_replica_block_then_its_read_use_the_primary(replica_alias):
    @replica_reads
    def view():
        before = OrganisationUnit.objects.all()
        assert before.db == REPLICA
        unit = OrganisationUnitFactory(name="Xã Vừa Ghi")
        # Replication has not necessarily caught up: the read must go to the primary.
        after = OrganisationUnit.objects.filter(pk=unit.pk)
        assert after.db == PRIMARY and after.exists()
        return unit

    view()
    assert OrganisationUnit.objects.all().db == PRIMARY  # outside the block
