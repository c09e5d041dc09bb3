import { existsSync } from 'node:fs';
import { localMacAddress } from '@gardener-ts/infra/stacks';
import { MachineError, MachineErrorCode } from '../../../machine/errors.js';
import { run, runUnlessAbsent } from './commands.js';
import type { MachineLayout } from './layout.js';

export interface MachineNetwork {
  /** the shoot's bridge (from the Infrastructure status) */
  readonly bridge: string;
  readonly address: string;
  readonly prefix: number;
  readonly gateway: string;
}

const ABSENT = /does not exist|Cannot find device|No such file|not found/i;

/**
 * The machine's own network namespace, joined to the shoot's bridge by a veth pair: eth0 inside
 * carries the machine's address, the default route points at the bridge's gateway. Every step
 * checks first, so a create that died half-way finishes here.
 */
export async function ensureMachineNetwork(layout: MachineLayout, network: MachineNetwork): Promise<void> {
  await requireBridge(network.bridge);
  if (!existsSync(`/run/netns/${layout.netns}`)) {
    await runUnlessAbsent('ip', ['netns', 'add', layout.netns], /File exists/);
  }
  if (!(await linkExists(layout.hostVeth))) {
    await run('ip', [
      'link',
      'add',
      layout.hostVeth,
      'type',
      'veth',
      'peer',
      'name',
      layout.peerVeth,
      'netns',
      layout.netns,
    ]);
  }
  await run('ip', ['link', 'set', layout.hostVeth, 'master', network.bridge, 'up']);
  const inside = (...args: string[]) => run('ip', ['-n', layout.netns, ...args]);
  if (!(await linkExists('eth0', layout.netns))) await inside('link', 'set', layout.peerVeth, 'name', 'eth0');
  await inside('link', 'set', 'eth0', 'address', localMacAddress(network.address));
  await inside('addr', 'replace', `${network.address}/${network.prefix}`, 'dev', 'eth0');
  await inside('link', 'set', 'lo', 'up');
  await inside('link', 'set', 'eth0', 'up');
  await inside('route', 'replace', 'default', 'via', network.gateway, 'dev', 'eth0');
}

/** Deleting the namespace destroys its end of the pair, and with it the host end; both are checked. */
export async function removeMachineNetwork(layout: MachineLayout): Promise<void> {
  await runUnlessAbsent('ip', ['netns', 'delete', layout.netns], ABSENT);
  await runUnlessAbsent('ip', ['link', 'delete', layout.hostVeth], ABSENT);
}

export async function linkExists(name: string, netns?: string): Promise<boolean> {
  const args = netns ? ['-n', netns, 'link', 'show', name] : ['link', 'show', name];
  return run('ip', args).then(
    () => true,
    () => false,
  );
}

export async function requireBridge(bridge: string): Promise<void> {
  const details = await run('ip', ['-details', '-json', 'link', 'show', bridge]).catch(() => undefined);
  if (details === undefined) {
    throw new MachineError(
      MachineErrorCode.Unavailable,
      `the shoot's bridge ${bridge} does not exist (is its Infrastructure reconciled?)`,
    );
  }
  const [link] = JSON.parse(details) as { linkinfo?: { info_kind?: string } }[];
  if (link?.linkinfo?.info_kind !== 'bridge') {
    throw new MachineError(MachineErrorCode.InvalidArgument, `${bridge} is not a bridge`);
  }
}
