#!/usr/bin/env bash
# make test-replica: the read-replica router against a real streaming replica (docs/deployment.md#read-replica).
# Starts a throwaway PostgreSQL primary that allows replication connections (the shared development server's
# pg_hba.conf may not), then runs tests/core/test_db_router.py on it: its fixture makes the replication role and
# slot, runs pg_basebackup -R and starts the replica on the port DATABASE_REPLICA_URL names (tests/support/replica.py). Everything is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
major=$(ls /usr/lib/postgresql | sort -n | tail -1)
bin=/usr/lib/postgresql/$major/bin
data=$(mktemp -d /tmp/kn-primary-XXXXXX)
free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
replica_port=$(free_port)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$data"
cleanup() { as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$data"; }
trap cleanup EXIT
as_pg "$bin/initdb" -D "$data" -U postgres -A trust --no-sync >/dev/null
cat >> "$data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$data'
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
fsync = off
CONF
echo "host replication all 127.0.0.1/32 trust" >> "$data/pg_hba.conf"
as_pg "$bin/pg_ctl" -D "$data" -l "$data/log" -w start >/dev/null
start=$(date +%s.%N)
env -u CACHE_URL REPLICA_TEST_REQUIRED=1 DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres" \
  DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:$replica_port/postgres" \
  CELERY_BROKER_URL="${CELERY_BROKER_URL:-}" \
  .venv/bin/python -m pytest -q -p no:cacheprovider --create-db -s tests/core/test_db_router.py "$@"
echo "test-replica: $(echo "$(date +%s.%N) - $start" | bc) s in all (primary's test database, replica, tests)"
