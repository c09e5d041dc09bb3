import type { ShootNode } from './nodes.js';

/** The bastion part of gardenctl-v2's ConnectInformation. */
export interface BastionInfo {
  name: string;
  namespace: string;
  preferredAddress: string;
  port: string;
  hostname: string;
  ip: string;
  publicKeyFile: string;
  privateKeyFile: string;
  userKnownHostsFiles: string[];
  strictHostKeyChecking: string;
}

/**
 * What `gardenctl ssh --interactive=false -o json|yaml` prints: gardenctl-v2's ConnectInformation
 * (same field names), plus `sshConfigFile`, the ssh_config that holds all of it for `ssh -F`.
 */
export interface ConnectInformation {
  bastion: BastionInfo;
  nodeHostname?: string;
  nodePrivateKeyFiles: string[];
  nodes: { name: string; status: string; hostname: string; ip: string }[];
  user: string;
  nodeUserKnownHostsFiles: string[];
  nodeStrictHostKeyChecking: string;
  sshConfigFile: string;
}

/** gardenctl-v2's node status words: Ready, Not Ready, or Unknown (a machine whose node is not seen) */
function statusOf(node: ShootNode): string {
  if (node.ready === undefined) return 'Unknown';
  return node.ready ? 'Ready' : 'Not Ready';
}

export function connectInformation(parts: {
  bastion: BastionInfo;
  node: ShootNode | undefined;
  nodes: readonly ShootNode[];
  nodeKeyFile: string;
  knownHostsFile: string;
  user: string;
  sshConfigFile: string;
}): ConnectInformation {
  const { node, nodes, knownHostsFile } = parts;
  const keyed = node ? node.hostKeys.length > 0 : nodes.every((n) => n.hostKeys.length > 0);
  return {
    bastion: parts.bastion,
    ...(node?.ip ? { nodeHostname: node.ip } : {}),
    nodePrivateKeyFiles: [parts.nodeKeyFile],
    nodes: nodes.map((n) => ({ name: n.name, status: statusOf(n), hostname: '', ip: n.ip ?? '' })),
    user: parts.user,
    nodeUserKnownHostsFiles: [knownHostsFile],
    nodeStrictHostKeyChecking: keyed ? 'yes' : 'accept-new',
    sshConfigFile: parts.sshConfigFile,
  };
}
