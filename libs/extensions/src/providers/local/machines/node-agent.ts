/** Where the driver puts the agent's inputs inside the machine (root only, 0700). */
export const AGENT_CONFIG_DIR = '/etc/gardener-node-agent';
export const AGENT_PATH = '/usr/local/sbin/gardener-node-agent';
export const AGENT_LOG = '/var/log/gardener-node-agent.log';

/**
 * The node agent: what the kubelet does for a node that runs no pods. It does the kubelet's TLS
 * bootstrap with the bootstrap token (a CSR for system:node:<name> that the shoot's
 * controller-manager approves and signs), registers the Node, then renews its Lease in
 * kube-node-lease and its Ready condition every few seconds. The token reaches curl on stdin
 * (`--header @-`), never on a command line, and is deleted once the certificate is there.
 */
export const NODE_AGENT_SCRIPT = `#!/bin/bash
set -uo pipefail
CONF=${AGENT_CONFIG_DIR}
STATE=/var/lib/gardener-node-agent
SERVER=$(jq -r .server "$CONF/config.json")
NAME=$(jq -r .nodeName "$CONF/config.json")
INTERVAL=$(jq -r .heartbeatSeconds "$CONF/config.json")
LEASE_SECONDS=$(jq -r .leaseDurationSeconds "$CONF/config.json")
REQUEST=$STATE/request.json
RESPONSE=$STATE/response.json
umask 077
mkdir -p "$STATE"

log() { printf '%s %s\\n' "$(date -u +%FT%TZ)" "$*"; }
seconds_now() { date -u +%FT%TZ; }
micro_now() { date -u +%Y-%m-%dT%H:%M:%S.%6NZ; }

# request <as: token|node> <method> <path> [content type]: prints the HTTP status, body in $RESPONSE
request() {
  local as=$1 method=$2 path=$3 type=\${4:-application/json}
  local args=(--silent --show-error --max-time 10 --cacert "$CONF/ca.crt" --output "$RESPONSE"
    --write-out '%{http_code}' --request "$method" --header "Content-Type: $type")
  [[ $method == GET ]] || args+=(--data-binary "@$REQUEST")
  if [[ $as == token ]]; then
    printf 'Authorization: Bearer %s\\n' "$(<"$CONF/bootstrap-token")" | curl "\${args[@]}" --header @- "$SERVER$path"
  else
    curl "\${args[@]}" --cert "$STATE/node.crt" --key "$STATE/node.key" "$SERVER$path"
  fi
}

why() { head -c 300 "$RESPONSE" 2>/dev/null | tr '\\n' ' '; }

bootstrap() {
  [[ -s $STATE/node.crt ]] && return 0
  [[ -s $CONF/bootstrap-token ]] || { log "no client certificate and no bootstrap token"; return 1; }
  [[ -s $STATE/node.key ]] || openssl ecparam -name prime256v1 -genkey -noout -out "$STATE/node.key" || return 1
  openssl req -new -key "$STATE/node.key" -subj "/O=system:nodes/CN=system:node:$NAME" -out "$STATE/node.csr" || return 1
  jq -n --arg request "$(base64 -w0 "$STATE/node.csr")" '{
    apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest",
    metadata: {generateName: "node-csr-"},
    spec: {request: $request, signerName: "kubernetes.io/kube-apiserver-client-kubelet",
           usages: ["digital signature", "client auth"]}}' >"$REQUEST"
  local code csr certificate
  code=$(request token POST /apis/certificates.k8s.io/v1/certificatesigningrequests)
  [[ $code == 201 ]] || { log "creating the CSR failed: HTTP $code $(why)"; return 1; }
  csr=$(jq -r .metadata.name "$RESPONSE")
  log "CSR $csr created; waiting for the controller-manager to sign it"
  for _ in $(seq 600); do
    code=$(request token GET "/apis/certificates.k8s.io/v1/certificatesigningrequests/$csr")
    if [[ $code == 200 ]]; then
      certificate=$(jq -r '.status.certificate // empty' "$RESPONSE")
      if [[ -n $certificate ]]; then
        base64 -d <<<"$certificate" >"$STATE/node.crt.new" && mv "$STATE/node.crt.new" "$STATE/node.crt"
        rm -f "$CONF/bootstrap-token" "$STATE/node.csr"
        log "client certificate for system:node:$NAME issued"
        return 0
      fi
      if jq -e '.status.conditions[]? | select(.type == "Denied" or .type == "Failed")' "$RESPONSE" >/dev/null; then
        log "CSR $csr was denied or failed: $(why)"
        return 1
      fi
    fi
    sleep 0.5
  done
  log "CSR $csr was not signed in time"
  return 1
}

ready_condition() {
  jq -n --arg now "$(seconds_now)" --arg since "$SINCE" '{type: "Ready", status: "True",
    reason: "KubeletReady", message: "gardener-node-agent is posting ready status",
    lastHeartbeatTime: $now, lastTransitionTime: $since}'
}

register() {
  local code version=""
  code=$(request node GET /version)
  [[ $code == 200 ]] && version=$(jq -r '.gitVersion // ""' "$RESPONSE")
  jq --arg version "$version" --arg boot "$(cat /proc/sys/kernel/random/boot_id)" \\
    --argjson ready "$(ready_condition)" \\
    '.status.nodeInfo.kubeletVersion = $version | .status.nodeInfo.bootID = $boot | .status.conditions = [$ready]' \\
    "$CONF/node.json" >"$REQUEST"
  code=$(request node POST /api/v1/nodes)
  case $code in
    201) log "registered Node $NAME" ;;
    409) log "Node $NAME exists" ;;
    *) log "registering Node $NAME failed: HTTP $code $(why)"; return 1 ;;
  esac
  code=$(request node GET "/api/v1/nodes/$NAME")
  [[ $code == 200 ]] || { log "reading Node $NAME failed: HTTP $code $(why)"; return 1; }
  NODE_UID=$(jq -r .metadata.uid "$RESPONSE")
}

renew_lease() {
  local code path=/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases
  jq -n --arg name "$NAME" --arg now "$(micro_now)" --argjson seconds "$LEASE_SECONDS" \\
    '{spec: {holderIdentity: $name, leaseDurationSeconds: $seconds, renewTime: $now}}' >"$REQUEST"
  code=$(request node PATCH "$path/$NAME" application/merge-patch+json)
  [[ $code == 404 ]] || { [[ $code == 200 ]] || log "renewing the Lease failed: HTTP $code $(why)"; return; }
  jq -n --arg name "$NAME" --arg uid "$NODE_UID" --arg now "$(micro_now)" --argjson seconds "$LEASE_SECONDS" '{
    apiVersion: "coordination.k8s.io/v1", kind: "Lease",
    metadata: {name: $name, namespace: "kube-node-lease",
      ownerReferences: [{apiVersion: "v1", kind: "Node", name: $name, uid: $uid}]},
    spec: {holderIdentity: $name, leaseDurationSeconds: $seconds, renewTime: $now}}' >"$REQUEST"
  code=$(request node POST "$path")
  [[ $code == 201 ]] || log "creating the Lease failed: HTTP $code $(why)"
}

post_ready() {
  local code
  jq -n --argjson ready "$(ready_condition)" '{status: {conditions: [$ready]}}' >"$REQUEST"
  code=$(request node PATCH "/api/v1/nodes/$NAME/status" application/strategic-merge-patch+json)
  [[ $code == 200 ]] || log "posting the Ready condition failed: HTTP $code $(why)"
}

log "gardener-node-agent for $NAME, API server $SERVER"
until bootstrap; do sleep 2; done
SINCE=$(seconds_now)
until register; do sleep 2; done
while :; do
  renew_lease
  post_ready
  sleep "$INTERVAL"
done
`;
