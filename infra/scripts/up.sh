#!/usr/bin/env bash
# Brings gardener-ts up on a Debian machine: system packages, Redis, PostgreSQL, npm
# dependencies, the build, the pinned toolchain and the services that exist so far.
# Safe to run again: every step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/../.."
source infra/scripts/lib.sh
source infra/scripts/services.sh

# `npm run up` brings up a garden with its local seed; `npm run up -- --seed` only a seed's side on
# a host of its own (SEED_NAME, GARDEN_BOOTSTRAP_KUBECONFIG from `npm run add-seed` on the garden's
# host, REDIS_URL of the garden's Redis): toolchain, registry, images and the gardenlet.
mode=garden
[[ "${1:-}" == "--seed" ]] && mode=seed
if [[ $mode == seed ]]; then
  [[ -n "${SEED_NAME:-}" && -n "${REDIS_URL:-}" ]] ||
    die "npm run up -- --seed needs SEED_NAME and REDIS_URL (the garden's Redis), and GARDEN_BOOTSTRAP_KUBECONFIG at first start"
fi
seed_name=local
[[ $mode == seed ]] && seed_name=$SEED_NAME

step "system packages"
ensure_debian_packages
ensure_inotify_limits

step "Redis"
if [[ $mode == seed ]]; then redis-cli -u "$REDIS_URL" --no-auth-warning ping >/dev/null 2>&1 || echo "the garden's Redis does not answer yet at REDIS_URL"; else ensure_redis; fi

step "PostgreSQL"
ensure_postgres

step "npm dependencies and build"
npm ci --no-audit --no-fund --loglevel=error
npm run build --silent

step "gardenctl on PATH"
gardenctl="${GARDENER_TS_BIN_DIR:-/usr/local/bin}/gardenctl"
ln -sfn "$PWD/apps/gardenctl/dist/main.js" "$gardenctl"
echo "$gardenctl → apps/gardenctl/dist/main.js"

step "pinned toolchain (Go module proxy builds; cached in ${GARDENER_TS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gardener-ts})"
require_go
node infra/dist/toolchain/cli.js build

step "local image registry (crane registry serve, loopback only)"
registry_address="127.0.0.1:${GARDENER_TS_REGISTRY_PORT:-5001}"
registry_dir="${GARDENER_TS_REGISTRY_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/gardener-ts/registry}"
mkdir -p "$registry_dir/blobs"; chmod 700 "$registry_dir"
crane="$(node infra/dist/toolchain/cli.js path crane)"
start_service registry "$(sha256sum "$crane" | cut -c1-16)" "http://$registry_address/v2/" \
  "$crane" registry serve --address "$registry_address" --disk "$registry_dir/blobs"
# machines pull through a read-only front on a link-local address of its own (each shoot's firewall opens it)
mirror_address="169.254.77.1:${GARDENER_TS_REGISTRY_PORT:-5001}"
start_service registry-mirror "$(build_id infra/dist/images)" "http://$mirror_address/v2/" \
  env NO_COLOR=1 node infra/dist/images/mirror-main.js

step "images built here (pause, shell, demo-web, coredns → $registry_address/gardener-ts/)"
node infra/dist/images/cli.js build
node infra/dist/images/cli.js restore
node infra/dist/images/cli.js export-node-images

if [[ $mode == garden ]]; then
step "garden API"
ensure_database gardener_ts
api_port="${GARDENER_API_PORT:-8080}"
start_service gardener-api "$(build_id apps/gardener-api/dist libs/*/dist)" "https://127.0.0.1:$api_port/readyz" \
  env NO_COLOR=1 GARDENER_TLS=on DATABASE_URL="$(database_url_for gardener_ts)" REDIS_URL="$(redis_url)" PORT="$api_port" \
  node apps/gardener-api/dist/main.js
garden_kubeconfig="${GARDENER_KUBECONFIG:-${GARDENER_DATA_DIR:-$HOME/.gardener-ts}/garden.kubeconfig}"

# before the gardenlet: only a registered Seed gets a bootstrap token
step "the local CloudProfile and Seed"
kubectl="$(node infra/dist/toolchain/cli.js path kubectl)"
"$kubectl" --kubeconfig "$garden_kubeconfig" apply -f infra/garden/cloudprofile-local.yaml -f infra/garden/seed-local.yaml
fi

step "gardenlet (seed $seed_name): a client of the garden API with the seed's own credential"
# first start: a single-use bootstrap token, which the gardenlet trades for its seed credential
# (seeds/<seed>/garden.kubeconfig, also its Redis ACL password); a PostgreSQL database keeps its
# tofu state only. On the garden's host a credential the garden no longer knows is replaced.
seed_dir="${GARDENER_DATA_DIR:-$HOME/.gardener-ts}/seeds/$seed_name"
mkdir -p "$seed_dir"; chmod 700 "$seed_dir"
if [[ $mode == garden ]]; then
  node apps/gardenlet/dist/seed-bootstrap.js --seed "$seed_name" --garden-kubeconfig "$garden_kubeconfig" \
    --credential "$seed_dir/garden.kubeconfig" --out "$seed_dir/bootstrap.kubeconfig"
  state_database=gardener_ts
else
  [[ -s "$seed_dir/garden.kubeconfig" || -s "${GARDEN_BOOTSTRAP_KUBECONFIG:-}" ]] ||
    die "no credential for seed $seed_name yet: set GARDEN_BOOTSTRAP_KUBECONFIG (from npm run add-seed on the garden's host)"
  [[ -s "$seed_dir/garden.kubeconfig" ]] || install -m 600 "$GARDEN_BOOTSTRAP_KUBECONFIG" "$seed_dir/bootstrap.kubeconfig"
  state_database=gardener_ts_seed
  ensure_database "$state_database"
fi
gardenlet_service=gardenlet
[[ $mode == seed ]] && gardenlet_service="gardenlet-$seed_name"
# a new bootstrap kubeconfig (its mtime is in the command line) restarts a running gardenlet
start_service "$gardenlet_service" "$(build_id apps/gardenlet/dist libs/*/dist infra/dist)" "log:is processing shoots" \
  env NO_COLOR=1 GARDENLET_BOOTSTRAPPED_AT="$(stat -c %Y "$seed_dir/bootstrap.kubeconfig" 2>/dev/null || echo 0)" \
  GARDEN_KUBECONFIG="$seed_dir/garden.kubeconfig" GARDEN_BOOTSTRAP_KUBECONFIG="$seed_dir/bootstrap.kubeconfig" \
  DATABASE_URL="$(database_url_for "$state_database")" REDIS_URL="$(redis_url)" SEED_NAME="$seed_name" \
  GARDENLET_METRICS_ADDRESS="${GARDENLET_METRICS_ADDRESS:-127.0.0.1:9251}" \
  node apps/gardenlet/dist/main.js

if [[ $mode == seed ]]; then
  step "ready (seed $seed_name)"
  echo "gardenlet: $gardenlet_service, logs and status in $RUN_DIR; stop with: npm run down"
  exit 0
fi

step "gardenctl: the garden \"local\""
"$gardenctl" config set-garden local --kubeconfig "$garden_kubeconfig" \
  --pattern '^shoot--(?P<project>[^-]+)--(?P<shoot>.+)$' >/dev/null
echo "gardenctl knows the garden \"local\" ($garden_kubeconfig)"

step "ready"
echo "image registry:    $registry_address/gardener-ts/ (loopback only; storage $registry_dir; images: npm run image -- list)"
echo "registry mirror:   http://$mirror_address (pulls only; where machines pull from)"
echo "gardenlet metrics: http://${GARDENLET_METRICS_ADDRESS:-127.0.0.1:9251}/metrics"
echo "garden API:        $(grep -m1 'server:' "$garden_kubeconfig" | awk '{print $2}')"
echo "garden kubeconfig: export KUBECONFIG=$garden_kubeconfig   (admin; the pinned kubectl: $kubectl)"
echo "create a shoot:    \"\$kubectl\" apply -f infra/garden/project-dev.yaml -f infra/garden/shoot-workerless.yaml"
echo "services:          supervised (restarted when they die); logs and status in $RUN_DIR; stop with: npm run down"
echo "REDIS_URL=$(redis_url)"
echo "DATABASE_URL=$(database_url)"
