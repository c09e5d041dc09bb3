import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Cidr, formatCidr, formatIPv4, parseIPv4 } from '@gardener-ts/api';
import { MachineError, MachineErrorCode } from '../../../machine/errors.js';

/**
 * The node addresses of one shoot, shared by every process that creates its machines. A claim is
 * a file named by the address holding the machine's name, made with link(2), which fails when the
 * name exists: two processes never get one address, and a reader never sees a half-written claim.
 */
export class AddressPool {
  constructor(private readonly dir: string) {}

  /** The address the machine holds, claiming the lowest free host (never the gateway) when it holds none. */
  async claim(machine: string, network: Cidr, gateway: string): Promise<string> {
    const held = await this.heldBy(machine);
    if (held[0]) return held[0];
    const draft = await this.draft(machine);
    try {
      const taken = new Set(await this.claimedAddresses());
      for (const address of hosts(network)) {
        if (address === gateway || taken.has(address)) continue;
        if (await this.tryLink(draft, address)) return this.settle(machine);
      }
    } finally {
      await rm(draft, { force: true });
    }
    throw new MachineError(
      MachineErrorCode.ResourceExhausted,
      `no free address left in the node network ${formatCidr(network)}`,
    );
  }

  async release(machine: string): Promise<void> {
    for (const address of await this.heldBy(machine)) await rm(join(this.dir, address), { force: true });
  }

  /** Every address claimed in this pool, with its holder. */
  async claims(): Promise<Map<string, string>> {
    const claims = new Map<string, string>();
    for (const address of await this.claimedAddresses()) {
      const holder = await readFile(join(this.dir, address), 'utf8').catch(() => undefined);
      if (holder !== undefined) claims.set(address, holder);
    }
    return claims;
  }

  /** Two creates of one machine racing may each claim an address: all keep the lowest. */
  private async settle(machine: string): Promise<string> {
    const [kept, ...extra] = await this.heldBy(machine);
    for (const address of extra) await rm(join(this.dir, address), { force: true });
    if (!kept) throw new MachineError(MachineErrorCode.Internal, `the address claim of ${machine} vanished`);
    return kept;
  }

  private async heldBy(machine: string): Promise<string[]> {
    const held: string[] = [];
    for (const [address, holder] of await this.claims()) if (holder === machine) held.push(address);
    return held.sort((a, b) => toNumber(a) - toNumber(b));
  }

  private async claimedAddresses(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((name) => parseIPv4(name) !== undefined);
  }

  private async tryLink(draft: string, address: string): Promise<boolean> {
    try {
      await link(draft, join(this.dir, address));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  /** The claim's content, written before it gets its name; a pool directory holding it is never removed as empty. */
  private async draft(machine: string): Promise<string> {
    const draft = join(this.dir, `.draft-${randomBytes(6).toString('hex')}`);
    for (let attempt = 0; ; attempt++) {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      try {
        await writeFile(draft, machine, { flag: 'wx' });
        return draft;
      } catch (error) {
        // a delete of the shoot's last machine removed the empty directory in between
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw error;
      }
    }
  }
}

/** the network's host addresses, lowest first */
function* hosts(network: Cidr): Generator<string> {
  const size = 2 ** (32 - network.prefix);
  for (let offset = 1; offset < size - 1; offset++) yield formatIPv4(network.network + offset);
}

const toNumber = (address: string): number => parseIPv4(address) ?? 0;
