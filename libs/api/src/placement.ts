import { cidrContains, overlaps, parseCidr } from './cidr.js';
import { GARDENLET_READY_CONDITION, SEED_RESOURCES_CONDITION, type Seed } from './kinds/seed.js';
import type { Shoot } from './kinds/shoot.js';
import { GARDEN_NAMESPACE } from './resources.js';

/**
 * Whether a seed may host a shoot, as Gardener's scheduler decides it. The scheduler picks among
 * the seeds that pass; admission applies the same rules to a seed a user names in spec.seedName,
 * so naming a seed never skips what scheduling would have checked.
 */

/** Gardener's taint of seeds reserved for the garden's own shoots. */
export const PROTECTED_TAINT = 'seed.gardener.cloud/protected';

export interface SeedCandidate {
  readonly seed: Seed;
  /** Shoots bound to the seed now (not counting the one being placed). */
  readonly shoots: number;
  /** Node networks of those shoots; when given, the shoot's own must overlap none of them. */
  readonly nodeNetworks?: readonly string[];
}

/** Why the seed does not fit the shoot (a phrase such as "is not visible for scheduling"), if it does not. */
type Filter = (shoot: Shoot, candidate: SeedCandidate) => string | undefined;

const deleting: Filter = (_s, { seed }) => (seed.metadata.deletionTimestamp ? 'is being deleted' : undefined);

const invisible: Filter = (_s, { seed }) =>
  seed.spec.settings?.scheduling?.visible === false ? 'is not visible for scheduling' : undefined;

const notReady: Filter = (_s, { seed }) =>
  seed.status?.conditions?.some((c) => c.type === GARDENLET_READY_CONDITION && c.status === 'False')
    ? 'is not ready'
    : undefined;

/**
 * The scheduler sends no new shoot to a seed whose gardenlet stopped posting its status (the seed
 * lifecycle made GardenletReady Unknown). A user may still name it: its shoots wait in its queue.
 */
export function gardenletGoneReason(seed: Seed): string | undefined {
  return seed.status?.conditions?.some((c) => c.type === GARDENLET_READY_CONDITION && c.status === 'Unknown')
    ? 'has no gardenlet posting its status'
    : undefined;
}

/**
 * The scheduler sends no new shoot to a seed whose gardenlet measured its host short of memory or
 * CPU (SeedResourcesAvailable False). A user may still name it, as for a seed without a gardenlet.
 */
export function seedPressureReason(seed: Seed): string | undefined {
  const condition = seed.status?.conditions?.find((c) => c.type === SEED_RESOURCES_CONDITION);
  return condition?.status === 'False'
    ? `is short of resources (${condition.message ?? condition.reason})`
    : undefined;
}

/** Gardener's default strategy: same provider type and region (testing shoots ignore the region). */
const sameRegion: Filter = (shoot, { seed }) => {
  if (seed.spec.provider.type !== shoot.spec.provider.type)
    return `has a different provider type than "${shoot.spec.provider.type}"`;
  if (shoot.spec.purpose !== 'testing' && seed.spec.provider.region !== shoot.spec.region)
    return `is in a different region than "${shoot.spec.region}"`;
  return undefined;
};

/** Only the garden's own shoots may tolerate the protected taint, whatever their tolerations say. */
export function toleratesTaint(shoot: Shoot, taint: { key: string; value?: string | undefined }): boolean {
  if (taint.key === PROTECTED_TAINT && shoot.metadata.namespace !== GARDEN_NAMESPACE) return false;
  return (shoot.spec.tolerations ?? []).some(
    (t) => t.key === taint.key && (t.value === undefined || t.value === taint.value),
  );
}

const untoleratedTaints: Filter = (shoot, { seed }) => {
  const untolerated = (seed.spec.taints ?? []).filter((taint) => !toleratesTaint(shoot, taint));
  return untolerated.length
    ? `has taints the shoot does not tolerate (${untolerated.map((t) => t.key).join(', ')})`
    : undefined;
};

const full: Filter = (_s, { seed, shoots }) => {
  const capacity = seed.status?.allocatable?.shoots ?? seed.spec.capacity?.shoots;
  return capacity !== undefined && shoots >= capacity
    ? `has no capacity left (${shoots}/${capacity} shoots)`
    : undefined;
};

/** Usable seeds, then the strategy, then taints and capacity, in Gardener's order. */
const SEED_FILTERS: readonly Filter[] = [deleting, invisible, notReady, sameRegion, untoleratedTaints, full];

/** Why a seed cannot host the shoot, networks left aside; undefined when it can. */
export function seedUnfitReason(shoot: Shoot, candidate: SeedCandidate): string | undefined {
  for (const filter of SEED_FILTERS) {
    const reason = filter(shoot, candidate);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/**
 * Why the shoot's networks (after defaults) cannot live on the seed: they overlap the seed's own,
 * its node network lies outside the seed's shoot range or on another shoot's, or it has none and
 * the seed has no range to give one from.
 */
export function seedNetworkReason(shoot: Shoot, candidate: SeedCandidate): string | undefined {
  const networks = candidate.seed.spec.networks;
  const own = shoot.spec.networking ?? {};
  for (const key of ['nodes', 'pods', 'services'] as const) {
    const cidr = own[key];
    if (!cidr) continue;
    for (const seedKey of ['nodes', 'pods', 'services'] as const) {
      const seedCidr = networks[seedKey];
      if (seedCidr && overlaps(cidr, seedCidr))
        return `has a ${seedKey} network (${seedCidr}) overlapping the shoot's ${key} (${cidr})`;
    }
  }
  const range = networks.shootDefaults?.nodes;
  if (!own.nodes)
    return range ? undefined : 'has no shootDefaults.nodes range to give the shoot a node network';
  if (range && !nodesInside(own.nodes, range))
    return `has a shoot range (${range}) that does not contain the shoot's nodes (${own.nodes})`;
  const taken = candidate.nodeNetworks?.find((other) => overlaps(other, own.nodes ?? ''));
  return taken ? `has a shoot whose nodes (${taken}) overlap the shoot's nodes (${own.nodes})` : undefined;
}

/** True when `nodes` is a network inside `range` (both valid CIDRs). */
export function nodesInside(nodes: string, range: string): boolean {
  const inner = parseCidr(nodes);
  const outer = parseCidr(range);
  return inner !== undefined && outer !== undefined && cidrContains(outer, inner);
}
