import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
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
 * The container's own network namespace, joined to the shoot's bridge by a veth pair: eth0 inside
 * carries its address, the default route points at the bridge's gateway. The namespace is made
 * here, or, given the PID of a container that made its own (a machine's, owned by its user
 * namespace), named after it. Every step checks first, so a create that died half-way finishes here.
 */
export async function ensureMachineNetwork(
  layout: MachineLayout,
  network: MachineNetwork,
  containerPid?: number,
): Promise<void> {
  await requireBridge(network.bridge);
  if (containerPid && !(await namesNetworkOf(layout.netns, containerPid))) {
    // left by a create that died before the container existed: not the container's namespace
    await runUnlessAbsent('ip', ['netns', 'delete', layout.netns], ABSENT);
  }
  if (!existsSync(`/run/netns/${layout.netns}`)) {
    const args = containerPid ? ['attach', layout.netns, String(containerPid)] : ['add', layout.netns];
    await runUnlessAbsent('ip', ['netns', ...args], /File exists/);
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

/** Whether the named namespace is absent or the one the process runs in. */
async function namesNetworkOf(netns: string, pid: number): Promise<boolean> {
  const named = await stat(`/run/netns/${netns}`).catch(() => undefined);
  if (!named) return true;
  const own = await stat(`/proc/${pid}/ns/net`);
  return named.ino === own.ino && named.dev === own.dev;
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
