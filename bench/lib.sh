# Shared helpers of bench/run.sh and bench/scale.sh (sourced, not run).
# Every process started here is recorded in BENCH_PIDS and stopped by
# bench_cleanup, by pid only.

BENCH_PIDS=()

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# CPU split: the load generator on CLIENT_CPUS, every server (and the raw
# crypto loop) on SERVER_CPUS, so that they do not fight for the same core
# (deps-and-limits.md §3). One core: no pinning.
setup_cpus() {
  local n
  n=$(nproc)
  if [[ "${PIN:-1}" == 0 || $n -lt 2 ]]; then
    SERVER_CPUS=${SERVER_CPUS:-}
    CLIENT_CPUS=${CLIENT_CPUS:-}
  else
    SERVER_CPUS=${SERVER_CPUS:-1-$((n - 1))}
    CLIENT_CPUS=${CLIENT_CPUS:-0}
  fi
  SERVER_PIN=()
  CLIENT_PIN=()
  SERVER_NCPU=$n
  if [[ -n "$SERVER_CPUS" ]]; then
    SERVER_PIN=(taskset -c "$SERVER_CPUS")
    SERVER_NCPU=$(taskset -c "$SERVER_CPUS" nproc)
  fi
  if [[ -n "$CLIENT_CPUS" ]]; then CLIENT_PIN=(taskset -c "$CLIENT_CPUS"); fi
}

build_all() {
  log "building (Release) in $BUILD_DIR"
  mkdir -p "$BUILD_DIR"
  cmake -G Ninja -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCSRD_TESTS=OFF \
    >"$BUILD_DIR/bench-cmake.log" 2>&1 || { cat "$BUILD_DIR/bench-cmake.log" >&2; die "cmake failed"; }
  ninja -C "$BUILD_DIR" -j"${JOBS:-$(nproc)}" csrd loadgen raw_crypto bare_server seed_csrs >&2 ||
    die "build failed"
}

# wait_http URL SECONDS: until URL answers anything.
wait_http() {
  local url=$1 deadline=$((SECONDS + $2))
  until curl -s -o /dev/null "$url"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# wait_idle PID SECONDS: until the process burns < 3% of a CPU in each of 3
# seconds in a row (no request in flight, key pool full), or the time is up.
# A key pool refilling at idle priority on a core that other tenants keep busy
# can look idle too: csrd's pool metrics, when present, are better (see
# wait_pool_full).
wait_idle() {
  local pid=$1 deadline=$((SECONDS + $2)) a b hz quiet=0
  hz=$(getconf CLK_TCK)
  while ((SECONDS < deadline)); do
    a=$(cpu_ticks "$pid")
    sleep 1
    b=$(cpu_ticks "$pid")
    if (((b - a) * 100 <= 3 * hz)); then
      quiet=$((quiet + 1))
      ((quiet >= 3)) && return 0
    else
      quiet=0
    fi
  done
  log "warning: pid $pid still busy after $2 s"
  return 1
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# start_bg LOGFILE CMD...: starts CMD (an executable, not a function, so that
# $! is its pid: env and taskset exec it) in the background, records its pid.
start_bg() {
  local logfile=$1
  shift
  "$@" >"$logfile" 2>&1 &
  LAST_PID=$!
  BENCH_PIDS+=("$LAST_PID")
}

stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do stop_pid "$pid"; done
  BENCH_PIDS=()
}

# csrd flags the binary understands, from `csrd serve --help`.
csrd_supports() { "$BUILD_DIR/csrd" serve --help 2>&1 | grep -q -- "$1"; }

# start_csrd DATA_DIR PORT [extra flags...]: sets CSRD_PID.
start_csrd() {
  local dir=$1 port=$2
  shift 2
  mkdir -p "$dir"
  start_bg "$dir.log" env CSRD_BOOTSTRAP_PASSWORD="$BENCH_PASSWORD" \
    "${SERVER_PIN[@]}" "$BUILD_DIR/csrd" serve --listen "127.0.0.1:$port" --data-dir "$dir" "$@"
  CSRD_PID=$LAST_PID
  wait_http "http://127.0.0.1:$port/health" 60 || { tail -20 "$dir.log" >&2; die "csrd did not start"; }
}

# make_credentials DATA_DIR OUT: an AK/SK of the bootstrap admin, as JSON.
make_credentials() {
  (umask 077 && "$BUILD_DIR/csrd" admin --data-dir "$1" create-key --account default --user admin \
    >"$2" 2>"$2.log") || { cat "$2.log" >&2; die "create-key failed"; }
}

# make_token PORT OUT: a token of the bootstrap admin.
make_token() {
  (umask 077 && curl -si "http://127.0.0.1:$1/v3/auth/tokens" -H 'Content-Type: application/json' \
    -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"domain":{"name":"default"},"name":"admin","password":"'"$BENCH_PASSWORD"'"}}},"scope":{"domain":{"name":"default"}}}}' |
    awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' | tr -d '\r' >"$2")
  [[ -s "$2" ]] || die "login failed"
}

machine_info() {
  local model
  model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  printf '{"date":"%s","nproc":%s,"cpu_model":"%s","load":"%s","server_cpus":"%s","client_cpus":"%s","kernel":"%s"}\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(nproc)" "$model" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "${SERVER_CPUS:-all}" "${CLIENT_CPUS:-all}" "$(uname -r)"
}

# pool_state PORT: "depth/target" summed over algorithms from csrd's metrics,
# or "" when csrd exposes none. Accepts Prometheus-style lines such as
#   csrd_key_pool_depth{algo="RSA_4096"} 16
#   csrd_key_pool_target{algo="RSA_4096"} 16
# (any metric name containing pool and depth/target) or a JSON document with
# such keys.
pool_state() {
  curl -s --max-time 2 "http://127.0.0.1:$1/metrics" 2>/dev/null | python3 -c '
import re, sys
text = sys.stdin.read()
depth = target = 0
seen = False
for line in text.splitlines():
    if line.startswith("#"):
        continue
    m = re.match(r"(\S*pool\S*?(depth|target)\S*?)(\{[^}]*\})?\s+([0-9.eE+]+)\s*$", line)
    if not m:
        continue
    seen = True
    v = float(m.group(4))
    if m.group(2) == "depth":
        depth += v
    else:
        target += v
if seen and target > 0:
    print(f"{int(depth)}/{int(target)}")
' 2>/dev/null || true
}

# wait_pool_full PORT PID SECONDS: until the key pool is full (from metrics
# when csrd has them, else until csrd is idle). The pool refills at idle
# priority, so on a busy machine this can take long: the state is logged.
wait_pool_full() {
  local port=$1 pid=$2 deadline=$((SECONDS + $3)) st
  st=$(pool_state "$port")
  if [[ -z "$st" ]]; then
    wait_idle "$pid" "$3" || true
    return 0
  fi
  while ((SECONDS < deadline)); do
    st=$(pool_state "$port")
    [[ -n "$st" && ${st%/*} -ge ${st#*/} ]] && { log "key pool full ($st)"; return 0; }
    sleep 1
  done
  log "warning: key pool not full after $3 s ($st)"
  return 1
}
