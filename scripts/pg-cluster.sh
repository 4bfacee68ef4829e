#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and local runs.
#
#   pg-cluster.sh start DIR PORT          initdb (once) and start a cluster in DIR on
#                                         127.0.0.1:PORT, create database csrd_test and print
#                                         postgresql://postgres@127.0.0.1:PORT/csrd_test
#   pg-cluster.sh stop DIR                stop it (fast shutdown); OK if not running
#   pg-cluster.sh createdb DIR PORT NAME  create database NAME if missing and print its URL
#
# Every command is idempotent. The cluster trusts every connection, so it listens on
# 127.0.0.1 only and its Unix socket lives in DIR (mode 0700): never use it for real data.
# fsync stays on, so durability tests mean something. PostgreSQL refuses to run as root:
# run as root, the script hands DIR to the postgres user and runs the server as that user;
# run as anyone else, the server runs as the caller (the superuser is still named postgres).
# PG_BINDIR overrides the server binaries (default: the newest /usr/lib/postgresql/*/bin).
set -euo pipefail

die() { echo "pg-cluster.sh: $*" >&2; exit 1; }

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

find_bindir() {
  if [[ -n "${PG_BINDIR:-}" ]]; then
    echo "$PG_BINDIR"
    return
  fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n "$d" && -x "$d/initdb" ]] || die "no PostgreSQL server found under /usr/lib/postgresql (apt-get install postgresql)"
  echo "$d"
}

BIN=$(find_bindir)

# Runs a command as the cluster's owner.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

check_port() {
  [[ "$1" =~ ^[0-9]+$ ]] && (( $1 > 0 && $1 < 65536 )) || die "bad port: $1"
}

check_dbname() {
  [[ "$1" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "bad database name: $1 (use [a-z_][a-z0-9_]*)"
}

# Prepares DIR (owned by the server's user, mode 0700) and runs initdb once.
init_cluster() {
  local dir=$1
  mkdir -p "$dir"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "no postgres user (install the postgresql package)"
    chown postgres:postgres "$dir"
    runuser -u postgres -- test -w "$dir" ||
      die "user postgres cannot reach $dir (is a parent directory private to root?)"
  fi
  chmod 700 "$dir"
  [[ -f "$dir/data/PG_VERSION" ]] && return 0
  rm -rf "$dir/data"
  as_owner "$BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # Trust only the private socket and loopback IPv4.
  as_owner tee "$dir/data/pg_hba.conf" >/dev/null <<'EOF'
local all all trust
host  all all 127.0.0.1/32 trust
EOF
  as_owner tee -a "$dir/data/postgresql.conf" >/dev/null <<EOF

# pg-cluster.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 200
logging_collector = off
EOF
}

is_running() {
  as_owner "$BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

# The port of the running cluster, from postmaster.pid (line 4).
running_port() {
  sed -n 4p "$1/data/postmaster.pid" 2>/dev/null || true
}

psql_cmd() {
  local port=$1
  shift
  as_owner "$BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"
}

wait_ready() {
  local port=$1 i
  for i in $(seq 1 300); do
    if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then return 0; fi
    sleep 0.1
  done
  die "server on 127.0.0.1:$port did not accept connections within 30 s"
}

ensure_db() {
  local port=$1 name=$2
  check_dbname "$name"
  local have
  have=$(psql_cmd "$port" -tA -c "SELECT 1 FROM pg_database WHERE datname = '$name'")
  if [[ "$have" != 1 ]]; then
    # Two callers racing: the loser's CREATE fails with duplicate_database; re-check.
    psql_cmd "$port" -c "CREATE DATABASE \"$name\"" >/dev/null 2>&1 ||
      [[ $(psql_cmd "$port" -tA -c "SELECT 1 FROM pg_database WHERE datname = '$name'") == 1 ]] ||
      die "cannot create database $name"
  fi
  echo "postgresql://postgres@127.0.0.1:$port/$name"
}

cmd_start() {
  local dir port
  dir=$(realpath -m "$1")
  port=$2
  check_port "$port"
  init_cluster "$dir"
  if is_running "$dir"; then
    local have
    have=$(running_port "$dir")
    [[ "$have" == "$port" ]] || die "cluster in $dir already runs on port $have, not $port"
  else
    as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-p $port" start >/dev/null ||
      { tail -n 20 "$dir/postgres.log" >&2 || true; die "pg_ctl start failed"; }
  fi
  wait_ready "$port"
  ensure_db "$port" csrd_test
}

cmd_stop() {
  local dir
  dir=$(realpath -m "$1")
  [[ -f "$dir/data/PG_VERSION" ]] || return 0
  is_running "$dir" || return 0
  as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
}

cmd_createdb() {
  local dir port
  dir=$(realpath -m "$1")
  port=$2
  check_port "$port"
  is_running "$dir" || die "no cluster running in $dir"
  wait_ready "$port"
  ensure_db "$port" "$3"
}

case "${1:-}" in
  start) [[ $# -eq 3 ]] || usage; cmd_start "$2" "$3" ;;
  stop) [[ $# -eq 2 ]] || usage; cmd_stop "$2" ;;
  createdb) [[ $# -eq 4 ]] || usage; cmd_createdb "$2" "$3" "$4" ;;
  *) usage ;;
esac
