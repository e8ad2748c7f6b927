#!/usr/bin/env bash
# Zero-downtime rolling deploy of the compose stack: rebuild the image once,
# then replace one Hail node at a time, waiting until the new container is
# healthy (GET /readyz) before touching the next. The node being replaced
# drains on SIGTERM: it stops accepting, hands its trips' dispatch to the
# other node, flushes queued GPS points and closes sockets with 1001; nginx
# sends the reconnecting clients to the node that is up.
# Usage: bash compose/rolling-deploy.sh [service...]   (default: hail1 hail2)
set -euo pipefail
cd "$(dirname "$0")/.."
services=("$@")
[ ${#services[@]} -eq 0 ] && services=(hail1 hail2)

docker compose build "${services[0]}"
for svc in "${services[@]}"; do
  echo "rolling-deploy: replacing $svc"
  docker compose up -d --no-deps --no-build "$svc"
  id="$(docker compose ps -q "$svc")"
  for _ in $(seq 1 60); do
    state="$(docker inspect -f '{{.State.Health.Status}}' "$id" 2>/dev/null || echo unknown)"
    [ "$state" = healthy ] && break
    sleep 2
  done
  if [ "$state" != healthy ]; then
    echo "rolling-deploy: $svc is $state after 120 s; stopping here (the other nodes still serve)" >&2
    exit 1
  fi
  echo "rolling-deploy: $svc is healthy"
done
