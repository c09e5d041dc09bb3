import { isIPv6 } from 'node:net';
import { cidrProblem, hostAddress } from '@gardener-ts/api/cidr';
import { type PkiPaths, pkiPaths } from '@gardener-ts/pki';
import type { ComponentName, ControlPlaneSpec } from '../types.js';
import type { ShootLayout } from './layout.js';
import {
  DEFAULT_BACKOFF,
  type SupervisedComponent,
  type SupervisorConfig,
  type WaitFor,
} from './supervisor-config.js';

export interface Ports {
  readonly etcdClient: number;
  readonly etcdPeer: number;
  readonly apiServer: number;
  readonly controllerManager: number;
  readonly scheduler: number;
  /** kwok's metrics and health endpoint (absent in state written before kwok existed) */
  readonly kwok?: number;
}

/** etcd, the controller-manager and the scheduler serve on loopback only; the apiserver is the door. */
export const LOOPBACK = '127.0.0.1';

/**
 * Knobs that trade CPU or throughput headroom for memory, since a seed hosts many small control
 * planes. Measured with bench/seed-startup.ts (figures in libs/seed/README.md): GOGC=15 lowers
 * idle RSS of the four by ~90 MiB against Go's default (GOGC=100) for ~1.5 % more idle CPU of one
 * core; GOMEMLIMIT near the live heap makes kube-apiserver collect garbage continuously (a full
 * core), so it is not set by default.
 */
export interface ControlPlaneTuning {
  /** Go's soft memory limit per component (GOMEMLIMIT), e.g. '256MiB' */
  readonly goMemoryLimit?: Readonly<Partial<Record<ComponentName, string>>>;
  /** GOGC for every component; lower = smaller heap, more GC CPU */
  readonly goGC?: number;
  /** GOGC for a component, in place of goGC */
  readonly goGCPerComponent?: Readonly<Partial<Record<ComponentName, number>>>;
  /** extra flags appended per component (the last of a repeated flag wins) */
  readonly extraArgs?: Readonly<Partial<Record<ComponentName, readonly string[]>>>;
}

export const DEFAULT_TUNING: ControlPlaneTuning = {
  // GOGC=50 everywhere. kube-apiserver at GOGC=15 held ~31 MiB less but collected garbage 72 times
  // on its way to /readyz (29 at 50): ~6 CPU-s per start instead of ~4, which on 2 cores kept 20
  // control planes from starting within a minute; idle, 50 also costs ~2 mCPU less per control
  // plane (bench/seed-startup.ts, bench/idle-control-planes.ts, libs/seed/README.md).
  goGC: 50,
};

const url = (host: string, port: number) => `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;

export function apiServerUrl(spec: ControlPlaneSpec, ports: Ports): string {
  return url(spec.listenAddress, ports.apiServer);
}

/** The first usable address of an IPv4 CIDR (the `kubernetes` service's ClusterIP). */
export function firstServiceIP(cidr: string): string {
  const address = hostAddress(cidr, 1);
  if (address === undefined) {
    const reason = cidrProblem(cidr) ?? 'it has no room for a service address';
    throw new Error(`service range ${cidr} is not an IPv4 CIDR: ${reason}`);
  }
  return address;
}

export interface ComponentInputs {
  readonly spec: ControlPlaneSpec;
  readonly clusterName: string;
  readonly layout: ShootLayout;
  readonly ports: Ports;
  readonly binaries: Readonly<Record<ComponentName, string>>;
  readonly tuning: ControlPlaneTuning;
}

/**
 * kube-apiserver answering /readyz, asked as `client`. The controller-manager gives up (exits) when
 * the API server is not healthy within 10 s of its start; started when the port merely accepted,
 * it crashed and restarted again and again while many control planes started at once.
 */
function apiServerReady(
  inputs: ComponentInputs,
  pki: PkiPaths,
  client: 'admin' | 'kube-controller-manager' | 'kube-scheduler',
): WaitFor {
  return {
    host: inputs.spec.listenAddress,
    port: inputs.ports.apiServer,
    https: { path: '/readyz', caFile: pki.cert('ca'), certFile: pki.cert(client), keyFile: pki.key(client) },
  };
}

export function supervisorConfig(inputs: ComponentInputs): SupervisorConfig {
  const pki = pkiPaths(inputs.layout.pki);
  const components: SupervisedComponent[] = [
    component(inputs, 'etcd', etcdArgs(inputs, pki)),
    {
      ...component(inputs, 'kube-apiserver', apiServerArgs(inputs, pki)),
      waitFor: [{ host: LOOPBACK, port: inputs.ports.etcdClient }],
    },
    {
      ...component(inputs, 'kube-controller-manager', controllerManagerArgs(inputs, pki)),
      waitFor: [apiServerReady(inputs, pki, 'kube-controller-manager')],
    },
    {
      ...component(inputs, 'kube-scheduler', schedulerArgs(inputs, pki)),
      waitFor: [apiServerReady(inputs, pki, 'kube-scheduler')],
    },
  ];
  if (inputs.spec.simulatePods) {
    components.push({
      ...component(inputs, 'kwok', kwokArgs(inputs)),
      waitFor: [apiServerReady(inputs, pki, 'admin')],
    });
  }
  return { components, backoff: DEFAULT_BACKOFF, stopGraceMs: 10_000 };
}

function component(inputs: ComponentInputs, name: ComponentName, args: string[]): SupervisedComponent {
  const env: Record<string, string> = {};
  const { goGC, goGCPerComponent, goMemoryLimit, extraArgs } = inputs.tuning;
  const gc = goGCPerComponent?.[name] ?? goGC;
  if (gc !== undefined) env.GOGC = String(gc);
  const limit = goMemoryLimit?.[name];
  if (limit) env.GOMEMLIMIT = limit;
  return { name, command: inputs.binaries[name], args: [...args, ...(extraArgs?.[name] ?? [])], env };
}

function etcdArgs({ ports, layout }: ComponentInputs, pki: PkiPaths): string[] {
  const client = url(LOOPBACK, ports.etcdClient);
  const peer = url(LOOPBACK, ports.etcdPeer);
  return [
    '--name=etcd',
    `--data-dir=${layout.etcdData}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=etcd=${peer}`,
    '--initial-cluster-state=new',
    '--client-cert-auth=true',
    `--trusted-ca-file=${pki.cert('etcd-ca')}`,
    `--cert-file=${pki.cert('etcd-server')}`,
    `--key-file=${pki.key('etcd-server')}`,
    '--peer-client-cert-auth=true',
    `--peer-trusted-ca-file=${pki.cert('etcd-ca')}`,
    `--peer-cert-file=${pki.cert('etcd-peer')}`,
    `--peer-key-file=${pki.key('etcd-peer')}`,
    // kube-apiserver compacts every 5 minutes; the backend is bounded so a runaway shoot cannot fill the disk
    '--quota-backend-bytes=2147483648',
    '--snapshot-count=10000',
    // One member: no peer to send heartbeats to, so the raft tick only paces elections. 250 ms ticks
    // wake etcd 4 times a second instead of 10; a start still elects itself within 5 ticks (1.25 s).
    '--heartbeat-interval=250',
    '--election-timeout=1250',
    '--log-level=warn',
  ];
}

function apiServerArgs({ spec, ports, layout }: ComponentInputs, pki: PkiPaths): string[] {
  const issuer = apiServerUrl(spec, ports);
  return [
    `--advertise-address=${spec.listenAddress}`,
    `--bind-address=${spec.listenAddress}`,
    `--secure-port=${ports.apiServer}`,
    `--etcd-servers=${url(LOOPBACK, ports.etcdClient)}`,
    `--etcd-cafile=${pki.cert('etcd-ca')}`,
    `--etcd-certfile=${pki.cert('apiserver-etcd-client')}`,
    `--etcd-keyfile=${pki.key('apiserver-etcd-client')}`,
    `--tls-cert-file=${pki.cert('apiserver')}`,
    `--tls-private-key-file=${pki.key('apiserver')}`,
    `--client-ca-file=${pki.cert('ca')}`,
    `--kubelet-client-certificate=${pki.cert('apiserver-kubelet-client')}`,
    `--kubelet-client-key=${pki.key('apiserver-kubelet-client')}`,
    // node names resolve nowhere: logs, exec and port-forward dial the node's address
    '--kubelet-preferred-address-types=InternalIP,Hostname',
    `--requestheader-client-ca-file=${pki.cert('front-proxy-ca')}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${pki.cert('front-proxy-client')}`,
    `--proxy-client-key-file=${pki.key('front-proxy-client')}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    '--anonymous-auth=false',
    '--enable-bootstrap-token-auth=true',
    `--encryption-provider-config=${layout.encryptionConfig}`,
    `--service-account-issuer=${issuer}`,
    `--service-account-key-file=${pki.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    `--service-cluster-ip-range=${spec.serviceCidr}`,
    '--allow-privileged=true',
    '--profiling=false',
    '--endpoint-reconciler-type=lease',
    // Idle CPU (bench/idle-control-planes.ts, profiled): every minute the object-count poller lists
    // the keys of every resource in etcd (~18 % of an idle apiserver's CPU, and etcd's share), and
    // every 30 s the size poller asks etcd for its DB size. Both only feed metrics
    // (apiserver_storage_objects, apiserver_storage_size_bytes); without counts, API priority and
    // fairness estimates a list at its minimum width.
    '--etcd-count-metric-poll-period=0',
    '--etcd-db-metric-poll-interval=0',
  ];
}

function delegatedAuth(layout: ShootLayout, name: 'kube-controller-manager' | 'kube-scheduler'): string[] {
  const kubeconfig = layout.kubeconfig(name);
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
  ];
}

function controllerManagerArgs(
  { ports, layout, spec, clusterName }: ComponentInputs,
  pki: PkiPaths,
): string[] {
  return [
    ...delegatedAuth(layout, 'kube-controller-manager'),
    `--bind-address=${LOOPBACK}`,
    `--secure-port=${ports.controllerManager}`,
    `--tls-cert-file=${pki.cert('kube-controller-manager-server')}`,
    `--tls-private-key-file=${pki.key('kube-controller-manager-server')}`,
    `--client-ca-file=${pki.cert('ca')}`,
    `--requestheader-client-ca-file=${pki.cert('front-proxy-ca')}`,
    `--cluster-name=${clusterName}`,
    // csrsigning signs kubelet client/serving certificates with the cluster CA; csrapproving
    // approves node-client CSRs of bootstrap-token holders; tokencleaner drops expired tokens.
    // Off, for idle CPU: attach-detach (its reconciler wakes every 100 ms; local machines have no
    // attachable volumes: no cloud disks, no CSI driver that needs attaching) and the horizontal
    // pod autoscaler (a 15 s resync; a local shoot serves no metrics API, so an HPA could never act).
    '--controllers=*,bootstrapsigner,tokencleaner,-persistentvolume-attach-detach-controller,-horizontal-pod-autoscaler-controller',
    `--cluster-signing-cert-file=${pki.cert('ca')}`,
    `--cluster-signing-key-file=${pki.key('ca')}`,
    '--cluster-signing-duration=8760h',
    `--root-ca-file=${pki.cert('ca')}`,
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    '--use-service-account-credentials=true',
    `--service-cluster-ip-range=${spec.serviceCidr}`,
    // every Node gets a /24 of the pods network (its bridge CNI takes pod addresses from it)
    ...(spec.podCidr
      ? [`--cluster-cidr=${spec.podCidr}`, '--allocate-node-cidrs=true', '--node-cidr-mask-size=24']
      : []),
    // One instance per control plane, owned by one supervisor: no election traffic.
    '--leader-elect=false',
    '--profiling=false',
  ];
}

function schedulerArgs({ ports, layout }: ComponentInputs, pki: PkiPaths): string[] {
  return [
    ...delegatedAuth(layout, 'kube-scheduler'),
    `--bind-address=${LOOPBACK}`,
    `--secure-port=${ports.scheduler}`,
    `--tls-cert-file=${pki.cert('kube-scheduler-server')}`,
    `--tls-private-key-file=${pki.key('kube-scheduler-server')}`,
    `--client-ca-file=${pki.cert('ca')}`,
    `--requestheader-client-ca-file=${pki.cert('front-proxy-ca')}`,
    '--leader-elect=false',
    '--profiling=false',
  ];
}

/**
 * kwok with Pod stages only (its default stages would also fake Node heartbeats): Pods bound to
 * any node become Running, and deleted Pods go away. Node leases stay with the machines' agents.
 */
function kwokArgs({ layout, ports, spec }: ComponentInputs): string[] {
  return [
    `--kubeconfig=${layout.kubeconfig('admin')}`,
    `--config=${layout.kwokConfig}`,
    '--manage-all-nodes=true',
    '--node-lease-duration-seconds=0',
    `--cidr=${spec.podCidr ?? '10.0.0.0/16'}`,
    `--server-address=${LOOPBACK}:${ports.kwok ?? 0}`,
  ];
}

/**
 * kwok Stages: a Pod bound to a node becomes Running with an IP; a deleted Pod is removed. Without
 * any Node stage kwok falls back to its defaults, which would mark every node Ready, so one Node
 * stage that matches no node stands in for "none".
 */
export const KWOK_POD_STAGES = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: node-untouched
spec:
  resourceRef:
    apiGroup: v1
    kind: Node
  selector:
    matchLabels:
      kwok.gardener-ts.io/never-matches: "true"
  next: {}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-running
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.podIP'
      operator: 'DoesNotExist'
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - { type: Initialized, status: "True", lastTransitionTime: {{ $now | Quote }} }
      - { type: Ready, status: "True", lastTransitionTime: {{ $now | Quote }} }
      - { type: ContainersReady, status: "True", lastTransitionTime: {{ $now | Quote }} }
      containerStatuses:
      {{ range .spec.containers }}
      - { name: {{ .name | Quote }}, image: {{ .image | Quote }}, ready: true, restartCount: 0, started: true, state: { running: { startedAt: {{ $now | Quote }} } } }
      {{ end }}
      hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
      podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
      phase: Running
      startTime: {{ $now | Quote }}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-gone
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'Exists'
  next:
    finalizers:
      empty: true
    delete: true
`;
