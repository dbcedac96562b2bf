# Starts a private PostgreSQL 15 cluster for the tests: initdb in a temporary folder, the server on a
# Unix socket in that folder only (no TCP), trust authentication for the cluster's one role. As root
# the cluster belongs to Debian's postgres user (PostgreSQL refuses to run as root); otherwise to the
# caller. Sourced by scripts/test; started once per run, stopped by PID.
# Exports TOKENCERT_TEST_POSTGRES_URL (postgres://tokencert@/postgres?host=<socket folder>); tests create
# a fresh database each from it.

start_test_postgres() {
  local bin=/usr/lib/postgresql/15/bin
  [ -x "$bin/initdb" ] || { echo "PostgreSQL 15 is missing: apt-get install postgresql" >&2; return 1; }
  POSTGRES_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tokencert-postgres.XXXXXX")
  local run=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$POSTGRES_DIR"
    chmod 0755 "$POSTGRES_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$POSTGRES_DIR/data" -U tokencert --auth=trust -E UTF8 --locale=C.UTF-8 \
    > "$POSTGRES_DIR/initdb.log" 2>&1 || { echo "initdb failed; its log:" >&2; cat "$POSTGRES_DIR/initdb.log" >&2; return 1; }
  "${run[@]}" "$bin/postgres" -D "$POSTGRES_DIR/data" -k "$POSTGRES_DIR" -c listen_addresses='' -c max_connections=200 \
    -c fsync=off -c synchronous_commit=off > "$POSTGRES_DIR/postgres.log" 2>&1 &
  POSTGRES_PID=$!
  local i
  for i in $(seq 1 100); do
    if [ -S "$POSTGRES_DIR/.s.PGSQL.5432" ] && "${run[@]}" "$bin/pg_isready" -q -h "$POSTGRES_DIR" -U tokencert 2>/dev/null; then break; fi
    if ! kill -0 "$POSTGRES_PID" 2>/dev/null; then
      echo "postgres exited at start; its log:" >&2; cat "$POSTGRES_DIR/postgres.log" >&2; return 1
    fi
    sleep 0.1
  done
  [ -S "$POSTGRES_DIR/.s.PGSQL.5432" ] || { echo "postgres did not start within 10 s; its log:" >&2; cat "$POSTGRES_DIR/postgres.log" >&2; return 1; }
  export TOKENCERT_TEST_POSTGRES_URL="postgres://tokencert@/postgres?host=$POSTGRES_DIR"
  echo "postgres started (pid $POSTGRES_PID), socket in $POSTGRES_DIR, log $POSTGRES_DIR/postgres.log"
}

stop_test_postgres() {
  # The postmaster's own PID (as root POSTGRES_PID is runuser's, its parent); SIGINT is a fast shutdown.
  local postmaster=""
  [ -n "${POSTGRES_DIR:-}" ] && [ -f "$POSTGRES_DIR/data/postmaster.pid" ] && postmaster=$(head -1 "$POSTGRES_DIR/data/postmaster.pid")
  local pid i
  for pid in $postmaster ${POSTGRES_PID:-}; do
    kill -0 "$pid" 2>/dev/null || continue
    kill -INT "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  [ -n "${POSTGRES_DIR:-}" ] && rm -rf "$POSTGRES_DIR"
  return 0
}
