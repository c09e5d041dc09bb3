# Long-running services started by up.sh: each runs under its own supervisor
# (infra/src/supervisor), which restarts it when it dies (exponential backoff, logged with the exit
# code or signal) and takes it along when the supervisor itself dies. Per service, under
# $GARDENER_TS_RUN_DIR: NAME.pid (the supervisor), NAME.child.pid (the service), NAME.status.json
# (restarts, last exit, crash loop), NAME.log (both). start_service leaves a running, unchanged
# service alone and restarts one whose build or command line changed; stop_service stops it for good.

RUN_DIR="${GARDENER_TS_RUN_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/gardener-ts/run}"

service_pid() {
  local pidfile="$RUN_DIR/$1.pid" pid
  [[ -f "$pidfile" ]] || return 1
  pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# The service's own pid while it runs (its pidfile holds the pid and its start time, so a pid
# reused by another process does not count).
service_child_pid() {
  local pid start actual
  read -r pid start 2>/dev/null <"$RUN_DIR/$1.child.pid" || return 1
  actual=$(sed -E 's/.*\) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f20) || return 1
  [[ -n "$start" && "$actual" == "$start" ]] && echo "$pid"
}

# SIGTERM to the supervisor, which stops the service (grace, then SIGKILL) and does not restart it.
stop_service() {
  local pid
  if pid=$(service_pid "$1"); then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 250); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  # a service left by a supervisor that was killed before it could stop it
  if pid=$(service_child_pid "$1"); then kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$RUN_DIR/$1.pid" "$RUN_DIR/$1.build" "$RUN_DIR/$1.child.pid"
}

service_restarts() {
  sed -nE 's/^  "restarts": ([0-9]+),?$/\1/p' "$RUN_DIR/$1.status.json" 2>/dev/null || echo 0
}

# Ready when READY (http://…) answers, or when the service's log since its start says READY (log:TEXT).
service_ready() {
  local name=$1 ready=$2 since=$3
  case "$ready" in
    log:*) tail -c +"$since" "$RUN_DIR/$name.log" 2>/dev/null | grep -qF -- "${ready#log:}" ;;
    *) curl -fsSk -o /dev/null "$ready" 2>/dev/null ;;  # local readiness probe only
  esac
}

# start_service NAME BUILD_ID READY COMMAND...
start_service() {
  local name=$1 code=$2 ready_url=$3 since build; shift 3
  # the command line and the supervisor count too: a changed setting restarts the service
  build="$code-$(build_id infra/dist/supervisor | cut -c1-8)-$(printf '%s\n' "$@" | sha256sum | cut -c1-8)"
  mkdir -p "$RUN_DIR"; chmod 700 "$RUN_DIR"
  if service_pid "$name" >/dev/null && [[ "$(cat "$RUN_DIR/$name.build" 2>/dev/null)" == "$build" ]]; then
    echo "$name: running (supervisor pid $(service_pid "$name"), service pid $(service_child_pid "$name" || echo none)," \
      "$(service_restarts "$name") restarts, log $RUN_DIR/$name.log)"
    return
  fi
  stop_service "$name"
  since=$(( $(stat -c %s "$RUN_DIR/$name.log" 2>/dev/null || echo 0) + 1 ))
  setsid nohup node infra/dist/supervisor/main.js --name "$name" --run-dir "$RUN_DIR" -- "$@" \
    >>"$RUN_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
  echo "$build" >"$RUN_DIR/$name.build"
  for _ in $(seq 300); do
    if service_ready "$name" "$ready_url" "$since"; then
      echo "$name: started under its supervisor (supervisor pid $(cat "$RUN_DIR/$name.pid")," \
        "service pid $(service_child_pid "$name" || echo none), $ready_url, log $RUN_DIR/$name.log)"
      return
    fi
    service_pid "$name" >/dev/null || break
    sleep 0.1
  done
  tail -20 "$RUN_DIR/$name.log" >&2
  die "$name did not become ready at $ready_url (log: $RUN_DIR/$name.log)"
}

# A build id that changes whenever the service's compiled code does (content, not timestamps).
build_id() { find "$@" -name '*.js' -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16; }
