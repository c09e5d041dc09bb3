import { join } from 'node:path';
import { containerLayout, type MachineLayout } from '../machines/layout.js';

/** Bastions live beside the machines' state, under a runc root of their own (machine lists never see them). */
export function bastionsRoot(machineRoot: string): string {
  return join(machineRoot, 'bastions');
}

/** the parent cgroup of every bastion (in each hierarchy) */
export const BASTION_CGROUP_PARENT = 'gardener-ts-bastions';

export function bastionRuncRoot(machineRoot: string): string {
  return join(bastionsRoot(machineRoot), 'runc');
}

/** A bastion's name in the shoot's address pool, apart from any machine name (those have no `:`). */
export function addressHolderOf(bastionId: string): string {
  return `bastion:${bastionId}`;
}

/**
 * Where one bastion's pieces live, as a machine layout (so the machines' network and overlay
 * primitives take it), with names of its own: `gtb-…` namespace, `gtb…`/`gtq…` veth pair.
 * `bastionId` is `<technical ID>--<bastion name>`.
 */
export function bastionLayout(machineRoot: string, bastionId: string): MachineLayout {
  return containerLayout({
    containerId: bastionId,
    dir: join(bastionsRoot(machineRoot), bastionId),
    identity: `bastion:${bastionId}`,
    hostPrefix: 'gtb',
    peerPrefix: 'gtq',
    cgroupParent: BASTION_CGROUP_PARENT,
  });
}
