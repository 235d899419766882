#!/usr/bin/env bash
# Start a local PostgreSQL for the tests (installing Debian's package as root when missing) and print
# TEST_POSTGRES_URL=... for the Makefile. Prints nothing when PostgreSQL cannot be had here; the
# PostgreSQL half of the tests then skips with a reason.
set -uo pipefail
FIRST_PORT=${TEST_POSTGRES_PORT:-5433}
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
RUNAS=()
[ "$(id -u)" = "0" ] && RUNAS=(runuser -u postgres --)
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Use our own server on the first port where it runs or can start; skip ports held by other servers.
STARTED=""
for PORT in $(seq "$FIRST_PORT" $((FIRST_PORT + 9))); do
  DATA=${TEST_POSTGRES_DIR:-/tmp/planner-pg-$PORT}
  if [ -f "$DATA/PG_VERSION" ] && "${RUNAS[@]}" "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    STARTED=yes; break
  fi
  port_busy "$PORT" && continue
  mkdir -p "$DATA"
  [ "$(id -u)" = "0" ] && chown postgres:postgres "$DATA"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    "${RUNAS[@]}" "$BIN/initdb" -D "$DATA" -A trust -U postgres >/dev/null 2>&1 || { echo "start-postgres: initdb failed" >&2; exit 0; }
  fi
  if "${RUNAS[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
      -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1; then
    STARTED=yes; break
  fi
  echo "start-postgres: no server on port $PORT (see $DATA/server.log)" >&2
done
[ -n "$STARTED" ] || { echo "start-postgres: could not start PostgreSQL" >&2; exit 0; }
"$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1 \
  || "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE DATABASE $DB" >&2
echo "TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"
