#!/usr/bin/env bash
# On the garden's host: registers a seed and writes the bootstrap kubeconfig its gardenlet starts
# with, then prints the one command to run on the seed's host. Usage: npm run add-seed -- <name>
set -euo pipefail
cd "$(dirname "$0")/../.."
source infra/scripts/lib.sh

seed=${1:-}
[[ "$seed" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || die "usage: npm run add-seed -- <seed name (a DNS label)>"
garden_kubeconfig="${GARDENER_KUBECONFIG:-${GARDENER_DATA_DIR:-$HOME/.gardener-ts}/garden.kubeconfig}"
kubectl="$(node infra/dist/toolchain/cli.js path kubectl)"
sed "s/^  name: local$/  name: $seed/" infra/garden/seed-local.yaml |
  "$kubectl" --kubeconfig "$garden_kubeconfig" apply -f -
out="${GARDENER_DATA_DIR:-$HOME/.gardener-ts}/seeds/$seed.bootstrap.kubeconfig"
mkdir -p "$(dirname "$out")"
node apps/gardenlet/dist/seed-bootstrap.js --seed "$seed" --garden-kubeconfig "$garden_kubeconfig" --out "$out" \
  --expiration-seconds "${SEED_BOOTSTRAP_SECONDS:-3600}"
cat <<NEXT

Copy $out to the seed's host (it is a secret: a single-use token, valid ${SEED_BOOTSTRAP_SECONDS:-3600} s) and run
there, in a clone of this repository:

  SEED_NAME=$seed GARDEN_BOOTSTRAP_KUBECONFIG=<copied file> REDIS_URL=redis://<the garden's Redis address>:6379 npm run up -- --seed

The garden API's address in that file ($(grep -o 'https\?://[^"]*' "$out" | head -1)) and the garden's Redis must be
reachable from there (start the API with HOST/GARDENER_PUBLIC_URL and Redis bound to such an address).
NEXT
