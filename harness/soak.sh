#!/usr/bin/env bash
# Soak with node kills: three local Hail nodes on Postgres + Redis (a fresh
# database and Redis prefix, removed after, as in harness/bench.sh) under
# `hail-harness soak`, while every KILL_EVERY seconds one node (round robin)
# is killed with SIGKILL, and restarted on the same port 2 s later, until the
# harness ends.
# Usage: harness/soak.sh [SECONDS] [KILL_EVERY]   (defaults 120 and 15)
# Extra harness flags: SOAK_ARGS="--drivers 80 --trip-rate 2" harness/soak.sh
# SOAK_KEEP=1 keeps the database and Redis keys afterwards (to diagnose).
# KILL_SIGNAL=TERM drains the node instead (sessions close with 1001).
# Writes target/bench/soak.json (the report), target/bench/soak-kills.log
# (one line per kill and restart), target/bench/soak-node<port>.log (node
# logs, appended across restarts) and soak-node<port>.metrics (at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_OF_LOAD=${1:-120}
KILL_EVERY=${2:-15}
KILL_SIGNAL=${KILL_SIGNAL:-KILL}
bash .ci/services.sh
ulimit -n "$(ulimit -Hn)"
cargo build --release -q -p hail-server -p hail-harness
BIN=target/release
OUT=target/bench
mkdir -p "$OUT"
RUN=soak_$$
export HAIL_JWT_SECRET="soak-secret-$RUN-0123456789abcdef"
# A load generator is one client with many sockets and trips per account,
# from few addresses: lift the per-user, per-rider and per-IP caps that
# protect an exposed node (docs/protocol.md, "Limits").
export HAIL_MAX_SOCKETS_PER_USER=0 HAIL_TRIP_REQUESTS_PER_WINDOW=0 HAIL_MAX_CONNECTIONS_PER_IP=0
PORTS=(18281 18282 18283)
declare -A PID=()
HARNESS=""
KILLS="$OUT/soak-kills.log"
: >"$KILLS"

cleanup() {
  [ -n "$HARNESS" ] && kill -TERM "$HARNESS" 2>/dev/null || true
  for port in "${PORTS[@]}"; do [ -n "${PID[$port]:-}" ] && kill -TERM "${PID[$port]}" 2>/dev/null || true; done
  for port in "${PORTS[@]}"; do [ -n "${PID[$port]:-}" ] && wait "${PID[$port]}" 2>/dev/null || true; done
  if [ -n "${SOAK_KEEP:-}" ]; then
    echo "SOAK_KEEP: database $RUN and Redis keys $RUN:* kept for inspection" >&2
    return
  fi
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $RUN WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 --scan --pattern "$RUN:*" | xargs -r redis-cli -h 127.0.0.1 DEL >/dev/null 2>&1 || true
}
trap cleanup EXIT

log() { echo "$(date -u +%H:%M:%S.%3N) $*" | tee -a "$KILLS" >&2; }

# start_node PORT: a node on 127.0.0.1:PORT sharing the run's database and
# prefix (bench.sh's settings); returns once /readyz answers (1 if it never does).
start_node() {
  HAIL_DEV=1 HAIL_BIND="127.0.0.1:$1" HAIL_NODE_ID="node$1" \
  HAIL_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$RUN" \
  HAIL_REDIS_URL="redis://127.0.0.1:6379" HAIL_REDIS_PREFIX="$RUN:" \
  RUST_LOG=${RUST_LOG:-warn} "$BIN/hail" serve >>"$OUT/soak-node$1.log" 2>&1 &
  PID[$1]=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

for port in "${PORTS[@]}"; do
  : >"$OUT/soak-node$port.log"
  start_node "$port" || { echo "node on port $port did not start; see $OUT/soak-node$port.log" >&2; exit 1; }
done
URLS=()
for port in "${PORTS[@]}"; do URLS+=(--url "http://127.0.0.1:$port"); done

# shellcheck disable=SC2086
"$BIN/hail-harness" soak "${URLS[@]}" --duration "$SECONDS_OF_LOAD" --json "$OUT/soak.json" ${SOAK_ARGS:-} &
HARNESS=$!
log "harness pid $HARNESS: ${SECONDS_OF_LOAD}s of load, SIG$KILL_SIGNAL to one node every ${KILL_EVERY}s over ports ${PORTS[*]}"

victim=0
while kill -0 "$HARNESS" 2>/dev/null; do
  # Sleep KILL_EVERY seconds, but notice the harness ending meanwhile.
  for _ in $(seq 1 $((KILL_EVERY * 10))); do
    kill -0 "$HARNESS" 2>/dev/null || break 2
    sleep 0.1
  done
  port=${PORTS[$victim]}
  victim=$(((victim + 1) % ${#PORTS[@]}))
  log "kill -$KILL_SIGNAL node$port (pid ${PID[$port]})"
  kill -"$KILL_SIGNAL" "${PID[$port]}" 2>/dev/null || true
  wait "${PID[$port]}" 2>/dev/null || true
  echo "--- $(date -u +%FT%T.%3NZ) killed (SIG$KILL_SIGNAL), restarting in 2 s ---" >>"$OUT/soak-node$port.log"
  sleep 2
  if start_node "$port"; then
    log "restarted node$port (pid ${PID[$port]}), ready"
  else
    log "restarted node$port (pid ${PID[$port]}), NOT ready after 10 s"
  fi
done

status=0
wait "$HARNESS" || status=$?
HARNESS=""
for port in "${PORTS[@]}"; do
  curl -fs "http://127.0.0.1:$port/metrics" >"$OUT/soak-node$port.metrics" 2>/dev/null || true
done
log "harness exited with $status; kills: $(grep -c "kill -$KILL_SIGNAL node" "$KILLS")"
exit $status
