import { execFile } from 'node:child_process';
import { GardenctlError, GardenctlErrorCode, usageError } from '../errors.js';

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Checks `--cidr` values: IPv4 networks with their host bits zero, as the Bastion API wants them. */
export function checkCidrs(cidrs: readonly string[]): string[] {
  return cidrs.map((cidr) => {
    const match = IPV4_CIDR.exec(cidr.trim());
    const octets = match?.slice(1, 5).map(Number) ?? [];
    const prefix = Number(match?.[5]);
    if (!match || octets.some((o) => o > 255) || prefix > 32) {
      throw usageError(
        `invalid value "${cidr}" for flag --cidr`,
        'give an IPv4 network such as 203.0.113.7/32',
      );
    }
    const address = octets.reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - prefix);
    const network = Math.floor(address / size) * size;
    if (network !== address) {
      const canonical = [24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join('.');
      throw usageError(
        `--cidr "${cidr}" has host bits set`,
        `use ${canonical}/${prefix} (or your address/32)`,
      );
    }
    return cidr.trim();
  });
}

/** The first host of an IPv4 network (`10.249.1.0/24` → `10.249.1.1`): the local shoot's gateway. */
export function firstHost(cidr: string): string | undefined {
  const match = IPV4_CIDR.exec(cidr);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  octets[3] = (octets[3] ?? 0) + 1;
  return octets.join('.');
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

function routeSource(target: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['-4', 'route', 'get', target], { timeout: 5000 }, (error, stdout) => {
      if (error) return reject(error);
      resolve(/\bsrc (\d+\.\d+\.\d+\.\d+)/.exec(String(stdout))?.[1]);
    });
  });
}
