#!/usr/bin/env bash
# Builds csrd twice (plain, then ASan+UBSan) and runs the whole suite on each:
#  - ctest: the GoogleTest unit tests (the PostgreSQL store's too, on a fresh database of a
#    throwaway cluster) and the pytest integration suite on SQLite;
#  - the same integration suite again on PostgreSQL (every csrd it starts gets a fresh database).
# The throwaway cluster (scripts/pg-cluster.sh) lives in a temp dir on a free loopback port and is
# stopped and deleted on exit. CSRD_SKIP_SANITIZE=1 skips the second build.
# Then a ThreadSanitizer build of csrd runs the integration suite on SQLite (CSRD_SKIP_TSAN=1
# skips it; PostgreSQL adds no server threads of its own, so one store is enough): the suite
# drives every route concurrently enough to find races in the server's own threads (workers,
# I/O, key pool, sweeper, store pools). Last, every fuzz target runs CSRD_FUZZ_SECONDS (30) seconds
# (CSRD_SKIP_FUZZ=1 skips it; scripts/fuzz.sh for longer runs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

PYTEST=$(command -v pytest-3 || command -v pytest || true)
[ -n "$PYTEST" ] || { echo "test.sh: pytest not found (scripts/install-deps.sh)" >&2; exit 1; }

# Under /tmp, not a private dir: the server runs as user postgres when we are root.
PG_DIR=$(mktemp -d /tmp/csrd-test-pg.XXXXXX)
cleanup() {
  scripts/pg-cluster.sh stop "$PG_DIR" >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
scripts/pg-cluster.sh start "$PG_DIR" "$PG_PORT" >/dev/null
echo "== PostgreSQL cluster in $PG_DIR on 127.0.0.1:$PG_PORT"

elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

run_suite() {
  local dir="$1" tag="$2" t0 unit_url
  t0=$(date +%s)
  unit_url=$(scripts/pg-cluster.sh createdb "$PG_DIR" "$PG_PORT" "unit_$tag")
  echo "== ctest in $dir (unit tests, PostgreSQL store on $unit_url; integration suite on SQLite)"
  env -u CSRD_TEST_DATABASE CSRD_TEST_PG_URL="$unit_url" \
    ctest --test-dir "$dir" --output-on-failure -j2 --timeout 1800
  echo "== ctest in $dir passed in $(elapsed "$t0")"
  t0=$(date +%s)
  echo "== integration suite on PostgreSQL, $dir"
  (cd "$dir" && CSRD_BIN="$ROOT/$dir/csrd" CSRD_TEST_DATABASE=postgres CSRD_TEST_PG_DIR="$PG_DIR" \
    CSRD_TEST_PG_PORT="$PG_PORT" timeout 1800 "$PYTEST" -q -p no:cacheprovider "$ROOT/tests/integration")
  echo "== integration suite on PostgreSQL, $dir passed in $(elapsed "$t0")"
}

scripts/build.sh
run_suite build plain
if [ "${CSRD_SKIP_SANITIZE:-0}" != 1 ]; then
  scripts/build.sh --sanitize
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan asan
fi
if [ "${CSRD_SKIP_TSAN:-0}" != 1 ]; then
  t0=$(date +%s)
  scripts/build.sh --tsan --no-tests
  echo "== integration suite under ThreadSanitizer (SQLite)"
  (cd build-tsan && CSRD_BIN="$ROOT/build-tsan/csrd" \
    TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$ROOT/scripts/tsan.supp" \
    timeout 2400 "$PYTEST" -q -p no:cacheprovider "$ROOT/tests/integration")
  echo "== ThreadSanitizer suite passed in $(elapsed "$t0")"
fi
if [ "${CSRD_SKIP_FUZZ:-0}" != 1 ]; then
  # Every libFuzzer target for a bounded time (clang, ASan+UBSan); any finding fails.
  scripts/fuzz.sh --time "${CSRD_FUZZ_SECONDS:-30}"
fi
echo "test.sh: all suites passed"
