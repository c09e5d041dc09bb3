import { execFile } from 'node:child_process';
import { hostAddress, networkOf } from '@gardener-ts/api/cidr';
import { GardenctlError, GardenctlErrorCode, usageError } from '../errors.js';
import type { KubeObject } from '../garden/client.js';

/** Checks `--cidr` values: IPv4 networks with their host bits zero, as the Bastion API wants them. */
export function checkCidrs(cidrs: readonly string[]): string[] {
  return cidrs.map((given) => {
    const cidr = given.trim();
    const network = networkOf(cidr);
    if (!network) {
      throw usageError(
        `invalid value "${given}" for flag --cidr`,
        'give an IPv4 network such as 203.0.113.7/32',
      );
    }
    if (network !== cidr) {
      throw usageError(`--cidr "${given}" has host bits set`, `use ${network} (or your address/32)`);
    }
    return cidr;
  });
}

/** The first host of an IPv4 network (`10.249.1.0/24` → `10.249.1.1`): the local shoot's gateway. */
export function firstHost(cidr: string): string | undefined {
  return hostAddress(cidr, 1);
}

/**
 * The caller's address as the bastion will see it. For a `local` shoot (the bastion is on a bridge
 * of this machine) that is the source address the kernel picks for the shoot's node network;
 * other clouds would need the caller's public address, which gardenctl does not guess.
 */
export async function detectCidr(
  providerType: string | undefined,
  nodesCidr: string | undefined,
): Promise<string> {
  const target = providerType === 'local' && nodesCidr ? firstHost(nodesCidr) : undefined;
  if (!target) {
    throw new GardenctlError(
      GardenctlErrorCode.Unsupported,
      `cannot detect your address for a shoot of provider "${providerType ?? 'unknown'}"`,
      'pass the network you connect from: --cidr <your public IPv4>/32',
    );
  }
  const source = await routeSource(target).catch(() => undefined);
  if (!source) {
    throw new GardenctlError(
      GardenctlErrorCode.Unsupported,
      `cannot detect the address this machine uses to reach the shoot's nodes (ip route get ${target} found no source)`,
      'pass the network you connect from: --cidr <address>/32',
    );
  }
  return `${source}/32`;
}

/** The caller's address for a bastion of `shoot` (its provider and node network decide how). */
export function detectCidrOf(shoot: KubeObject | undefined): Promise<string> {
  const provider = (shoot?.spec?.provider as { type?: string } | undefined)?.type;
  const nodes = (shoot?.spec?.networking as { nodes?: string } | undefined)?.nodes;
  return detectCidr(provider, nodes);
}

function routeSource(target: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['-4', 'route', 'get', target], { timeout: 5000 }, (error, stdout) => {
      if (error) return reject(error);
      resolve(/\bsrc (\d+\.\d+\.\d+\.\d+)/.exec(String(stdout))?.[1]);
    });
  });
}
