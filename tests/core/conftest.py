"""A streaming replica of the test database's server, for the read-replica router's tests."""

from tests.support.replica import replica_alias, streaming_replica  # noqa: F401 (fixtures)
