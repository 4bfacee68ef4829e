#!/usr/bin/env bash
# Builds csrd twice (plain, then ASan+UBSan) and runs the whole suite on each:
# GoogleTest unit tests and the pytest integration suite against a real csrd
# process, both through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
run_suite() {
  local dir="$1"
  echo "== ctest in $dir"
  ctest --test-dir "$dir" --output-on-failure -j2 --timeout 1800
}
scripts/build.sh
run_suite build
if [ "${CSRD_SKIP_SANITIZE:-0}" != 1 ]; then
  scripts/build.sh --sanitize
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan
fi
echo "test.sh: all suites passed"
