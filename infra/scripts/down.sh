#!/usr/bin/env bash
# Stops the services `npm run up` started (gardenlet first, then the garden API, then the image
# registry's mirror and the registry): each supervisor stops its service and exits without starting
# it again. Shoot control planes, machines, Redis and PostgreSQL keep running; `npm run up` starts
# the services again.
set -euo pipefail
cd "$(dirname "$0")/../.."
source infra/scripts/lib.sh
source infra/scripts/services.sh

# gardenlets of seeds brought up with `npm run up -- --seed` too
seed_gardenlets=$(find "$RUN_DIR" -maxdepth 1 -name 'gardenlet-*.pid' -printf '%f\n' 2>/dev/null | sed 's/\.pid$//' | grep -v '\.child$' || true)
for name in $seed_gardenlets gardenlet gardener-api registry-mirror registry; do
  if service_pid "$name" >/dev/null || service_child_pid "$name" >/dev/null; then
    stop_service "$name"
    echo "$name: stopped"
  else
    rm -f "$RUN_DIR/$name.pid" "$RUN_DIR/$name.build" "$RUN_DIR/$name.child.pid"
    echo "$name: not running"
  fi
done
