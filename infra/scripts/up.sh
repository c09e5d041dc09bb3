#!/usr/bin/env bash
# Brings gardener-ts up on a Debian machine: system packages, Redis, PostgreSQL, npm
# dependencies, the build, the pinned toolchain and the services that exist so far.
# Safe to run again: every step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/../.."
source infra/scripts/lib.sh

step "system packages"
ensure_debian_packages

step "Redis"
ensure_redis

step "PostgreSQL"
ensure_postgres

step "npm dependencies and build"
npm ci --no-audit --no-fund --loglevel=error
npm run build --silent

step "pinned toolchain (Go module proxy builds; cached in ${GARDENER_TS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gardener-ts})"
require_go
node infra/dist/toolchain/cli.js build

step "ready"
echo "REDIS_URL=$(redis_url)"
echo "DATABASE_URL=$(database_url)"
