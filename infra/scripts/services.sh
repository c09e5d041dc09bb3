# Long-running services started by up.sh: detached, one pidfile and one log each under
# $GARDENER_TS_RUN_DIR. start_service restarts a service whose build changed since it started.

RUN_DIR="${GARDENER_TS_RUN_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/gardener-ts/run}"

service_pid() {
  local pidfile="$RUN_DIR/$1.pid" pid
  [[ -f "$pidfile" ]] || return 1
  pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

stop_service() {
  local pid
  if pid=$(service_pid "$1"); then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN_DIR/$1.pid" "$RUN_DIR/$1.build"
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
  # the command line counts too: a changed setting restarts the service
  build="$code-$(printf '%s\n' "$@" | sha256sum | cut -c1-8)"
  mkdir -p "$RUN_DIR"; chmod 700 "$RUN_DIR"
  if service_pid "$name" >/dev/null && [[ "$(cat "$RUN_DIR/$name.build" 2>/dev/null)" == "$build" ]]; then
    echo "$name: running (pid $(service_pid "$name"), log $RUN_DIR/$name.log)"; return
  fi
  stop_service "$name"
  since=$(( $(stat -c %s "$RUN_DIR/$name.log" 2>/dev/null || echo 0) + 1 ))
  setsid nohup "$@" >>"$RUN_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
  echo "$build" >"$RUN_DIR/$name.build"
  for _ in $(seq 300); do
    if service_ready "$name" "$ready_url" "$since"; then
      echo "$name: started (pid $(cat "$RUN_DIR/$name.pid"), $ready_url, log $RUN_DIR/$name.log)"; return
    fi
    service_pid "$name" >/dev/null || break
    sleep 0.1
  done
  tail -20 "$RUN_DIR/$name.log" >&2
  die "$name did not become ready at $ready_url (log: $RUN_DIR/$name.log)"
}

# A build id that changes whenever the service's compiled code does (content, not timestamps).
build_id() { find "$@" -name '*.js' -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16; }
