import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * `GARDENER_TS_MACHINE_DIR`, else /var/lib/gardener-ts/machines: not under a home directory,
 * which a machine's root user (a host id of its own) could not pass to reach its root filesystem.
 */
export function defaultMachineRoot(): string {
  return process.env.GARDENER_TS_MACHINE_DIR || '/var/lib/gardener-ts/machines';
}

/** Where one machine's pieces live on the host, and what the kernel and runc call them. */
export interface MachineLayout {
  /** runc's container ID: `<technical ID>_<machine name>` (neither contains `_`) */
  readonly containerId: string;
  readonly dir: string;
  /** the OCI bundle: config.json, and rootfs/ where the overlay is mounted */
  readonly bundle: string;
  readonly rootfs: string;
  /** the overlay's writable layer: the machine's own disk */
  readonly upper: string;
  readonly work: string;
  /** stdout and stderr of the machine's init */
  readonly console: string;
  readonly netns: string;
  /** host end of the veth pair (the bridge port); the machine's end is renamed eth0 */
  readonly hostVeth: string;
  readonly peerVeth: string;
  /** cgroup path, relative to each hierarchy's root */
  readonly cgroup: string;
}

/** Per-shoot files: the address claims of its machines. */
export function shootDir(root: string, technicalId: string): string {
  return join(root, 'shoots', technicalId);
}

export function addressClaimDir(root: string, technicalId: string): string {
  return join(shootDir(root, technicalId), 'addresses');
}

/** runc's state root: only this driver's containers are in it. */
export function runcRoot(root: string): string {
  return join(root, 'runc');
}

/** What names one of the local cloud's containers (a machine or a bastion) on the host. */
export interface ContainerNames {
  readonly containerId: string;
  readonly dir: string;
  /** hashed into the namespace and interface names */
  readonly identity: string;
  /** two-letter-and-one prefixes: `gtm`/`gtp` for machines, `gtb`/`gtq` for bastions */
  readonly hostPrefix: string;
  readonly peerPrefix: string;
  readonly cgroupParent: string;
}

export function containerLayout(names: ContainerNames): MachineLayout {
  // Interface names are at most 15 bytes: a prefix and 12 hex digits of the container's identity.
  const hash = createHash('sha256').update(names.identity).digest('hex').slice(0, 12);
  return {
    containerId: names.containerId,
    dir: names.dir,
    bundle: join(names.dir, 'bundle'),
    rootfs: join(names.dir, 'bundle', 'rootfs'),
    upper: join(names.dir, 'upper'),
    work: join(names.dir, 'work'),
    console: join(names.dir, 'console.log'),
    netns: `${names.hostPrefix}-${hash}`,
    hostVeth: `${names.hostPrefix}${hash}`,
    peerVeth: `${names.peerPrefix}${hash}`,
    cgroup: `/${names.cgroupParent}/${names.containerId}`,
  };
}

export function machineLayout(root: string, technicalId: string, name: string): MachineLayout {
  const containerId = `${technicalId}_${name}`;
  return containerLayout({
    containerId,
    dir: join(shootDir(root, technicalId), 'machines', name),
    identity: containerId,
    hostPrefix: 'gtm',
    peerPrefix: 'gtp',
    cgroupParent: 'gardener-ts-machines',
  });
}

export function providerIdOf(technicalId: string, name: string): string {
  return `local:///${technicalId}/${name}`;
}
