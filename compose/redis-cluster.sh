#!/usr/bin/env bash
# A local Redis Cluster from the machine's own redis-server (no Docker):
# 3 masters and 3 replicas on ports BASE..BASE+5 (cluster bus on +10000),
# nothing kept on disk but the cluster's node files in DIR.
#
#   bash compose/redis-cluster.sh start [BASE] [DIR]   # default 7101, /tmp/hail-redis-cluster
#   bash compose/redis-cluster.sh stop  [BASE]
#   bash compose/redis-cluster.sh seeds [BASE]         # HAIL_REDIS_CLUSTER_NODES value
#
# `start` is idempotent: a cluster already answering "cluster_state:ok" on
# BASE is left as it is. The integration tests start private clusters of
# their own (server/tests/api/helpers/redis_cluster.rs) with the same
# settings, so a killed master there never disturbs anything else.
set -euo pipefail

cmd=${1:-start}
base=${2:-7101}
dir=${3:-/tmp/hail-redis-cluster}
ports=$(seq "$base" $((base + 5)))

seeds() {
  local out=""
  for p in $(seq "$base" $((base + 2))); do out="${out:+$out,}redis://127.0.0.1:$p"; done
  echo "$out"
}

state_ok() {
  redis-cli -p "$base" cluster info 2>/dev/null | grep -q '^cluster_state:ok'
}

case "$cmd" in
  start)
    if state_ok; then
      echo "redis-cluster: already up on $base..$((base + 5))"
      seeds
      exit 0
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd) # redis-server resolves paths after --dir
    for p in $ports; do
      rm -f "$dir/nodes-$p.conf"
      # cluster-node-timeout 2000: a dead master is failed over in a few
      # seconds, which the failover tests wait for.
      redis-server --port "$p" --bind 127.0.0.1 --daemonize yes \
        --cluster-enabled yes --cluster-config-file "nodes-$p.conf" \
        --cluster-node-timeout 2000 --dir "$dir" \
        --save "" --appendonly no --logfile "$dir/redis-$p.log"
    done
    for p in $ports; do
      for _ in $(seq 1 50); do
        [ "$(redis-cli -p "$p" ping 2>/dev/null)" = "PONG" ] && break
        sleep 0.1
      done
    done
    hosts=""
    for p in $ports; do hosts="$hosts 127.0.0.1:$p"; done
    # shellcheck disable=SC2086
    redis-cli --cluster create $hosts --cluster-replicas 1 --cluster-yes >"$dir/create.log"
    for _ in $(seq 1 100); do state_ok && break; sleep 0.1; done
    state_ok || { echo "redis-cluster: not ok after create (see $dir)" >&2; exit 1; }
    # The replicas join a moment after the slots are assigned; a failover
    # needs them attached and in sync.
    for _ in $(seq 1 100); do
      synced=0
      for p in $ports; do
        redis-cli -p "$p" info replication 2>/dev/null | grep -q '^master_link_status:up' && synced=$((synced + 1))
      done
      [ "$synced" -eq 3 ] && break
      sleep 0.1
    done
    [ "$synced" -eq 3 ] || { echo "redis-cluster: replicas not in sync (see $dir)" >&2; exit 1; }
    echo "redis-cluster: up on $base..$((base + 5)) (3 masters, 3 replicas)"
    seeds
    ;;
  stop)
    for p in $ports; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
    echo "redis-cluster: stopped $base..$((base + 5))"
    ;;
  seeds)
    seeds
    ;;
  *)
    echo "usage: $0 start|stop|seeds [BASE] [DIR]" >&2
    exit 2
    ;;
esac
