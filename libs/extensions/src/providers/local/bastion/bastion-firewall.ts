import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { localNetworkNames } from '@gardener-ts/infra/stacks';
import { CommandFailed, run } from '../machines/commands.js';
import type { MachineLayout } from '../machines/layout.js';

const TABLE = 'gardener_ts_bastion';
const FAMILIES = ['bridge', 'inet'] as const;

/**
 * The bastion's own firewall, in its network namespace: SSH in only from the ingress networks;
 * out only to the nodes' port 22 (and the replies to what came in), never to the gateway (the
 * seed host). Replaced whole, atomically.
 */
export async function applyBastionFirewall(
  layout: MachineLayout,
  ingressCidrs: readonly string[],
  nodes: { readonly cidr: string; readonly gateway: string },
): Promise<void> {
  const rules = `table inet ${TABLE} {}
delete table inet ${TABLE}
table inet ${TABLE} {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    ip saddr { ${ingressCidrs.join(', ')} } tcp dport 22 accept
  }
  chain output {
    type filter hook output priority 0; policy drop;
    oif lo accept
    ct state established,related accept
    ip daddr != ${nodes.gateway} ip daddr ${nodes.cidr} tcp dport 22 accept
    reject
  }
}
`;
  const file = join(layout.dir, 'firewall.nft');
  await writeFile(file, rules, { mode: 0o600 });
  await run('ip', ['netns', 'exec', layout.netns, 'nft', '-f', file]);
}

/** Lets the bastion reach the nodes' port 22 (and the host reach the bastion's): the shoot's `bastions` sets. */
export async function admitToNodes(technicalId: string, address: string): Promise<void> {
  const { table } = localNetworkNames(technicalId);
  for (const family of FAMILIES) {
    await run('nft', ['add', 'element', family, table, 'bastions', `{ ${address} }`]);
  }
}

/** The reverse; a shoot whose tables are already gone has nothing to remove. */
export async function dismissFromNodes(technicalId: string, address: string): Promise<void> {
  const { table } = localNetworkNames(technicalId);
  for (const family of FAMILIES) {
    try {
      await run('nft', ['delete', 'element', family, table, 'bastions', `{ ${address} }`]);
    } catch (error) {
      if (!(error instanceof CommandFailed && /No such file|does not exist|not found/i.test(error.stderr)))
        throw error;
    }
  }
}
