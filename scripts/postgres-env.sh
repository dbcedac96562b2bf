# Starts a private PostgreSQL 15 cluster for the tests: initdb in a temporary folder, the server on a
# Unix socket in that folder (trust authentication for the cluster's one role) and on 127.0.0.1 at a
# port from the kernel, TLS only (a certificate from a CA made for the run, SCRAM password). As root
# the cluster belongs to Debian's postgres user (PostgreSQL refuses to run as root); otherwise to the
# caller. Sourced by scripts/test; started once per run, stopped by PID.
# Exports TOKENCERT_TEST_POSTGRES_URL (postgres://tokencert@/postgres?host=<socket folder>&port=P); tests
# create a fresh database each from it. For the TLS tests: TOKENCERT_TEST_POSTGRES_TLS_URL
# (postgres://tokencert@127.0.0.1:P/postgres?sslmode=verify-full&sslrootcert=<the run's CA>) and
# TOKENCERT_TEST_POSTGRES_PASSWORD_FILE.

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
  # TLS on loopback: a CA for this run and a server certificate for 127.0.0.1 and localhost.
  local tls="$POSTGRES_DIR/tls"
  mkdir -p "$tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=TokenCert test PostgreSQL CA" \
    -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$tls/server.ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
    -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null || { echo "could not make the PostgreSQL TLS certificate" >&2; return 1; }
  chmod 0600 "$tls/server.key" "$tls/ca.key"
  [ "$(id -u)" -eq 0 ] && chown -R postgres: "$tls"
  # The socket: trust. TCP: TLS with a password only.
  printf 'local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 127.0.0.1/32 reject\n' > "$POSTGRES_DIR/data/pg_hba.conf"
  POSTGRES_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${run[@]}" "$bin/postgres" -D "$POSTGRES_DIR/data" -k "$POSTGRES_DIR" -p "$POSTGRES_PORT" -c listen_addresses=127.0.0.1 -c max_connections=200 \
    -c ssl=on -c ssl_cert_file="$tls/server.pem" -c ssl_key_file="$tls/server.key" \
    -c fsync=off -c synchronous_commit=off > "$POSTGRES_DIR/postgres.log" 2>&1 &
  POSTGRES_PID=$!
  local i
  for i in $(seq 1 100); do
    if [ -S "$POSTGRES_DIR/.s.PGSQL.$POSTGRES_PORT" ] && "${run[@]}" "$bin/pg_isready" -q -h "$POSTGRES_DIR" -p "$POSTGRES_PORT" -U tokencert 2>/dev/null; then break; fi
    if ! kill -0 "$POSTGRES_PID" 2>/dev/null; then
      echo "postgres exited at start; its log:" >&2; cat "$POSTGRES_DIR/postgres.log" >&2; return 1
    fi
    sleep 0.1
  done
  [ -S "$POSTGRES_DIR/.s.PGSQL.$POSTGRES_PORT" ] || { echo "postgres did not start within 10 s; its log:" >&2; cat "$POSTGRES_DIR/postgres.log" >&2; return 1; }
  export TOKENCERT_TEST_POSTGRES_URL="postgres://tokencert@/postgres?host=$POSTGRES_DIR&port=$POSTGRES_PORT"
  # The role's password for TLS logins (written to a file readable by the tests, never on a command line).
  local password
  password=$(openssl rand -hex 16)
  printf '%s\n' "$password" > "$POSTGRES_DIR/password"
  chmod 0644 "$POSTGRES_DIR/password"
  printf "ALTER ROLE tokencert PASSWORD '%s';\n" "$password" | "${run[@]}" /usr/bin/psql -q -h "$POSTGRES_DIR" -p "$POSTGRES_PORT" -U tokencert -d postgres -f - \
    || { echo "could not set the PostgreSQL test password" >&2; return 1; }
  export TOKENCERT_TEST_POSTGRES_TLS_URL="postgres://tokencert@127.0.0.1:$POSTGRES_PORT/postgres?sslmode=verify-full&sslrootcert=$tls/ca.pem"
  export TOKENCERT_TEST_POSTGRES_PASSWORD_FILE="$POSTGRES_DIR/password"
  echo "postgres started (pid $POSTGRES_PID), socket in $POSTGRES_DIR, TLS on 127.0.0.1:$POSTGRES_PORT, log $POSTGRES_DIR/postgres.log"
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
