#!/usr/bin/env bash
# `make bench`: the standard scenarios against local Hail nodes on
# Postgres + Redis (a fresh database and Redis prefix, removed after).
# Usage: harness/bench.sh [race|city|dispatch|connections|gps|track|nodelay|cluster|trip5|trip50]...
#   (default: connections race dispatch gps track trip5 trip50)
# Tables go to stdout; JSON reports to target/bench/. Every scenario is
# given the nodes' pids and reports their CPU time per operation (issue 17).
# With taskset and 2+ cores, nodes run on core 0 and the harness on core 1
# (PIN=0 turns that off). BENCH_PORT_BASE (default 18181) moves the node
# ports (base .. base+12) so two runs can share a machine. NODE_LOG sets the
# nodes' RUST_LOG (default warn; logs in target/bench/node*.log).
# HARNESS_NICE (default 0) runs the load generator at that nice value.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/services.sh
# Every node and harness process may use the full file limit (20,000 here).
ulimit -n "$(ulimit -Hn)"
cargo build --release -q -p hail-server -p hail-harness
BIN=target/release
OUT=target/bench
mkdir -p "$OUT"
RUN=bench_$$
export HAIL_JWT_SECRET="bench-secret-$RUN-0123456789abcdef"
# A load generator is one client with many sockets and trips per account,
# from few addresses: lift the per-user, per-rider and per-IP caps that
# protect an exposed node (docs/protocol.md, "Limits").
# The per-socket frame rate too (20/s, burst 50): race's drivers accept
# every trip, at more than 20 trips/s once the harness has a core of its
# own, and a winner's rate-limited cancel leaves the rider's trip active.
export HAIL_MAX_SOCKETS_PER_USER=0 HAIL_TRIP_REQUESTS_PER_WINDOW=0 HAIL_MAX_CONNECTIONS_PER_IP=0
export HAIL_WS_RATE_PER_SEC=${HAIL_WS_RATE_PER_SEC:-100000} HAIL_WS_BURST=${HAIL_WS_BURST:-100000}
# A node that takes load the moment it starts opens its whole pool first.
export HAIL_DB_POOL_WARM=${HAIL_DB_POOL_WARM:-16}
PIDS=()
P0=${BENCH_PORT_BASE:-18181}
port() { echo $((P0 + $1)); }
# Nodes on core 0, the load generator on core 1: server CPU per operation
# is then the node's alone, and the two do not take turns on one core.
PIN0="" PIN1=""
if [ "${PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ] && taskset -c 0 true 2>/dev/null; then
  PIN0="taskset -c 0" PIN1="taskset -c 1"
  echo "# pinned: nodes on core 0 (taskset -c 0), harness on core 1 (taskset -c 1); Postgres and Redis unpinned"
else
  echo "# not pinned (PIN=0, one core or no taskset): nodes and harness share the cores"
fi
CLUSTER_BASE=7101
CLUSTER_STARTED=0

cleanup() {
  [ "$CLUSTER_STARTED" = 1 ] && bash compose/redis-cluster.sh stop $CLUSTER_BASE >/dev/null 2>&1 || true
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $RUN WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 --scan --pattern "$RUN:*" | xargs -r redis-cli -h 127.0.0.1 DEL >/dev/null 2>&1 || true
}
trap cleanup EXIT

# start_node PORT: a node on 127.0.0.1:PORT sharing the run's database and prefix.
# No per-address connection cap: `connections` opens ~1,200 sockets from each
# of its 16 source addresses (the default cap is 1,000 per address).
start_node() {
  HAIL_DEV=1 HAIL_BIND="127.0.0.1:$1" HAIL_NODE_ID="node$1" \
  HAIL_MAX_CONNECTIONS_PER_IP="${HAIL_MAX_CONNECTIONS_PER_IP:-0}" \
  HAIL_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$RUN" \
  HAIL_REDIS_URL="redis://127.0.0.1:6379" HAIL_REDIS_PREFIX="${NODE_REDIS_PREFIX:-$RUN:}" \
  RUST_LOG="${NODE_LOG:-warn}" ${BIN_WRAP-$PIN0} "$BIN/hail" serve >"$OUT/node$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "node on port $1 did not start; see $OUT/node$1.log" >&2; exit 1
}

start_node "$(port 0)"
start_node "$(port 1)"
N1=http://127.0.0.1:$(port 0)
N2=http://127.0.0.1:$(port 1)
# At HARNESS_NICE=10 the unpinned Postgres and Redis preempt the harness
# on its core at once (docs/benchmarks.md, session 2026-12-07).
H=(nice -n "${HARNESS_NICE:-0}" $PIN1 "$BIN/hail-harness")
scenarios=("$@")
# Connections first: its RSS per connection is read on a node nothing else has used yet.
[ ${#scenarios[@]} -eq 0 ] && scenarios=(connections race dispatch gps track trip5 trip50)
status=0
for s in "${scenarios[@]}"; do
  echo; echo "### $s"
  case "$s" in
    race)        "${H[@]}" race --url $N1 --url $N2 --drivers 8 --trips 1000 --pid "${PIDS[0]}" --pid "${PIDS[1]}" --json $OUT/race.json || status=1 ;;
    city)        "${H[@]}" city --url $N1 --drivers 500 --riders 50 --gps-interval 1 --trip-rate 5 --duration 30 --pid "${PIDS[0]}" --json $OUT/city.json || status=1 ;;
    gps)         "${H[@]}" city --url $N1 --drivers ${GPS_DRIVERS:-5000} --riders ${GPS_RIDERS:-500} --gps-interval ${GPS_INTERVAL:-0.1} --trip-rate 50 --duration ${GPS_DURATION:-30} --grace 60 --speed 60 --pid "${PIDS[0]}" --json $OUT/gps.json || status=1 ;;
    dispatch)    "${H[@]}" city --url $N1 --drivers 10000 --riders 200 --gps-interval 4 --trip-rate 20 --duration 30 --grace 60 --speed 60 --pid "${PIDS[0]}" --json $OUT/dispatch.json || status=1 ;;
    connections6)
      # 100,000 idle sockets over six nodes (each node under its 20,000-file limit).
      for k in 2 3 4 5; do start_node "$(port $k)"; done
      "${H[@]}" connections --url $N1 --url $N2 --url http://127.0.0.1:$(port 2) --url http://127.0.0.1:$(port 3) \
        --url http://127.0.0.1:$(port 4) --url http://127.0.0.1:$(port 5) --count ${CONNECTIONS6:-100000} --hold 10 \
        --per-account 500 --pid "${PIDS[0]}" --pid "${PIDS[1]}" --pid "${PIDS[2]}" --pid "${PIDS[3]}" \
        --pid "${PIDS[4]}" --pid "${PIDS[5]}" --json $OUT/connections6.json || status=1 ;;
    nodelay)
      # The same request -> cancel loop against two nodes that differ only in
      # HAIL_TCP_NODELAY (the harness sets TCP_NODELAY on its own sockets both
      # times); the rate limit is raised so the loop runs free.
      HAIL_TCP_NODELAY=0 HAIL_WS_RATE_PER_SEC=100000 HAIL_WS_BURST=100000 start_node "$(port 8)"
      HAIL_TCP_NODELAY=1 HAIL_WS_RATE_PER_SEC=100000 HAIL_WS_BURST=100000 start_node "$(port 9)"
      n=${#PIDS[@]}
      echo "# before: HAIL_TCP_NODELAY=0"
      "${H[@]}" cancel-loop --url http://127.0.0.1:$(port 8) --trips ${TRIPS:-1000} --pid "${PIDS[$((n-2))]}" --json $OUT/nodelay-off.json || status=1
      echo "# after: HAIL_TCP_NODELAY=1 (the default)"
      "${H[@]}" cancel-loop --url http://127.0.0.1:$(port 9) --trips ${TRIPS:-1000} --pid "${PIDS[$((n-1))]}" --json $OUT/nodelay-on.json || status=1 ;;
    cluster)
      # GPS fan-out (PUBLISH-bound) through one Redis, then through a local
      # 3-master Redis Cluster: the same city load on one node each, the node
      # pinned to core 0 and the harness to core 1 (Redis runs where it can).
      # Reports the harness's rates beside each Redis's own CPU time per
      # forwarded point, read from /proc.
      if ! redis-cli -p $CLUSTER_BASE cluster info 2>/dev/null | grep -q cluster_state:ok; then
        bash compose/redis-cluster.sh start $CLUSTER_BASE "$OUT/redis-cluster" >/dev/null
        CLUSTER_STARTED=1
      fi
      # Pinned even with PIN=0: this scenario compares Redis CPU per point.
      taskset -c 0 true 2>/dev/null && CPIN0="taskset -c 0" CPIN1="taskset -c 1" || CPIN0="" CPIN1=""
      ticks() { local t=0; for pid in "$@"; do t=$((t + $(awk '{print $14 + $15}' /proc/$pid/stat))); done; echo $t; }
      redis_pid() { redis-cli -p "$1" info server | awk -F: '/^process_id/ {print $2}' | tr -d '\r'; }
      masters=$(for p in $(seq $CLUSTER_BASE $((CLUSTER_BASE + 5))); do
        if redis-cli -p $p role | head -1 | grep -q master; then echo $p; fi
      done)
      replicas=$(for p in $(seq $CLUSTER_BASE $((CLUSTER_BASE + 5))); do
        if redis-cli -p $p role | head -1 | grep -q slave; then echo $p; fi
      done)
      single_pid=$(redis_pid 6379)
      cluster_pids=$(for p in $masters; do redis_pid $p; done)
      replica_pids=$(for p in $replicas; do redis_pid $p; done)
      hz=$(getconf CLK_TCK)
      for mode in single cluster; do
        if [ $mode = single ]; then port=$(port 10); pids=$single_pid; rpids=""; unset HAIL_REDIS_CLUSTER_NODES
        else port=$(port 11); pids=$cluster_pids; rpids=$replica_pids; export HAIL_REDIS_CLUSTER_NODES=$(bash compose/redis-cluster.sh seeds $CLUSTER_BASE); fi
        BIN_WRAP="$CPIN0" start_node $port
        unset HAIL_REDIS_CLUSTER_NODES
        node_pid=${PIDS[$((${#PIDS[@]} - 1))]}
        declare -A before=(); for pid in $pids $rpids $node_pid; do before[$pid]=$(ticks $pid); done
        $CPIN1 "$BIN/hail-harness" city --url http://127.0.0.1:$port --pid "$node_pid" --drivers ${CLUSTER_DRIVERS:-2000} --riders ${CLUSTER_RIDERS:-400} \
          --gps-interval ${CLUSTER_GPS_INTERVAL:-0.1} --trip-rate 40 --duration ${CLUSTER_DURATION:-20} --grace 30 --speed 60 \
          --prefix "cl$mode$$" --json $OUT/cluster-$mode.json || status=1
        total=0; shares=""; rtotal=0
        for pid in $pids; do d=$(( $(ticks $pid) - ${before[$pid]} )); total=$((total + d)); shares="$shares $d"; done
        for pid in $rpids; do rtotal=$((rtotal + $(ticks $pid) - ${before[$pid]})); done
        node_ticks=$(( $(ticks $node_pid) - ${before[$node_pid]} ))
        python3 - "$OUT/cluster-$mode.json" "$mode" "$total" "$rtotal" "$hz" "$node_ticks" $shares <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
mode, total, rtotal, hz, node = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
shares = [int(x) for x in sys.argv[7:]]
c = report["counts"]
sent, fwd = c.get("gps_sent", 0), c.get("gps_forwarded", 0)
cpu = total / hz
line = (f"# {mode}: {sent} GPS points sent, {fwd} forwarded in {report['duration_s']:.0f} s; "
        f"Redis CPU {cpu:.2f} s = {cpu * 1e6 / max(sent, 1):.1f} us per point sent, "
        f"{cpu * 1e6 / max(fwd, 1):.1f} us per point forwarded")
if len(shares) > 1:
    line += (f"; masters {shares} ticks (busiest {max(shares) / max(total, 1):.0%}), "
             f"replicas {rtotal / hz:.2f} s more")
line += f"; the node's own CPU {node / hz:.2f} s = {node / hz * 1e6 / max(sent, 1):.1f} us per point sent"
print(line)
PY
      done ;;
    trip5|trip50)
      # Server CPU per trip on the dispatch path: request -> ok -> every
      # offer of the round -> cancel -> ok -> every offer withdrawn, one
      # trip at a time, with 5 drivers (5 offers) or 50 (10 offers per
      # round, HAIL_OFFER_LIMIT's default). Its own node (rate limit
      # raised so the loop runs free) and Redis prefix, so no driver of
      # another scenario is near the pickup.
      if [ $s = trip5 ]; then k=6; d=5; else k=7; d=50; fi
      NODE_REDIS_PREFIX="$RUN:$s:" HAIL_WS_RATE_PER_SEC=100000 HAIL_WS_BURST=100000 start_node "$(port $k)"
      "${H[@]}" cancel-loop --url http://127.0.0.1:$(port $k) --drivers $d --offers 10 --trips ${TRIP_TRIPS:-1000} \
        --pid "${PIDS[$((${#PIDS[@]}-1))]}" --json $OUT/$s.json || status=1 ;;
    track)
      # GPS on trips alone (issue 17's per-point price): pairs of a driver
      # on an accepted trip streaming to its rider; every point forwarded
      # and persisted. Its own node and Redis prefix, like trip5.
      NODE_REDIS_PREFIX="$RUN:track:" HAIL_WS_RATE_PER_SEC=100000 HAIL_WS_BURST=100000 start_node "$(port 12)"
      "${H[@]}" track --url http://127.0.0.1:$(port 12) --pairs ${TRACK_PAIRS:-1000} --gps-interval ${TRACK_INTERVAL:-0.1} \
        --duration ${TRACK_DURATION:-20} --pid "${PIDS[$((${#PIDS[@]}-1))]}" --json $OUT/track.json || status=1 ;;
    connections) "${H[@]}" connections --url $N1 --count ${CONNECTIONS:-19000} --hold 10 --pid "${PIDS[0]}" --json $OUT/connections.json || status=1 ;;
    *) echo "unknown scenario $s" >&2; status=2 ;;
  esac
  # The server's own view: its latency histograms and counters.
  curl -fs $N1/metrics > "$OUT/$s.metrics" 2>/dev/null || true
done
exit $status
