#!/usr/bin/env bash
# Start a local PostgreSQL for the tests (installing Debian's package as root when missing) and print
# TEST_POSTGRES_URL=... for the Makefile. Prints nothing when PostgreSQL cannot be had here; the
# PostgreSQL half of the tests then skips with a reason.
set -uo pipefail
PORT=${TEST_POSTGRES_PORT:-5433}
DB=planner_test
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    export DEBIAN_FRONTEND=noninteractive
    (apt-get update -qq && apt-get install -y -qq postgresql >/dev/null) >&2 || exit 0
  else
    echo "start-postgres: PostgreSQL is not installed and this is not root" >&2
    exit 0
  fi
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
DATA=${TEST_POSTGRES_DIR:-/tmp/planner-pg-$PORT}
RUNAS=()
if [ "$(id -u)" = "0" ]; then
  RUNAS=(runuser -u postgres --)
  mkdir -p "$DATA" && chown postgres:postgres "$DATA"
fi
if [ ! -f "$DATA/PG_VERSION" ]; then
  "${RUNAS[@]}" "$BIN/initdb" -D "$DATA" -A trust -U postgres >/dev/null 2>&1 || { echo "start-postgres: initdb failed" >&2; exit 0; }
fi
if ! "${RUNAS[@]}" "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  "${RUNAS[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1 \
    || { echo "start-postgres: the server did not start (see $DATA/server.log)" >&2; exit 0; }
fi
"$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1 \
  || "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE DATABASE $DB" >&2
echo "TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"
