import { GardenctlError, GardenctlErrorCode } from '../errors.js';
import { GardenClient, type KubeObject } from '../garden/client.js';
import { resolveContext } from '../garden/kubeconfig.js';
import type { ResolvedTarget, TargetManager } from '../target/manager.js';
import { checkAddress, checkHostKey, checkNodeName, printable } from './untrusted.js';
import { BASTION_HOST_ALIAS, type NodeEndpoint } from './workspace.js';

/** Where a machine's SSH host keys are published (libs/api SSH_HOST_KEYS_ANNOTATION). */
export const SSH_HOST_KEYS_ANNOTATION = 'node.gardener-ts.io/ssh-host-keys';
const MACHINES = '/apis/machine.sapcloud.io/v1alpha1';

export interface ShootNode {
  readonly name: string;
  /** the InternalIP; undefined while the machine has none */
  readonly ip?: string;
  readonly ready?: boolean;
  /** what the machine published; empty when nothing did */
  readonly hostKeys: readonly string[];
}

interface NodeLike extends KubeObject {
  status?: {
    addresses?: { type: string; address: string }[];
    conditions?: { type: string; status: string }[];
    node?: string;
  };
}

/**
 * The shoot's nodes: its Nodes from its own API (through the admin kubeconfig), merged with its
 * Machines from the garden (which carry the host keys). Either source alone will do.
 */
export async function shootNodes(m: TargetManager, resolved: ResolvedTarget): Promise<ShootNode[]> {
  const shoot = resolved.target.shoot ?? '';
  const garden = await m.client(resolved.target.garden ?? '');
  const [machines, nodes] = await Promise.all([
    garden
      .list(`${MACHINES}/namespaces/${resolved.namespace}/machines`, {
        labelSelector: `shoot.gardener.cloud/name=${shoot}`,
      })
      .catch(() => [] as KubeObject[]),
    shootApiNodes(m, resolved).catch((error: Error) => error),
  ]);
  if (nodes instanceof Error && machines.length === 0) throw nodes;
  const byName = new Map<string, ShootNode>();
  for (const machine of machines as NodeLike[]) {
    const name = machine.status?.node || machine.metadata.name;
    byName.set(name, { name, ip: internalIp(machine), hostKeys: hostKeysOf(machine) });
  }
  for (const node of nodes instanceof Error ? [] : nodes) {
    const known = byName.get(node.metadata.name);
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    byName.set(node.metadata.name, {
      name: node.metadata.name,
      ip: internalIp(node) ?? known?.ip,
      ready,
      hostKeys: known?.hostKeys.length ? known.hostKeys : hostKeysOf(node),
    });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

async function shootApiNodes(m: TargetManager, resolved: ResolvedTarget): Promise<NodeLike[]> {
  const shoot = resolved.target.shoot ?? '';
  const kubeconfig = await m.kubeconfigFor(resolved, 'admin');
  const client = new GardenClient(`shoot ${shoot}`, resolveContext(kubeconfig, undefined, shoot), m.log);
  return (await client.list('/api/v1/nodes')) as NodeLike[];
}

function internalIp(object: NodeLike): string | undefined {
  return object.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

function hostKeysOf(object: KubeObject): string[] {
  const annotations = (object.metadata.annotations ?? {}) as Record<string, string>;
  return (annotations[SSH_HOST_KEYS_ANNOTATION] ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** The node to connect to, with its address; a helpful error naming the nodes there are otherwise. */
export function pickNode(
  nodes: readonly ShootNode[],
  name: string,
  shoot: string,
): ShootNode & { ip: string } {
  const node = nodes.find((n) => n.name === name);
  if (!node) {
    throw new GardenctlError(
      GardenctlErrorCode.NotFound,
      `node ${printable(name)} not found in shoot "${shoot}"`,
      nodes.length > 0
        ? `nodes there: ${nodes.map((n) => printable(n.name).slice(1, -1)).join(', ')} (gardenctl ssh lists them)`
        : 'the shoot has no nodes yet',
    );
  }
  if (!node.ip) {
    throw new GardenctlError(
      GardenctlErrorCode.NotFound,
      `node "${name}" has no InternalIP yet`,
      'wait until its machine is running, then try again',
    );
  }
  return { ...node, ip: node.ip };
}

/**
 * A node as ssh will see it, every part checked: its name (a DNS name, not the bastion's alias),
 * its address (an IP) and each published host key. The Machine and the shoot's Node are written by
 * others (root on the node, the shoot's admins): a value that is not what it claims is refused.
 */
export function nodeEndpoint(node: ShootNode & { ip: string }): NodeEndpoint {
  const name = checkNodeName(node.name, [BASTION_HOST_ALIAS]);
  const source = `node "${name}"`;
  return {
    name,
    ip: checkAddress(node.ip, source),
    hostKeys: node.hostKeys.map((key) => checkHostKey(key, source)),
  };
}
