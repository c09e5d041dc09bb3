import { createHash } from 'node:crypto';
import { formatIPv4, networkOf, parseCidr } from '@gardener-ts/api/cidr';
import type { CreateMachineRequest, MachineInfo } from '@gardener-ts/extensions';
import { DEFAULT_NODES_CIDR } from '../infrastructure/actuator.js';
import type { SimWorkerConfig } from '../provider-config.js';

/** names the shoot a sim machine belongs to: `list` selects by it */
export const SHOOT_LABEL = 'sim.provider.gardener-ts.io/shoot';
/** when a booting machine's Node turns Ready (RFC 3339), so any process can finish the boot */
export const READY_AT_ANNOTATION = 'sim.provider.gardener-ts.io/ready-at';
/** how long deleting the machine takes (ms), from its pool's WorkerConfig */
export const DELETE_LATENCY_ANNOTATION = 'sim.provider.gardener-ts.io/delete-latency-ms';
/** the fault injected into the machine, if any */
export const FAULT_ANNOTATION = 'sim.provider.gardener-ts.io/fault';

/** the controller-manager's TTL controller's annotation (how long kubelets may cache objects) */
const TTL_ANNOTATION = 'node.alpha.kubernetes.io/ttl';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastHeartbeatTime?: string;
  readonly lastTransitionTime?: string;
}

/** The parts of a Node this provider reads. */
export interface KubeNode {
  readonly metadata: {
    readonly name: string;
    readonly uid?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly deletionTimestamp?: string;
  };
  readonly spec?: { readonly providerID?: string };
  readonly status?: {
    readonly conditions?: readonly NodeCondition[];
    readonly addresses?: readonly { readonly type: string; readonly address: string }[];
  };
}

export interface KubeLease {
  readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>> };
}

export const nodePath = (name: string) => `/api/v1/nodes/${encodeURIComponent(name)}`;
export const leasePath = (name: string) =>
  `/apis/coordination.k8s.io/v1/namespaces/${NODE_LEASE_NAMESPACE}/leases/${encodeURIComponent(name)}`;
export const LEASES_PATH = `/apis/coordination.k8s.io/v1/namespaces/${NODE_LEASE_NAMESPACE}/leases`;
export const shootNodesPath = (technicalId: string) =>
  `/api/v1/nodes?labelSelector=${encodeURIComponent(`${SHOOT_LABEL}=${technicalId}`)}`;

export const providerIdOf = (technicalId: string, name: string) => `sim:///${technicalId}/${name}`;

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits (the API server insists). */
export const microTime = (date: Date) => date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
/** Kubernetes Time: RFC 3339 to the second */
export const time = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function belongsTo(object: { metadata: KubeLease['metadata'] }, technicalId: string): boolean {
  return object.metadata.labels?.[SHOOT_LABEL] === technicalId;
}

export function readyConditionOf(node: KubeNode): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

/** True for a machine the sim keeps alive: not deleted and not a CreationTimeout one. */
export function heartbeats(node: KubeNode): boolean {
  return (
    !node.metadata.deletionTimestamp && node.metadata.annotations?.[FAULT_ANNOTATION] !== 'CreationTimeout'
  );
}

/** when the machine has booted (ms since epoch); 0 when unknown (booted) */
export function readyAtOf(node: KubeNode): number {
  const value = Date.parse(node.metadata.annotations?.[READY_AT_ANNOTATION] ?? '');
  return Number.isNaN(value) ? 0 : value;
}

export function deleteLatencyOf(node: KubeNode): number {
  const value = Number(node.metadata.annotations?.[DELETE_LATENCY_ANNOTATION] ?? 0);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

export function readyCondition(
  ready: boolean,
  message: string,
  now: Date,
  transition: boolean,
): NodeCondition {
  return {
    type: 'Ready',
    status: ready ? 'True' : 'False',
    reason: ready ? 'KubeletReady' : 'KubeletNotReady',
    message,
    lastHeartbeatTime: time(now),
    ...(transition ? { lastTransitionTime: time(now) } : {}),
  };
}

const PRESSURES = [
  ['MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
] as const;

/** The Node a sim machine registers as: what a kubelet would post, status included. */
export function nodeFor(request: CreateMachineRequest, config: SimWorkerConfig, now: Date) {
  const { machineClass, bootstrap, technicalId, name } = request;
  const readyAt = new Date(now.getTime() + config.createLatencyMs);
  const booted = config.createLatencyMs === 0 && config.fault !== 'CreationTimeout';
  const message =
    config.fault === 'CreationTimeout'
      ? 'sim: this machine never becomes Ready (fault CreationTimeout from its WorkerConfig)'
      : booted
        ? 'kubelet is posting ready status (sim)'
        : `sim: booting, Ready at ${readyAt.toISOString()}`;
  const resources = {
    cpu: machineClass.cpu ?? '2',
    memory: machineClass.memory ?? '4Gi',
    pods: '110',
    'ephemeral-storage': '50Gi',
  };
  const kubernetesVersion = bootstrap.labels['worker.gardener.cloud/kubernetes-version'];
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        ...bootstrap.labels,
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        // the kubelet still posts the beta labels; without them the node controller adds them (a write)
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': machineClass.machineType,
        'topology.kubernetes.io/zone': machineClass.zone,
        [SHOOT_LABEL]: technicalId,
      },
      annotations: {
        // what the controller-manager's TTL controller writes on every Node of a cluster under 100
        // Nodes: set here, it spares the control plane one Node write per machine (a larger shoot's
        // TTL controller still raises it, as for any Node)
        [TTL_ANNOTATION]: '0',
        [READY_AT_ANNOTATION]: readyAt.toISOString(),
        ...(config.deleteLatencyMs > 0
          ? { [DELETE_LATENCY_ANNOTATION]: String(config.deleteLatencyMs) }
          : {}),
        ...(config.fault ? { [FAULT_ANNOTATION]: config.fault } : {}),
      },
    },
    spec: {
      providerID: providerIdOf(technicalId, name),
      ...(bootstrap.taints.length > 0 ? { taints: bootstrap.taints } : {}),
    },
    status: {
      capacity: resources,
      allocatable: resources,
      addresses: [
        { type: 'InternalIP', address: internalAddress(name, request.infrastructure.nodesCidr) },
        { type: 'Hostname', address: name },
      ],
      conditions: [
        ...PRESSURES.map(([type, reason, pressureMessage]) => ({
          type,
          status: 'False',
          reason,
          message: pressureMessage,
          lastHeartbeatTime: time(now),
          lastTransitionTime: time(now),
        })),
        readyCondition(booted, message, now, true),
      ],
      nodeInfo: {
        machineID: digest(`machine/${technicalId}/${name}`).slice(0, 32),
        systemUUID: digest(`uuid/${technicalId}/${name}`).slice(0, 32),
        bootID: digest(`boot/${technicalId}/${name}/${now.getTime()}`).slice(0, 32),
        kernelVersion: 'sim',
        osImage: `${machineClass.image.name} ${machineClass.image.version ?? ''}`.trim(),
        containerRuntimeVersion: 'sim://0.1.0',
        kubeletVersion: kubernetesVersion ? `v${kubernetesVersion}` : 'v0.0.0-sim',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

/** The machine's node Lease, owned by its Node so the garbage collector removes a forgotten one. */
export function leaseFor(node: KubeNode, technicalId: string, durationSeconds: number, now: Date) {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: node.metadata.name,
      namespace: NODE_LEASE_NAMESPACE,
      labels: { [SHOOT_LABEL]: technicalId },
      ...(node.metadata.uid
        ? {
            ownerReferences: [
              { apiVersion: 'v1', kind: 'Node', name: node.metadata.name, uid: node.metadata.uid },
            ],
          }
        : {}),
    },
    spec: {
      holderIdentity: node.metadata.name,
      leaseDurationSeconds: durationSeconds,
      renewTime: microTime(now),
    },
  };
}

export function machineInfoOf(node: KubeNode): MachineInfo {
  const addresses = (node.status?.addresses ?? []).filter(
    (a): a is MachineInfo['addresses'][number] => a.type === 'InternalIP' || a.type === 'Hostname',
  );
  return {
    name: node.metadata.name,
    providerId: node.spec?.providerID ?? '',
    nodeName: node.metadata.name,
    addresses: addresses.map((a) => ({ type: a.type, address: a.address })),
    state: 'Running',
  };
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * An address in the shoot's node range picked by the machine's name (no allocation: the sim has
 * no network, so two machines may share one; skips the network, gateway and broadcast addresses).
 */
export function internalAddress(name: string, nodesCidr = DEFAULT_NODES_CIDR): string {
  const network = parseCidr(networkOf(nodesCidr) ?? '');
  if (!network || network.prefix > 29) {
    return nodesCidr === DEFAULT_NODES_CIDR ? '10.250.0.2' : internalAddress(name, DEFAULT_NODES_CIDR);
  }
  const size = 2 ** (32 - network.prefix);
  const host = 2 + (Number.parseInt(digest(name).slice(0, 8), 16) % (size - 3));
  return formatIPv4(network.network + host);
}
