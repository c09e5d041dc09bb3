import { defaultShoot, overlaps, type Seed, type Shoot } from '@gardener-ts/api';

export interface SeedCandidate {
  readonly seed: Seed;
  /** Shoots bound to the seed now. */
  readonly shoots: number;
}

export type SeedChoice = { readonly seedName: string } | { readonly reason: string };

type Filter = (shoot: Shoot, candidate: SeedCandidate) => string | undefined;

const deleting: Filter = (_s, { seed }) => (seed.metadata.deletionTimestamp ? 'is being deleted' : undefined);

const invisible: Filter = (_s, { seed }) =>
  seed.spec.settings?.scheduling?.visible === false ? 'is not visible for scheduling' : undefined;

const notReady: Filter = (_s, { seed }) =>
  seed.status?.conditions?.some((c) => c.type === 'GardenletReady' && c.status === 'False')
    ? 'is not ready'
    : undefined;

/** Gardener's default strategy: same provider type and region (testing shoots ignore the region). */
const sameRegion: Filter = (shoot, { seed }) => {
  if (seed.spec.provider.type !== shoot.spec.provider.type)
    return `has a different provider type than "${shoot.spec.provider.type}"`;
  if (shoot.spec.purpose !== 'testing' && seed.spec.provider.region !== shoot.spec.region)
    return `is in a different region than "${shoot.spec.region}"`;
  return undefined;
};

const untoleratedTaints: Filter = (shoot, { seed }) => {
  const tolerations = shoot.spec.tolerations ?? [];
  const untolerated = (seed.spec.taints ?? []).filter(
    (taint) =>
      !tolerations.some((t) => t.key === taint.key && (t.value === undefined || t.value === taint.value)),
  );
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

/** The shoot's networks (after defaults) must not overlap the seed's; its nodes come from the seed's range otherwise. */
const overlapping: Filter = (shoot, { seed }) => {
  const networks = seed.spec.networks;
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
  if (!own.nodes && !networks.shootDefaults?.nodes)
    return 'has no shootDefaults.nodes range to give the shoot a node network';
  return undefined;
};

/** In Gardener's order: usable seeds, then the strategy, then the shoot-specific filters. */
const FILTERS: readonly Filter[] = [
  deleting,
  invisible,
  notReady,
  sameRegion,
  untoleratedTaints,
  full,
  overlapping,
];

function effective(shoot: Shoot): Shoot {
  const copy = structuredClone(shoot);
  copy.spec.networking ??= {} as Shoot['spec']['networking'];
  return defaultShoot(copy, () => 0);
}

/**
 * Picks the seed for a shoot: every filter must pass; of the rest, the least used (then by name).
 * Without one, the reason names how many seeds failed which filter, like Gardener's scheduler.
 */
export function chooseSeed(shoot: Shoot, candidates: readonly SeedCandidate[]): SeedChoice {
  const target = effective(shoot);
  const reasons = new Map<string, number>();
  const fitting: SeedCandidate[] = [];
  for (const candidate of candidates) {
    const reason = FILTERS.map((f) => f(target, candidate)).find((r) => r !== undefined);
    if (reason === undefined) fitting.push(candidate);
    else reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  const best = fitting.sort(
    (a, b) => a.shoots - b.shoots || (a.seed.metadata.name ?? '').localeCompare(b.seed.metadata.name ?? ''),
  )[0];
  if (best) return { seedName: best.seed.metadata.name ?? '' };
  if (candidates.length === 0) return { reason: 'Failed to schedule shoot: no seeds exist' };
  const plural = (reason: string) => reason.replace(/^is /, 'are ').replace(/^has /, 'have ');
  const detail = [...reasons]
    .map(([reason, count]) => (count === 1 ? `1 seed ${reason}` : `${count} seeds ${plural(reason)}`))
    .join('; ');
  return { reason: `Failed to schedule shoot: 0/${candidates.length} seeds are available: ${detail}` };
}
