#!/usr/bin/env bash
# bench/run.sh: the issue-4 benchmark harness in one command.
#
# Builds (Release) and runs, in one go on the same cores:
#   raw     keygen + CSR in-process per algorithm (the physical limit of create)
#   cfssl   `cfssl serve` newkey for RSA 2048/3072/4096, P-256, P-384
#   bare    a hello-JSON server on csrd's HTTP library (the ceiling of reads)
#   csrd    CreateCsr x 6 algorithms (RSA_4096 as a burst up to the key pool's
#           depth, then sustained), ShowCsr, ListCsr (limit 50), DeleteCsr,
#           signed with AK/SK like an SDK (--auth token: X-Auth-Token)
# round-robin per algorithm, then prints a table with the ratios csrd/cfssl,
# csrd/raw and csrd/bare and writes bench/RESULTS.md. Servers and the raw loop run on SERVER_CPUS, the load
# generator on CLIENT_CPUS (default: core 0 for the client, the rest for the
# server). --scale runs bench/scale.sh afterwards (ListCsr/ShowCsr at 1k, 100k,
# 1M stored CSRs). The default run takes about 7-10 minutes.
#
# Usage: bench/run.sh [--long] [--quick] [--no-build] [--no-cfssl] [--scale]
#                     [--auth aksk|token] [--duration S] [--create-conns N]
#                     [--read-conns N] [--no-pin] [--results FILE|-]
#                     [--csrd-flag FLAG]...
# Env: BUILD_DIR (default build-release), SERVER_CPUS, CLIENT_CPUS, JOBS.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-release}
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

DUR=10            # seconds: EC/SM2 creates, reads, the bare server, cfssl EC
RAW_DUR=5         # seconds per raw EC/SM2 loop
RAW_RSA_DUR=20    # seconds per raw RSA loop (RSA-4096 x2)
CREATE_C=16
READ_C=64
RSA_N=(120 40 32) # sustained requests per RSA size (2048 3072 4096) after the pool is drained
CFSSL_RSA_N=(60 24 24)
DO_BUILD=1 DO_CFSSL=1 DO_SCALE=0 AUTH=aksk RESULTS="$ROOT/bench/RESULTS.md"
CSRD_FLAGS=()
PIN=1

while (($#)); do
  case $1 in
    --long) DUR=30 RAW_DUR=15 RAW_RSA_DUR=60 RSA_N=(360 120 96) CFSSL_RSA_N=(180 72 48) ;;
    --quick) DUR=3 RAW_DUR=2 RAW_RSA_DUR=8 RSA_N=(24 8 6) CFSSL_RSA_N=(16 8 6) ;;
    --no-build) DO_BUILD=0 ;;
    --no-cfssl) DO_CFSSL=0 ;;
    --scale) DO_SCALE=1 ;;
    --auth) AUTH=$2; shift ;;
    --duration) DUR=$2; shift ;;
    --create-conns) CREATE_C=$2; shift ;;
    --read-conns) READ_C=$2; shift ;;
    --no-pin) PIN=0 ;;
    --results) RESULTS=$2; shift ;;
    --csrd-flag) CSRD_FLAGS+=("$2"); shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed 's/^# \{0,1\}//;$d'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
  shift
done
[[ $AUTH == aksk || $AUTH == token ]] || die "--auth must be aksk or token"
# csrd answers 429 when more creates than --max-pending-keygens (default: half
# the workers, 8) are generating or signing at once: a protection for reads
# during a burst. A closed-loop load generator would retry those instantly and
# measure the refusals, not creation, so the harness lets every create
# connection in (shown in the report's csrd flags) unless told otherwise.
if [[ " ${CSRD_FLAGS[*]} " != *" --max-pending-keygens"* ]]; then
  CSRD_FLAGS+=("--max-pending-keygens=$CREATE_C")
fi

setup_cpus
((DO_BUILD)) && build_all
for b in csrd bench/loadgen bench/raw_crypto bench/bare_server; do
  [[ -x "$BUILD_DIR/$b" ]] || die "$BUILD_DIR/$b missing (drop --no-build)"
done
if ((DO_CFSSL)) && ! command -v cfssl >/dev/null; then
  log "installing cfssl (Debian package golang-cfssl)"
  (apt-get install -y golang-cfssl >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && apt-get install -y golang-cfssl >/dev/null 2>&1; }) ||
    { log "warning: cannot install golang-cfssl; skipping cfssl"; DO_CFSSL=0; }
fi

WORK=$(mktemp -d /tmp/csrd-bench.XXXXXX)
OUT=$WORK/results.jsonl
BENCH_PASSWORD="Bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')!"
trap bench_cleanup EXIT
log "work dir $WORK; server cpus '${SERVER_CPUS:-all}', client cpus '${CLIENT_CPUS:-all}'"
machine_info >"$WORK/machine.json"
START=$SECONDS

busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

# run_load SERVER SERVER_PID KIND [loadgen args...]: one loadgen run; its JSON
# line gets the server, the kind, the server's CPU and the CPU everything
# else on the machine used meanwhile (noise), and goes to $OUT.
run_load() {
  local server=$1 spid=$2 kind=$3 b0 s0 b1 s1 line
  shift 3
  b0=$(busy_ticks); s0=$(cpu_ticks "$spid")
  line=$("${CLIENT_PIN[@]}" "$BUILD_DIR/bench/loadgen" "$@" 2> >(tee -a "$WORK/loadgen.log" >&2)) || true
  b1=$(busy_ticks); s1=$(cpu_ticks "$spid")
  [[ -n "$line" ]] || { log "warning: loadgen printed nothing for $*"; return 0; }
  python3 - "$line" "$server" "$kind" "$((b1 - b0))" "$((s1 - s0))" "$(getconf CLK_TCK)" >>"$OUT" <<'EOF'
import json, sys
r = json.loads(sys.argv[1])
hz = float(sys.argv[6])
r["server"], r["kind"] = sys.argv[2], sys.argv[3]
r["server_cpu_s"] = round(int(sys.argv[5]) / hz, 2)
r["other_cpu_s"] = round(max(0.0, (int(sys.argv[4]) - int(sys.argv[5])) / hz - r.get("client_cpu_s", 0)), 2)
print(json.dumps(r))
EOF
}

# ---- servers: cfssl, the bare server and csrd, all on the server cores -------
# They run side by side for the whole run (an idle one costs nothing), so the
# runs can go round-robin per algorithm: raw, cfssl, csrd back to back, which
# keeps the machine's drifting background load out of the ratios as far as
# possible.
if ((DO_CFSSL)); then
  CFSSL_PORT=$(free_port)
  start_bg "$WORK/cfssl.log" "${SERVER_PIN[@]}" cfssl serve -address 127.0.0.1 -port "$CFSSL_PORT"
  CFSSL_PID=$LAST_PID
  wait_http "http://127.0.0.1:$CFSSL_PORT/" 30 || die "cfssl did not start"
fi
BARE_PORT=$(free_port)
start_bg "$WORK/bare.log" "${SERVER_PIN[@]}" "$BUILD_DIR/bench/bare_server" --port "$BARE_PORT"
BARE_PID=$LAST_PID
wait_http "http://127.0.0.1:$BARE_PORT/" 30 || die "bare_server did not start"

port=$(free_port)
DATA=$WORK/csrd-data
pool_depth() {  # the effective pool depth of an algorithm (0: no pool)
  local algo=$1 d f
  csrd_supports --key-pool-depth || { echo 0; return; }
  d=$("$BUILD_DIR/csrd" serve --help 2>&1 | grep -o "$algo=[0-9]*" | head -1 | cut -d= -f2)
  for f in "${CSRD_FLAGS[@]}"; do
    case $f in --key-pool-depth=$algo=*|--key-pool-depth=all=*) d=${f##*=} ;; esac
  done
  echo "${d:-0}"
}
log "csrd: starting on port $port (flags: ${CSRD_FLAGS[*]:-defaults})"
start_csrd "$DATA" "$port" "${CSRD_FLAGS[@]}"
if [[ $AUTH == aksk ]]; then
  make_credentials "$DATA" "$WORK/ak.json"
  AUTH_ARGS=(--cred-file "$WORK/ak.json")
else
  make_token "$port" "$WORK/token"
  AUTH_ARGS=(--token-file "$WORK/token")
fi
log "csrd: waiting for the key pool to fill"
wait_pool_full "$port" "$CSRD_PID" 300 || true
RSS_START=$(rss_kib "$CSRD_PID")

raw() {  # raw ALGO
  "${SERVER_PIN[@]}" "$BUILD_DIR/bench/raw_crypto" --algos "$1" --threads "$SERVER_NCPU" \
    --duration "$RAW_DUR" --rsa-duration "$RAW_RSA_DUR" >>"$OUT"
}
cf() {  # cf ALGO [loadgen args]: cfssl newkey
  local algo=$1 kind size
  shift
  ((DO_CFSSL)) || return 0
  case $algo in
    EC_P256) kind=ecdsa size=256 ;; EC_P384) kind=ecdsa size=384 ;;
    RSA_*) kind=rsa size=${algo#RSA_} ;; *) return 0 ;;
  esac
  run_load cfssl "$CFSSL_PID" create --port "$CFSSL_PORT" --op post --path /api/v1/cfssl/newkey \
    --label "cfssl_$algo" -c "$CREATE_C" "$@" \
    --body '{"CN":"www.example.com","hosts":["www.example.com","example.com","api.example.com"],"key":{"algo":"'"$kind"'","size":'"$size"'}}'
  wait_idle "$CFSSL_PID" 60 || true
}
cs() {  # cs KIND [loadgen args]: csrd
  local kind=$1
  shift
  run_load csrd "$CSRD_PID" "$kind" --port "$port" "${AUTH_ARGS[@]}" "$@"
}

# ---- CreateCsr EC/SM2: raw, cfssl, csrd ---------------------------------------
for algo in EC_P256 EC_P384 SM2; do
  log "$algo: raw, cfssl, csrd ($CREATE_C connections)"
  raw "$algo"
  cf "$algo" -d "$DUR"
  save=()
  [[ $algo == EC_P256 ]] && save=(--save-ids "$WORK/ids.txt")
  cs create --op create --algo "$algo" -c "$CREATE_C" -d "$DUR" "${save[@]}"
  wait_idle "$CSRD_PID" 30 || true  # abandoned in-flight creates, pool refill
done

# ---- reads: bare, ShowCsr, ListCsr, DeleteCsr ---------------------------------
log "reads: bare server, ShowCsr, ListCsr, DeleteCsr ($READ_C connections)"
run_load bare "$BARE_PID" read --port "$BARE_PORT" --op get --path / --label bare_get \
  -c "$READ_C" -d "$DUR" --warmup 1
cs read --op show --ids-file "$WORK/ids.txt" --label show -c "$READ_C" -d "$DUR" --warmup 1
cs read --op list --label list -c "$READ_C" -d "$DUR" --warmup 1
cs read --op delete --ids-file "$WORK/ids.txt" --label delete -c "$READ_C" -d "$DUR"
wait_idle "$CSRD_PID" 30 || true

# ---- CreateCsr RSA: raw keygen, cfssl, csrd sustained ---------------------------
# Sustained = after the pool is drained: the first <depth> answers (pool hits)
# are left out. -n instead of a duration, so no keygen is abandoned mid-way.
i=0
for algo in RSA_2048 RSA_3072; do
  log "$algo: raw, cfssl, csrd sustained"
  raw "$algo"
  cf "$algo" -n "${CFSSL_RSA_N[i]}" -d 900
  depth=$(pool_depth "$algo")
  cs sustained --op create --algo "$algo" --label "create_${algo}" -c "$CREATE_C" \
    --warmup-requests "$depth" -n "$((depth + RSA_N[i]))" -d 900
  i=$((i + 1))
done
log "RSA_4096: raw, cfssl, csrd burst (pool full) then sustained"
raw RSA_4096
cf RSA_4096 -n "${CFSSL_RSA_N[2]}" -d 900
depth=$(pool_depth RSA_4096)
wait_pool_full "$port" "$CSRD_PID" 300 || true
POOL_BEFORE_BURST=$(pool_state "$port")
# The pool's keys split in two bursts: a few one at a time (c=1: what one
# client sees), the rest all at once (c = connections: queueing on the cores).
burst=$((depth > 0 ? depth : 16))
probe=$((burst >= 8 ? 4 : 0))
bc=$(((burst - probe) < CREATE_C ? (burst - probe) : CREATE_C))
if ((probe > 0)); then
  cs burst --op create --algo RSA_4096 --label create_RSA_4096_burst_c1 -c 1 -n "$probe" -d 900
fi
cs burst --op create --algo RSA_4096 --label create_RSA_4096_burst -c "$bc" -n "$((burst - probe))" -d 900
cs sustained --op create --algo RSA_4096 --label create_RSA_4096 -c "$CREATE_C" -n "${RSA_N[2]}" -d 900
RSS_END=$(rss_kib "$CSRD_PID")
bench_cleanup

cat >"$WORK/meta.json" <<EOF
{"csrd_flags": "$(printf '%s ' "${CSRD_FLAGS[@]}")", "auth": "$AUTH", "create_conns": $CREATE_C,
 "read_conns": $READ_C, "duration_s": $DUR, "pool_depth_rsa4096": $depth,
 "pool_before_burst": "${POOL_BEFORE_BURST:-}",
 "csrd_rss_kib_idle": $RSS_START, "csrd_rss_kib_end": $RSS_END,
 "load_end": "$(cut -d' ' -f1-3 /proc/loadavg)", "elapsed_s": $((SECONDS - START))}
EOF
rm -rf "$DATA" "$WORK/ak.json" "$WORK/token"  # keep the figures and logs only
log "done in $((SECONDS - START)) s; raw results in $OUT"
python3 "$ROOT/bench/report.py" --work "$WORK" --results "$RESULTS"

if ((DO_SCALE)); then
  BUILD_DIR=$BUILD_DIR "$ROOT/bench/scale.sh" --no-build --results "$RESULTS"
fi
