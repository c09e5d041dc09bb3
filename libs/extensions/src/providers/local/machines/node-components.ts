import { availableParallelism } from 'node:os';
import type { PlacedMachineSpec } from './machine-spec.js';

/** Inputs of the node's components inside the machine (root only). */
export const NODE_CONFIG_DIR = '/etc/gardener-node';
export const NODE_LOG_DIR = '/var/log/gardener-node';
/** Image archives the seed host offers every machine (read-only), imported into containerd at boot. */
export const NODE_IMAGES_DIR = '/var/lib/gardener-node/images';
/** Where the pinned kubelet and kube-proxy are mounted (read-only) from the toolchain cache. */
export const KUBELET_PATH = '/usr/local/bin/kubelet';
export const KUBE_PROXY_PATH = '/usr/local/bin/kube-proxy';
/** The kubelet's kubeconfig once it has its certificate; kube-proxy acts with the node's identity. */
const NODE_KUBECONFIG = '/var/lib/kubelet/kubeconfig';
export const INIT_PATH = '/usr/local/sbin/gardener-machine-init';
/** `touch <dir>/kubelet` keeps the kubelet stopped (as `systemctl stop` would); removing it starts it. */
export const STOPPED_DIR = '/run/gardener-node/stopped';

const CONTAINERD_SOCKET = 'unix:///run/containerd/containerd.sock';
/** Go's GC target for the node's daemons (default 100); see the machine init. */
const NODE_GOGC = 50;
/** Lease duration the kubelet claims; the controller-manager's grace period decides NotReady. */
const LEASE_DURATION_SECONDS = 40;

/** Labels only the kubelet may set on its own Node (NodeRestriction); others are the machine controller's. */
const KUBELET_LABEL_DOMAINS = /^(?:[^/]*\.)?(?:kubernetes\.io|k8s\.io)\//;
const LABEL_KEY =
  /^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export interface NodeFile {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

/** Where a node's containerd gets its images. */
export interface NodeImageSources {
  /** the pod sandbox image (imported at boot) */
  readonly pauseImage: string;
  /** the seed's own registry (host:port) as image references name it: reached only through `mirror` */
  readonly localRegistry: string;
  /** the read-only front of that registry (host:port) the machine can reach */
  readonly mirror: string;
}

const HOSTS_DIR = '/etc/containerd/certs.d';
/** Public registries tried at the seed's mirror first: an image pushed there needs no internet. */
const MIRRORED_PUBLIC_REGISTRIES: Record<string, string> = { 'docker.io': 'https://registry-1.docker.io' };

/**
 * containerd's hosts.toml per registry: the seed's registry only through its mirror (plain HTTP on
 * the seed's network); public ones at the mirror first, then at their own server, so a machine
 * with internet access still pulls public images.
 */
export function registryHostsFiles(images: NodeImageSources): NodeFile[] {
  const mirror = `[host."http://${images.mirror}"]\n  capabilities = ["pull", "resolve"]\n`;
  const servers = { [images.localRegistry]: `http://${images.mirror}`, ...MIRRORED_PUBLIC_REGISTRIES };
  return Object.entries(servers).map(([registry, server]) => ({
    path: `${HOSTS_DIR}/${registry}/hosts.toml`,
    content: `server = ${JSON.stringify(server)}\n\n${mirror}`,
    mode: 0o644,
  }));
}

/**
 * containerd (Debian's 1.6) as the kubelet expects it inside a user namespace: cgroupfs (no
 * systemd in a machine), no oom_score_adj below its own, CNI plugins from Debian's package.
 */
export function containerdConfig(pauseImage: string): string {
  const cri = '[plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
${cri}]
  sandbox_image = ${JSON.stringify(pauseImage)}
  restrict_oom_score_adj = true
${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"
${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false
${cri}.cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "/etc/cni/net.d"
${cri}.registry]
  config_path = "${HOSTS_DIR}"
`;
}

/** KubeletConfiguration (JSON is YAML): webhook authn/authz against the shoot, taints at registration. */
export function kubeletConfig(spec: PlacedMachineSpec): object {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'cgroupfs',
    containerRuntimeEndpoint: CONTAINERD_SOCKET,
    // in a user namespace: no /dev/kmsg, no lower oom_score_adj, no global sysctls
    featureGates: { KubeletInUserNamespace: true },
    failSwapOn: false,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: `${NODE_CONFIG_DIR}/ca.crt` },
    },
    authorization: { mode: 'Webhook' },
    readOnlyPort: 0,
    providerID: spec.providerId,
    registerWithTaints: spec.bootstrap.taints,
    nodeLeaseDurationSeconds: LEASE_DURATION_SECONDS,
    rotateCertificates: true,
    resolvConf: '/etc/resolv.conf',
    clusterDomain: 'cluster.local',
    ...(spec.bootstrap.clusterDns ? { clusterDNS: [spec.bootstrap.clusterDns] } : {}),
    maxPods: 110,
    ...cpuReserve(spec.millicores),
  };
}

/**
 * The kubelet counts the host's processors as the node's CPU capacity (its memory comes from the
 * machine's own /proc/meminfo). The rest of the host's CPUs are reserved, so that allocatable CPU,
 * which the scheduler uses, is the machine type's (its CFS quota enforces it).
 */
function cpuReserve(millicores: number): { systemReserved?: { cpu: string } } {
  const reserved = availableParallelism() * 1000 - millicores;
  return reserved > 0 ? { systemReserved: { cpu: `${reserved}m` } } : {};
}

/**
 * kube-proxy in iptables mode with the node's credentials (group system:nodes is bound to
 * system:node-proxier). In a user namespace it may not change the host's conntrack table size or
 * timeouts, so it leaves them as they are.
 */
export function kubeProxyConfig(spec: PlacedMachineSpec): object {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig: NODE_KUBECONFIG },
    hostnameOverride: spec.name,
    bindAddress: spec.address,
    mode: 'iptables',
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    oomScoreAdj: 0,
  };
}

/** Bootstrap kubeconfig: the token lives in it until the kubelet has its own certificate. */
export function bootstrapKubeconfig(spec: PlacedMachineSpec): object {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'shoot',
        cluster: {
          server: spec.bootstrap.apiServerUrl,
          'certificate-authority': `${NODE_CONFIG_DIR}/ca.crt`,
        },
      },
    ],
    users: [{ name: 'kubelet-bootstrap', user: { token: spec.bootstrap.bootstrapToken } }],
    contexts: [{ name: 'bootstrap', context: { cluster: 'shoot', user: 'kubelet-bootstrap' } }],
    'current-context': 'bootstrap',
  };
}

/**
 * The kubelet's flags, one per line (the init reads them into an array: nothing is parsed by a
 * shell). Labels the kubelet may not set, and any that are not valid labels, are left out.
 */
export function kubeletArgs(spec: PlacedMachineSpec): string[] {
  const labels = {
    'node.kubernetes.io/instance-type': spec.machineType,
    'topology.kubernetes.io/zone': spec.zone,
    ...Object.fromEntries(
      Object.entries(spec.bootstrap.labels).filter(([key]) => !KUBELET_LABEL_DOMAINS.test(key)),
    ),
  };
  const valid = Object.entries(labels).filter(
    ([key, value]) => LABEL_KEY.test(key) && LABEL_VALUE.test(value),
  );
  return [
    `--config=${NODE_CONFIG_DIR}/kubelet.json`,
    `--bootstrap-kubeconfig=${NODE_CONFIG_DIR}/bootstrap-kubeconfig`,
    `--kubeconfig=${NODE_KUBECONFIG}`,
    '--cert-dir=/var/lib/kubelet/pki',
    `--hostname-override=${spec.name}`,
    `--node-ip=${spec.address}`,
    `--node-labels=${valid.map(([key, value]) => `${key}=${value}`).join(',')}`,
  ];
}

/**
 * PID 1 of a machine: adds user `gardener`, starts sshd, imports the seed's images, then keeps
 * containerd, the kubelet and (once the kubelet has its certificate) kube-proxy running: each is
 * started again (after a pause that grows to 10 s) whenever it exits, unless a file named after
 * it in STOPPED_DIR says it was stopped on purpose.
 * Pods keep running while either is down (containerd's shims hold them). The node's network
 * (pod CIDR, routes to other nodes' pods) follows the Node objects.
 */
export const MACHINE_INIT_SCRIPT = `#!/bin/bash
set -u
trap 'kill -TERM -1 2>/dev/null; exit 0' TERM INT
# the node's Go daemons (containerd and its shims, kubelet, kube-proxy) collect garbage sooner: a
# smaller heap for a little CPU, as machines are many and idle most of the time
export GOGC=${NODE_GOGC}
LOG=${NODE_LOG_DIR}
mkdir -p -m 0755 /run/sshd "$LOG" ${STOPPED_DIR}
id gardener >/dev/null 2>&1 || useradd --create-home --shell /bin/bash --password '*' gardener
/usr/sbin/sshd -E /var/log/sshd.log || echo "sshd did not start" >&2

supervise() {
  local name=$1 pause=1; shift
  while :; do
    while [[ -e ${STOPPED_DIR}/$name ]]; do sleep 1; done
    local started=$SECONDS
    "$@" >>"$LOG/$name.log" 2>&1
    local code=$?
    echo "$(date -u +%FT%TZ) $name exited with $code; starting again in \${pause}s" >>"$LOG/supervisor.log"
    (( SECONDS - started > 60 )) && pause=1
    sleep "$pause"
    (( pause < 10 )) && pause=$(( pause * 2 ))
  done
}

containerd_ready() {
  for _ in $(seq 100); do
    ctr --address /run/containerd/containerd.sock version >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

mkdir -p /etc/containerd /etc/cni/net.d /var/lib/kubelet
cp ${NODE_CONFIG_DIR}/containerd.toml /etc/containerd/config.toml
supervise containerd containerd &
containerd_ready || echo "containerd is not answering" >&2
for archive in ${NODE_IMAGES_DIR}/*.tar; do
  [[ -f $archive ]] && ctr -n k8s.io images import "$archive" >>"$LOG/images.log" 2>&1
done
mapfile -t KUBELET_ARGS < ${NODE_CONFIG_DIR}/kubelet.args
supervise kubelet ${KUBELET_PATH} "\${KUBELET_ARGS[@]}" &
{
  until [[ -s ${NODE_KUBECONFIG} ]]; do sleep 1; done
  supervise kube-proxy ${KUBE_PROXY_PATH} --config=${NODE_CONFIG_DIR}/kube-proxy.json
} &
supervise node-network /bin/bash ${NODE_CONFIG_DIR}/node-network.sh &
while :; do
  sleep 3600 &
  wait $!
done
`;

/**
 * The node's share of the pod network (what kindnet does in kind): once the controller-manager
 * gave the Node its pod CIDR, the bridge CNI config takes addresses from it; every few seconds each
 * other Node's pod CIDR gets a route via that Node's address (all nodes share one L2 bridge).
 */
export const NODE_NETWORK_SCRIPT = `#!/bin/bash
set -uo pipefail
CONF=${NODE_CONFIG_DIR}
SERVER=$(jq -r .server "$CONF/node.json")
NAME=$(jq -r .name "$CONF/node.json")
CERT=/var/lib/kubelet/pki/kubelet-client-current.pem
api() {
  curl --silent --fail --max-time 10 --cacert "$CONF/ca.crt" --cert "$CERT" --key "$CERT" "$SERVER$1"
}
until [[ -s $CERT ]]; do sleep 1; done
# the kubelet has its own certificate: the bootstrap token is no longer needed on this machine
rm -f "$CONF/bootstrap-kubeconfig"
until cidr=$(api "/api/v1/nodes/$NAME" | jq -er '.spec.podCIDR // empty'); do sleep 1; done
conflist=$(jq -n --arg cidr "$cidr" '{cniVersion: "0.4.0", name: "gardener", plugins: [
  {type: "bridge", bridge: "cni0", isGateway: true, ipMasq: true, hairpinMode: true,
   ipam: {type: "host-local", ranges: [[{subnet: $cidr}]], routes: [{dst: "0.0.0.0/0"}]}},
  {type: "portmap", capabilities: {portMappings: true}}]}')
if [[ $(cat /etc/cni/net.d/10-gardener.conflist 2>/dev/null) != "$conflist" ]]; then
  printf '%s\\n' "$conflist" >/etc/cni/net.d/.10-gardener.conflist && mv /etc/cni/net.d/.10-gardener.conflist /etc/cni/net.d/10-gardener.conflist
fi
while :; do
  api /api/v1/nodes | jq -r --arg self "$NAME" '.items[] | select(.metadata.name != $self and .spec.podCIDR != null)
    | [.spec.podCIDR, (.status.addresses[]? | select(.type == "InternalIP") | .address)] | @tsv' |
    while IFS=$'\\t' read -r podcidr address; do
      [[ -n $address ]] && ip route replace "$podcidr" via "$address" dev eth0
    done
  sleep 5
done
`;

/** Every file that makes the base image this node, with its inputs (token and CA included). */
export function nodeFiles(spec: PlacedMachineSpec, images: NodeImageSources): NodeFile[] {
  const node = { server: spec.bootstrap.apiServerUrl, name: spec.name };
  return [
    { path: `${NODE_CONFIG_DIR}/ca.crt`, content: spec.bootstrap.caPem, mode: 0o644 },
    { path: `${NODE_CONFIG_DIR}/node.json`, content: JSON.stringify(node), mode: 0o600 },
    { path: `${NODE_CONFIG_DIR}/containerd.toml`, content: containerdConfig(images.pauseImage), mode: 0o600 },
    ...registryHostsFiles(images),
    { path: `${NODE_CONFIG_DIR}/kubelet.json`, content: JSON.stringify(kubeletConfig(spec)), mode: 0o600 },
    { path: `${NODE_CONFIG_DIR}/kubelet.args`, content: `${kubeletArgs(spec).join('\n')}\n`, mode: 0o600 },
    {
      path: `${NODE_CONFIG_DIR}/kube-proxy.json`,
      content: JSON.stringify(kubeProxyConfig(spec)),
      mode: 0o600,
    },
    {
      path: `${NODE_CONFIG_DIR}/bootstrap-kubeconfig`,
      content: JSON.stringify(bootstrapKubeconfig(spec)),
      mode: 0o600,
    },
    { path: `${NODE_CONFIG_DIR}/node-network.sh`, content: NODE_NETWORK_SCRIPT, mode: 0o700 },
    { path: INIT_PATH, content: MACHINE_INIT_SCRIPT, mode: 0o755 },
  ];
}
