#!/usr/bin/env bash
# bench/scale.sh: issue 4's scale run (also `bench/run.sh --scale`).
#
# ListCsr (limit 50, newest first) and ShowCsr (random ids over the whole
# table) p50 with 1k, 100k and 1M stored CSRs in one account, and csrd's RSS
# (VmRSS) at each size. The rows go in with bench/seed_csrs (csrd's own Store,
# csrd stopped): seeding a million over HTTP would take hours of keygen. csrd
# is restarted on the grown database at each size, run with its defaults
# (key pool included, so RSS is the real steady state), and its RSS is read
# after the reads, once it is idle again. Writes the "Scale run" block of
# bench/RESULTS.md.
#
# Usage: bench/scale.sh [--sizes "1000 100000 1000000"] [--duration S]
#                       [--no-build] [--results FILE|-] [--csrd-flag FLAG]...
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-release}
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

SIZES="1000 100000 1000000"
DUR=5
READ_C=16
DO_BUILD=1
RESULTS="$ROOT/bench/RESULTS.md"
CSRD_FLAGS=()
while (($#)); do
  case $1 in
    --sizes) SIZES=$2; shift ;;
    --duration) DUR=$2; shift ;;
    --connections) READ_C=$2; shift ;;
    --no-build) DO_BUILD=0 ;;
    --results) RESULTS=$2; shift ;;
    --csrd-flag) CSRD_FLAGS+=("$2"); shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed 's/^# \{0,1\}//;$d'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
  shift
done

setup_cpus
((DO_BUILD)) && build_all
[[ -x "$BUILD_DIR/bench/seed_csrs" ]] || die "$BUILD_DIR/bench/seed_csrs missing (drop --no-build)"

WORK=$(mktemp -d /tmp/csrd-scale.XXXXXX)
DATA=$WORK/csrd-data
OUT=$WORK/scale.jsonl
BENCH_PASSWORD="Bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')!"
trap bench_cleanup EXIT
machine_info >"$WORK/machine.json"
log "scale run in $WORK, sizes: $SIZES"

# First start: bootstrap account, master key, AK/SK; then stop for seeding.
port=$(free_port)
start_csrd "$DATA" "$port" --key-pool-threads 0
make_credentials "$DATA" "$WORK/ak.json"
stop_pid "$CSRD_PID"
bench_cleanup

seeded=0
for n in $SIZES; do
  if ((n > seeded)); then
    log "seeding $((n - seeded)) rows (to $n)"
    "$BUILD_DIR/bench/seed_csrs" --data-dir "$DATA" --count "$((n - seeded))" \
      --ids-out "$WORK/ids.txt" --ids-max 20000
    seeded=$n
  fi
  port=$(free_port)
  start_csrd "$DATA" "$port" --csr-quota 0 "${CSRD_FLAGS[@]}"
  for op in list show; do
    line=$("${CLIENT_PIN[@]}" "$BUILD_DIR/bench/loadgen" --port "$port" --cred-file "$WORK/ak.json" \
      --op "$op" --ids-file "$WORK/ids.txt" --label "$op" -c "$READ_C" -d "$DUR" --warmup 1) || true
    [[ -n "$line" ]] && python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["stored"]=int(sys.argv[2]); print(json.dumps(r))' \
      "$line" "$n" >>"$OUT"
  done
  wait_idle "$CSRD_PID" 180 || true
  rss=$(rss_kib "$CSRD_PID")
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$CSRD_PID/status")
  db=$(du -cb "$DATA"/csrd.db* | tail -1 | cut -f1)
  log "$n stored: RSS $((rss / 1024)) MiB (peak $((hwm / 1024)) MiB), database $((db / 1048576)) MiB"
  printf '{"label":"meta","stored":%d,"rss_kib":%d,"hwm_kib":%d,"db_bytes":%d}\n' \
    "$n" "$rss" "$hwm" "$db" >>"$OUT"
  stop_pid "$CSRD_PID"
  bench_cleanup
done
# The database is over a GiB at 1M rows: keep the figures and logs only.
rm -rf "$DATA" "$WORK/ak.json"
python3 "$ROOT/bench/report.py" --scale --work "$WORK" --results "$RESULTS"
