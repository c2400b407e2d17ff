#!/usr/bin/env bash
# PostgreSQL 15 for the indexer's tests and benchmarks: a server on 127.0.0.1:5432 with the role and
# database "neural" (password "neural"). Idempotent. Uses Debian's cluster 15/main when it exists on port
# 5432 (the postgresql package creates it), else an own data directory under /tmp.
set -euo pipefail

VER=15
PORT=5432
BIN=/usr/lib/postgresql/$VER/bin
DATA=/tmp/neural-postgres-$VER

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
ready() { pg_isready -q -h 127.0.0.1 -p "$PORT"; }

if [ ! -x "$BIN/postgres" ]; then
  echo "postgres.sh: PostgreSQL $VER is not installed (apt-get install postgresql)" >&2
  exit 1
fi

if ! ready; then
  if pg_lsclusters -h 2>/dev/null | awk '{print $1, $2, $3}' | grep -qx "$VER main $PORT"; then
    pg_ctlcluster "$VER" main start
  else
    if [ ! -s "$DATA/PG_VERSION" ]; then
      mkdir -p "$DATA"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
      as_postgres "$BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    fi
    as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DATA" start >/dev/null
  fi
  for _ in $(seq 1 30); do ready && break; sleep 1; done
fi
ready || { echo "postgres.sh: PostgreSQL did not come up on 127.0.0.1:$PORT" >&2; exit 1; }

# Superuser connection over the server's unix socket (peer / trust auth).
socket_dir=/var/run/postgresql
[ -S "$DATA/.s.PGSQL.$PORT" ] && socket_dir=$DATA
psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$socket_dir" -p "$PORT" -U postgres -d postgres "$@"; }

psql_admin <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'neural') THEN
    CREATE ROLE neural LOGIN PASSWORD 'neural';
  ELSE
    ALTER ROLE neural LOGIN PASSWORD 'neural';
  END IF;
END
$$;
SQL
if ! psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = 'neural'" | grep -q 1; then
  psql_admin -c "CREATE DATABASE neural OWNER neural"
fi

PGPASSWORD=neural psql -X -q -h 127.0.0.1 -p "$PORT" -U neural -d neural -tAc "SELECT 'postgres ready: ' || version()"
