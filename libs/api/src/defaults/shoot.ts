import { allocateSubnet } from '../cidr.js';
import type { CloudProfile } from '../kinds/cloudprofile.js';
import type { Seed } from '../kinds/seed.js';
import type { Shoot, Worker } from '../kinds/shoot.js';
import { compareVersions, isExpired, newestWithPrefix, parseVersion } from '../versions.js';

/** Gardener's defaults for shoot pod and service ranges. */
export const DEFAULT_POD_CIDR = '100.96.0.0/11';
export const DEFAULT_SERVICE_CIDR = '100.64.0.0/13';
/** Prefix length of node networks carved from a seed's shootDefaults.nodes range. */
export const NODE_CIDR_PREFIX = 24;

export type Random = () => number;

/** A one-hour maintenance window starting at a random full hour (UTC). */
export function randomMaintenanceWindow(random: Random = Math.random): { begin: string; end: string } {
  const hour = Math.floor(random() * 24);
  const pad = (h: number) => String(h % 24).padStart(2, '0');
  return { begin: `${pad(hour)}0000+0000`, end: `${pad(hour + 1)}0000+0000` };
}

/** Defaults that need nothing but the shoot itself. */
export function defaultShoot(shoot: Shoot, random: Random = Math.random): Shoot {
  const spec = shoot.spec;
  spec.purpose ??= 'evaluation';
  syncCloudProfileReference(spec);
  spec.networking.pods ??= DEFAULT_POD_CIDR;
  spec.networking.services ??= DEFAULT_SERVICE_CIDR;
  spec.maintenance ??= {};
  spec.maintenance.timeWindow ??= randomMaintenanceWindow(random);
  spec.maintenance.autoUpdate ??= { kubernetesVersion: true, machineImageVersion: true };
  for (const schedule of spec.hibernation?.schedules ?? []) schedule.location ??= 'UTC';
  for (const worker of spec.provider.workers) {
    worker.maxSurge ??= 1;
    worker.maxUnavailable ??= 0;
    worker.cri ??= { name: 'containerd' };
  }
  return shoot;
}

/** As Gardener: `cloudProfileName` and `cloudProfile` name the same profile, each defaulted from the other. */
function syncCloudProfileReference(spec: Shoot['spec']): void {
  if (spec.cloudProfileName && !spec.cloudProfile)
    spec.cloudProfile = { kind: 'CloudProfile', name: spec.cloudProfileName };
  if (spec.cloudProfile && !spec.cloudProfileName) spec.cloudProfileName = spec.cloudProfile.name;
}

/** The newest supported, unexpired patch for a `major.minor` version; exact versions stay as given. */
export function resolveKubernetesVersion(version: string, profile: CloudProfile, now = new Date()): string {
  if (parseVersion(version)?.length !== 2) return version;
  const candidates = profile.spec.kubernetes.versions.filter(
    (v) => (v.classification ?? 'supported') === 'supported' && !isExpired(v.expirationDate, now),
  );
  return newestWithPrefix(candidates, version)?.version ?? version;
}

function defaultWorkerFromProfile(worker: Worker, profile: CloudProfile, now: Date): void {
  const machineType = profile.spec.machineTypes.find((t) => t.name === worker.machine.type);
  worker.machine.architecture ??= machineType?.architecture ?? 'amd64';
  const offered = profile.spec.machineImages;
  worker.machine.image ??= offered.length === 1 && offered[0] ? { name: offered[0].name } : undefined;
  const image = worker.machine.image;
  const offeredImage = image && offered.find((m) => m.name === image.name);
  if (image && offeredImage && image.version === undefined) {
    const usable = offeredImage.versions.filter(
      (v) =>
        (v.classification ?? 'supported') === 'supported' &&
        !isExpired(v.expirationDate, now) &&
        (!v.architectures || v.architectures.includes(worker.machine.architecture ?? 'amd64')),
    );
    image.version = [...usable].sort((a, b) => compareVersions(b.version, a.version))[0]?.version;
  }
}

/** Defaults taken from the CloudProfile: the full Kubernetes version, image versions, architectures. */
export function defaultShootFromCloudProfile(shoot: Shoot, profile: CloudProfile, now = new Date()): Shoot {
  shoot.spec.kubernetes.version = resolveKubernetesVersion(shoot.spec.kubernetes.version, profile, now);
  for (const worker of shoot.spec.provider.workers) defaultWorkerFromProfile(worker, profile, now);
  return shoot;
}

/**
 * Gives a shoot bound to a seed a node network of its own: the first free /24 of the seed's
 * shootDefaults.nodes range that overlaps no other shoot's nodes on that seed nor the seed's networks.
 * Returns false when the seed's range is exhausted (or the seed has none).
 */
export function allocateNodeCidr(shoot: Shoot, seed: Seed, takenNodeCidrs: readonly string[]): boolean {
  if (shoot.spec.networking.nodes) return true;
  const range = seed.spec.networks.shootDefaults?.nodes;
  if (!range) return false;
  const seedNetworks = [seed.spec.networks.nodes, seed.spec.networks.pods, seed.spec.networks.services];
  const taken = [...takenNodeCidrs, ...seedNetworks.filter((c): c is string => c !== undefined)];
  const cidr = allocateSubnet(range, NODE_CIDR_PREFIX, taken);
  if (!cidr) return false;
  shoot.spec.networking.nodes = cidr;
  return true;
}
