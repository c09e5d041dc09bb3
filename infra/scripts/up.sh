#!/usr/bin/env bash
# Brings gardener-ts up on a Debian machine: system packages, Redis, PostgreSQL, npm
# dependencies, the build, the pinned toolchain and the services that exist so far.
# Safe to run again: every step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/../.."
source infra/scripts/lib.sh
source infra/scripts/services.sh

step "system packages"
ensure_debian_packages

step "Redis"
ensure_redis

step "PostgreSQL"
ensure_postgres

step "npm dependencies and build"
npm ci --no-audit --no-fund --loglevel=error
npm run build --silent

step "gardenctl on PATH"
ln -sfn "$PWD/apps/gardenctl/dist/main.js" "${GARDENER_TS_BIN_DIR:-/usr/local/bin}/gardenctl"
echo "$(command -v gardenctl || echo "${GARDENER_TS_BIN_DIR:-/usr/local/bin}/gardenctl") → apps/gardenctl/dist/main.js"

step "pinned toolchain (Go module proxy builds; cached in ${GARDENER_TS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gardener-ts})"
require_go
node infra/dist/toolchain/cli.js build

step "garden API"
ensure_database gardener_ts
api_port="${GARDENER_API_PORT:-8080}"
start_service gardener-api "$(build_id apps/gardener-api/dist libs/*/dist)" "http://127.0.0.1:$api_port/apis" \
  env NO_COLOR=1 DATABASE_URL="$(database_url_for gardener_ts)" PORT="$api_port" node apps/gardener-api/dist/main.js

step "gardenlet (seed local)"
start_service gardenlet "$(build_id apps/gardenlet/dist libs/*/dist infra/dist)" "log:is processing shoots" \
  env NO_COLOR=1 DATABASE_URL="$(database_url_for gardener_ts)" REDIS_URL="$(redis_url)" SEED_NAME=local \
  node apps/gardenlet/dist/main.js

step "ready"
echo "garden API: http://127.0.0.1:$api_port"
echo "REDIS_URL=$(redis_url)"
echo "DATABASE_URL=$(database_url)"
