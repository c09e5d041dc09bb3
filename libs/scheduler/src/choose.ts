import {
  defaultShoot,
  gardenletGoneReason,
  type SeedCandidate,
  type Shoot,
  seedNetworkReason,
  seedPressureReason,
  seedUnfitReason,
} from '@gardener-ts/api';

export type { SeedCandidate } from '@gardener-ts/api';

export type SeedChoice = { readonly seedName: string } | { readonly reason: string };

export interface ChooseOptions {
  /** Leave the shoot's networks out of the choice (admission then says what is wrong with them). */
  readonly ignoreNetworks?: boolean;
}

function effective(shoot: Shoot): Shoot {
  const copy = structuredClone(shoot);
  copy.spec.networking ??= {} as Shoot['spec']['networking'];
  return defaultShoot(copy, () => 0);
}

/**
 * Picks the seed for a shoot: every filter must pass; of the rest, the least used (then by name).
 * Without one, the reason names how many seeds failed which filter, like Gardener's scheduler.
 */
export function chooseSeed(
  shoot: Shoot,
  candidates: readonly SeedCandidate[],
  options: ChooseOptions = {},
): SeedChoice {
  const target = effective(shoot);
  const reasons = new Map<string, number>();
  const fitting: SeedCandidate[] = [];
  for (const candidate of candidates) {
    const reason =
      gardenletGoneReason(candidate.seed) ??
      seedPressureReason(candidate.seed) ??
      seedUnfitReason(target, candidate) ??
      (options.ignoreNetworks ? undefined : seedNetworkReason(target, candidate));
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
