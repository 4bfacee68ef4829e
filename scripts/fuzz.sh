#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, build-fuzz/) and runs each for
# a bounded time, one after the other, on a throwaway copy of its seed corpus
# (tests/fuzz/corpus/<target>/; the repository is never written).
#
# Usage: scripts/fuzz.sh [--time SECONDS] [--no-build] [--keep-corpus DIR] [TARGET...]
#   --time S          seconds per target (default 60)
#   --no-build        use the targets already in build-fuzz/
#   --keep-corpus DIR keep each grown corpus in DIR/<target>/ (to inspect or to seed by hand)
#   TARGET            e.g. csr or csr_fuzz (default: every tests/fuzz/*_fuzz.cc)
# Exits non-zero if any target finds a crash, a sanitizer report, a broken
# invariant, a leak, a timeout (> 10 s for one input) or an out-of-memory (>
# 2 GiB); the input is kept under build-fuzz/fuzz-findings/<target>/ and its
# path printed. Ends with a table: target, runs, exec/s, corpus size.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

TIME=60; BUILD=1; KEEP=""; TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) TIME="$2"; shift ;;
    --no-build) BUILD=0 ;;
    --keep-corpus) KEEP="$2"; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) TARGETS+=("${1%_fuzz}") ;;
  esac
  shift
done
case "$TIME" in ''|*[!0-9]*) echo "fuzz.sh: --time needs whole seconds" >&2; exit 2 ;; esac
if [ ${#TARGETS[@]} -eq 0 ]; then
  for f in tests/fuzz/*_fuzz.cc; do TARGETS+=("$(basename "$f" _fuzz.cc)"); done
fi
for t in "${TARGETS[@]}"; do
  [ -f "tests/fuzz/${t}_fuzz.cc" ] || { echo "fuzz.sh: no target $t (tests/fuzz/${t}_fuzz.cc)" >&2; exit 2; }
done

BUILD_DIR=build-fuzz
if [ "$BUILD" = 1 ]; then
  command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (scripts/install-deps.sh)" >&2; exit 1; }
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(dirname "$ROOT")}" CCACHE_NOHASHDIR=1
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCSRD_FUZZ=ON -DCSRD_WERROR=ON -DCSRD_TESTS=OFF -DCSRD_BENCH=OFF >/dev/null
  ninja -C "$BUILD_DIR" -j"$(nproc)" "${TARGETS[@]/%/_fuzz}"
fi

WORK=$(mktemp -d /tmp/csrd-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FINDINGS="$ROOT/$BUILD_DIR/fuzz-findings"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

stat_of() { sed -n "s/^stat::$1: *\([0-9]*\).*/\1/p" "$2" | tail -1; }
count() { find "$1" -type f | wc -l; }

ROWS=(); FAILED=()
for t in "${TARGETS[@]}"; do
  bin="$ROOT/$BUILD_DIR/fuzz/${t}_fuzz"
  [ -x "$bin" ] || { echo "fuzz.sh: $bin not built" >&2; exit 1; }
  corpus="$WORK/$t/corpus"; log="$WORK/$t/log"; art="$FINDINGS/$t"
  mkdir -p "$corpus" "$art"
  [ -d "tests/fuzz/corpus/$t" ] && cp -r "tests/fuzz/corpus/$t/." "$corpus/"
  seeds=$(count "$corpus")
  dict=(); [ -f "tests/fuzz/dict/$t.dict" ] && dict=("-dict=tests/fuzz/dict/$t.dict")
  echo "== $t: ${TIME}s from $seeds seeds"
  rc=0
  "$bin" -max_total_time="$TIME" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$art/" "${dict[@]}" "$corpus" >"$log" 2>&1 || rc=$?
  runs=$(stat_of number_of_executed_units "$log"); speed=$(stat_of average_exec_per_sec "$log")
  size=$(count "$corpus")
  if [ "$rc" != 0 ]; then
    FAILED+=("$t")
    echo "!! $t: libFuzzer exited $rc; the end of its log:" >&2
    tail -n 60 "$log" >&2
    cp "$log" "$art/fuzz.log"
    grep -o "Test unit written to .*" "$log" | sed 's/^Test unit written to /!! finding: /' >&2 || true
    echo "!! full log: $art/fuzz.log" >&2
    ROWS+=("$(printf '%-16s %12s %10s %8s  %s' "$t" "${runs:-?}" "${speed:-?}" "$size" "FINDING")")
  else
    ROWS+=("$(printf '%-16s %12s %10s %8s  %s' "$t" "${runs:-?}" "${speed:-?}" "$size" "ok")")
  fi
  if [ -n "$KEEP" ]; then mkdir -p "$KEEP/$t" && cp -r "$corpus/." "$KEEP/$t/"; fi
done

echo
printf '%-16s %12s %10s %8s  %s\n' target runs exec/s corpus result
for r in "${ROWS[@]}"; do echo "$r"; done
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "fuzz.sh: findings in: ${FAILED[*]} (inputs under $FINDINGS/)" >&2
  exit 1
fi
