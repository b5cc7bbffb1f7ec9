"""A read replica for the insights dashboard (core/db_router.py, docs/deployment.md#read-replica).

``DATABASE_REPLICA_URL`` set (a PostgreSQL streaming replica of ``DATABASE_URL``): the alias ``replica`` and the
router that sends the dashboard's reads there. Unset: one database, no router.
"""

import dj_database_url

from .environment import env


def replica_databases(primary: dict) -> dict:
    """``{"replica": ...}`` when ``DATABASE_REPLICA_URL`` is set, else ``{}``."""
    url = env("DATABASE_REPLICA_URL")
    if not url:
        return {}
    replica = dj_database_url.parse(url, conn_max_age=primary.get("CONN_MAX_AGE", 0), conn_health_checks=True)
    # Tests: the test runner creates nothing on a read-only replica (a mirror of the test database;
    # tests/support/replica.py points the alias back at the replica's server once it is set up).
    replica["TEST"] = {"MIRROR": "default"}
    return {"replica": replica}


def replica_routers(databases: dict) -> list[str]:
    return ["core.db_router.ReplicaRouter"] if "replica" in databases else []
