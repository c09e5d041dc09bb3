# Helpers for up.sh. Each ensure_* is idempotent and explains what it needs when it cannot act.

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# command → Debian package that provides it
declare -A PACKAGE_FOR=(
  [redis-server]=redis-server [redis-cli]=redis-tools [psql]=postgresql-client [pg_isready]=postgresql-client
  [pg_ctlcluster]=postgresql [runc]=runc [debootstrap]=debootstrap [ip]=iproute2
  [ssh]=openssh-client [curl]=curl [openssl]=openssl [unshare]=util-linux [setpriv]=util-linux [nft]=nftables [ssh-keygen]=openssh-client
  [gcc]=gcc [busybox]=busybox-static
)

ensure_debian_packages() {
  local missing=() cmd
  for cmd in "${!PACKAGE_FOR[@]}"; do
    case "$cmd" in
      redis-server|redis-cli) [[ -n "${REDIS_URL:-}" ]] && continue ;;
      pg_ctlcluster) [[ -n "${DATABASE_URL:-}" ]] && continue ;;
    esac
    command -v "$cmd" >/dev/null || missing+=("${PACKAGE_FOR[$cmd]}")
  done
  if ((${#missing[@]} == 0)); then echo "all present"; return; fi
  [[ $(id -u) == 0 ]] || die "missing Debian packages: ${missing[*]} (run as root or install them)"
  local unique; unique=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  echo "installing: $unique"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $unique >/dev/null
}

redis_url() { echo "${REDIS_URL:-redis://127.0.0.1:6379}"; }
database_url() { echo "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"; }

# Every machine runs containerd, a kubelet and kube-proxy, each with inotify watchers, and all
# machines share one host uid: Linux's default of 128 inotify instances per user runs out at a
# few machines (containerd then starts without its CRI plugin: "too many open files"). kind
# documents the same limit; these are its recommended values, raised, never lowered.
ensure_inotify_limits() {
  local pair key wanted current
  for pair in fs.inotify.max_user_instances=8192 fs.inotify.max_user_watches=524288; do
    key=${pair%=*}; wanted=${pair#*=}; current=$(sysctl -n "$key")
    if (( current < wanted )); then
      if sysctl -qw "$key=$wanted"; then echo "$key: $current → $wanted"; else echo "warning: could not raise $key ($current); machines may not join" >&2; fi
    fi
  done
}

ensure_redis() {
  if [[ -n "${REDIS_URL:-}" ]]; then echo "using REDIS_URL"; return; fi
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then echo "running on 127.0.0.1:6379"; return; fi
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/gardener-ts.log
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && { echo "started"; return; }; sleep 0.1; done
  die "redis-server did not answer on 127.0.0.1:6379 (see /var/log/redis/gardener-ts.log)"
}

ensure_postgres() {
  if [[ -n "${DATABASE_URL:-}" ]]; then echo "using DATABASE_URL"; return; fi
  if pg_isready -q -h 127.0.0.1 -p 5432; then echo "running on 127.0.0.1:5432"; return; fi
  local version
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [[ -z "$version" ]]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -1)
    pg_createcluster "$version" main >/dev/null
    # Local development database: the project's own user on loopback, no password.
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
    sed -i -E 's/^(local\s+all\s+all\s+)\S+/\1trust/' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 100); do pg_isready -q -h 127.0.0.1 -p 5432 && { echo "started PostgreSQL $version"; return; }; sleep 0.1; done
  die "PostgreSQL did not become ready on 127.0.0.1:5432"
}

# The URL of database NAME on the same server as database_url.
database_url_for() {
  local url; url=$(database_url)
  echo "${url%/*}/$1"
}

ensure_database() {
  local exists
  exists=$(psql "$(database_url)" -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")
  [[ "$exists" == 1 ]] || psql "$(database_url)" -qc "CREATE DATABASE $1"
}

require_go() {
  command -v go >/dev/null || die "Go 1.26 or newer is needed to build the pinned toolchain (https://go.dev/doc/install); or point GARDENER_TS_<BINARY> variables at your own binaries"
  local v; v=$(GOTOOLCHAIN=local go env GOVERSION)
  [[ "$(printf '%s\n' go1.26 "$v" | sort -V | head -1)" == go1.26 ]] || die "Go $v is too old: 1.26 or newer is needed"
}
