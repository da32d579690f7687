# Sourced by scripts/test: a throwaway PostgreSQL cluster on a free loopback port, for tests.
# pg_start exports BILLPIPE_TEST_PG (a libpq connection string); pg_stop stops it and removes it.
# Every role connects without a password (trust) except BILLPIPE_TEST_PG_PASSWORD_ROLE (billpipe_pw), which
# must give one (scram-sha-256): tests of stored destination passwords create it with a password of their own.
pg_start() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PG_DIR=$(mktemp -d /tmp/billpipe-pg-XXXXXX)
  chmod 755 "$PG_DIR"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local as=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bindir/initdb" -D "$PG_DIR/data" -U billpipe --auth=trust -E UTF8 >/dev/null
  # The first matching line wins: billpipe_pw's comes before initdb's trust lines.
  "${as[@]}" sh -c "{ echo 'host all billpipe_pw 127.0.0.1/32 scram-sha-256'; cat '$PG_DIR/data/pg_hba.conf'; } \
    >'$PG_DIR/data/pg_hba.new' && mv '$PG_DIR/data/pg_hba.new' '$PG_DIR/data/pg_hba.conf'"
  "${as[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  "${as[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U billpipe billpipe_test
  export BILLPIPE_TEST_PG="host=127.0.0.1 port=$port user=billpipe dbname=billpipe_test"
  export BILLPIPE_TEST_PG_PASSWORD_ROLE=billpipe_pw
  PG_BINDIR=$bindir
  PG_AS=("${as[@]}")
  echo "== PostgreSQL on 127.0.0.1:$port"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  "${PG_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=
}
