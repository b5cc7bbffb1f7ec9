"""A real PostgreSQL streaming replica of the test database's server, for the read-replica router's tests.

``streaming_replica`` (session): on the primary the tests use, a replication role and a physical replication
slot; ``pg_basebackup -R`` of the primary into a temporary folder (which writes ``standby.signal`` and
``primary_conninfo``); a second postgres started on it with ``pg_ctl`` on a free port (as the ``postgres`` user
when the tests run as root). The replica follows the primary by streaming replication, read-only (hot standby).
Everything is removed at the end: the server stopped, the folder, the slot and the role dropped.

The replica is configured as the application configures it: ``DATABASE_REPLICA_URL`` (its port chosen before it
runs) gives the ``replica`` alias and the router; the test runner treats it as a mirror of the test database
(nothing is created on it) and ``replica_alias`` points the alias back at the replica's server. Without
``DATABASE_REPLICA_URL`` (the usual test run) these tests are skipped; ``make test-replica``
(.ci/test-replica.sh) starts a throwaway primary that allows replication connections and sets it. A primary
whose ``pg_hba.conf`` refuses replication, or missing PostgreSQL binaries, skip too (fail under CI or
``REPLICA_TEST_REQUIRED``).
"""

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Replica:
    port: int
    data: Path
    slot: str
    started_seconds: float  # base backup and start, measured


def _unavailable(reason):
    if os.environ.get("CI") or os.environ.get("REPLICA_TEST_REQUIRED"):
        pytest.fail(reason)
    pytest.skip(reason)


def _bin_dir(major):
    for candidate in (Path(f"/usr/lib/postgresql/{major}/bin"), Path("/usr/lib/postgresql/bin")):
        if (candidate / "pg_ctl").exists() and (candidate / "postgres").exists():
            return candidate
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _as_postgres(command, **kwargs):
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)


@pytest.fixture(scope="session")
def streaming_replica(django_db_setup, django_db_blocker):
    from django.db import connections

    primary = connections["default"]
    if primary.vendor != "postgresql":
        pytest.skip("a streaming replica needs PostgreSQL (DATABASE_URL=postgres://...)")
    with django_db_blocker.unblock():
        with primary.cursor() as cursor:
            cursor.execute("SHOW server_version_num")
            major = int(cursor.fetchone()[0]) // 10000
        bin_dir = _bin_dir(major)
        if bin_dir is None or not shutil.which("pg_basebackup"):
            _unavailable("PostgreSQL's server binaries (pg_ctl, postgres, pg_basebackup) are not installed")
        suffix = uuid.uuid4().hex[:8]
        role, slot = f"kn_replicator_{suffix}", f"kn_replica_{suffix}"
        with primary.cursor() as cursor:
            cursor.execute(f"CREATE ROLE {role} WITH REPLICATION LOGIN")
            cursor.execute("SELECT pg_create_physical_replication_slot(%s)", [slot])
    data = Path(tempfile.mkdtemp(prefix="kn-replica-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    data.chmod(0o700)
    settings = primary.settings_dict
    host, primary_port = settings.get("HOST") or "127.0.0.1", str(settings.get("PORT") or 5432)
    port = int(connections.settings["replica"]["PORT"])
    started = time.monotonic()
    process = None
    try:
        backup = _as_postgres(
            [
                str(bin_dir / "pg_basebackup") if (bin_dir / "pg_basebackup").exists() else "pg_basebackup",
                *("-h", host, "-p", primary_port, "-U", role, "-D", str(data), "-R", "-S", slot, "-X", "stream"),
                "--checkpoint=fast",
            ]
        )
        if backup.returncode:
            _unavailable(f"pg_basebackup failed (does pg_hba.conf allow replication?): {backup.stderr.strip()}")
        # Debian keeps postgresql.conf and pg_hba.conf outside the data folder: the replica gets its own.
        (data / "postgresql.conf").write_text(
            f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{data}'\n"
            "hot_standby = on\nshared_buffers = 16MB\nfsync = off\n"
            "hot_standby_feedback = on\nwal_receiver_status_interval = 1s\n"
        )
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        for name in ("postgresql.conf", "pg_hba.conf"):
            if os.geteuid() == 0:
                shutil.chown(data / name, "postgres", "postgres")
        process = _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(data / "log"), "-w", "start"])
        if process.returncode:
            log = (data / "log").read_text() if (data / "log").exists() else ""
            pytest.fail(f"the replica did not start: {process.stderr} {log[-2000:]}")
        yield Replica(port=port, data=data, slot=slot, started_seconds=time.monotonic() - started)
    finally:
        if process is not None:
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
        shutil.rmtree(data, ignore_errors=True)
        with django_db_blocker.unblock(), primary.cursor() as cursor:
            cursor.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s", [slot]
            )
            cursor.execute(f"DROP ROLE IF EXISTS {role}")


@pytest.fixture
def replica_alias(streaming_replica):
    """The ``replica`` alias on the running replica's server (the test runner made it a mirror of ``default``).

    Used with ``django_db(transaction=True, databases=["default", "replica"])``: the test's rows are really
    committed (a replica sees only what the primary committed).
    """
    from django.db import connections

    configured = connections.settings["replica"]
    replica = connections["replica"]
    replica.close()
    replica.settings_dict = {
        **connections["default"].settings_dict,
        "HOST": configured["HOST"] or "127.0.0.1",
        "PORT": configured["PORT"],
    }
    yield streaming_replica
    replica.close()


def replica_wait(query, params=(), *, timeout=10.0):
    """Seconds until ``query`` returns a row on the replica (replication lag as the reader sees it)."""
    from django.db import connections

    started = time.monotonic()
    while True:
        with connections["replica"].cursor() as cursor:
            cursor.execute(query, params)
            if cursor.fetchone():
                return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not replicated within {timeout} s: {query} {params}")
        time.sleep(0.005)
