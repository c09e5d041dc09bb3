import {
  ApiError,
  type Condition,
  GARDENLET_READY_CONDITION,
  requireResourceByKind,
  type Seed,
  type Shoot,
  withCondition,
} from '@gardener-ts/api';
import type { ResourceService } from '@gardener-ts/store';
import type { Pool } from 'pg';
import { whileHoldingLock } from '../project/pass-lock.js';

const SEED = requireResourceByKind('Seed');
const SHOOT = requireResourceByKind('Shoot');

/** The shoot conditions a gardenlet keeps; nobody vouches for them while it is gone. */
export const SHOOT_HEALTH_CONDITIONS = [
  'APIServerAvailable',
  'ControlPlaneHealthy',
  'EveryNodeReady',
  'SystemComponentsHealthy',
] as const;
const UNKNOWN_REASON = 'StatusUnknown';
const SEED_GONE_MESSAGE = 'Gardenlet stopped posting seed status.';
const SHOOT_GONE_MESSAGE = 'Gardenlet stopped sending heartbeats.';

export interface SeedLifecycleOptions {
  /** How long GardenletReady may go without a beat before it turns Unknown (Gardener: 40 s). */
  readonly graceMs: number;
  readonly now?: () => Date;
}

/**
 * Gardener's seed lifecycle controller, in the garden: a seed whose gardenlet stopped beating turns
 * GardenletReady Unknown, and so do the health conditions of its shoots; the scheduler then sends
 * it no new shoots. A gardenlet that comes back makes its seed True again, its care its shoots'.
 * A seed that never had a gardenlet (no GardenletReady yet) is left as it is.
 */
export class SeedLifecycle {
  constructor(
    private readonly resources: ResourceService,
    private readonly pool: Pool,
    private readonly options: SeedLifecycleOptions,
  ) {}

  /** One pass over every seed; several API replicas take turns (an advisory lock). */
  async checkAll(): Promise<void> {
    await whileHoldingLock(this.pool, 'gardener-ts:seed-lifecycle', async () => {
      const { items } = await this.resources.list(SEED, undefined, {});
      for (const seed of items as unknown as Seed[]) await this.check(seed);
    });
  }

  private async check(seed: Seed): Promise<void> {
    const ready = seed.status?.conditions?.find((c) => c.type === GARDENLET_READY_CONDITION);
    if (!ready) return;
    if (ready.status === 'True' && this.stale(ready)) await this.markSeedUnknown(seed);
    else if (ready.status !== 'Unknown') return;
    await this.markShootsUnknown(seed.metadata.name ?? '');
  }

  private stale(condition: Condition): boolean {
    const beat = Date.parse(condition.lastUpdateTime ?? condition.lastTransitionTime ?? '');
    return !Number.isFinite(beat) || this.now().getTime() - beat > this.options.graceMs;
  }

  private async markSeedUnknown(seed: Seed): Promise<void> {
    const conditions = withCondition(
      seed.status?.conditions,
      GARDENLET_READY_CONDITION,
      'Unknown',
      UNKNOWN_REASON,
      SEED_GONE_MESSAGE,
      this.now(),
    );
    // written against the read version: a beat that came meanwhile wins (a Conflict, left alone)
    await this.resources
      .update(
        SEED,
        undefined,
        seed.metadata.name ?? '',
        { ...seed, status: { ...seed.status, conditions } },
        {
          subresource: 'status',
        },
      )
      .catch(ignoreConflict);
  }

  private async markShootsUnknown(seedName: string): Promise<void> {
    const { items } = await this.resources.list(SHOOT, undefined, {
      fieldSelector: `spec.seedName=${seedName}`,
    });
    for (const shoot of items as unknown as Shoot[]) {
      if (allUnknown(shoot.status?.conditions)) continue;
      let conditions = shoot.status?.conditions;
      for (const type of SHOOT_HEALTH_CONDITIONS)
        conditions = withCondition(
          conditions,
          type,
          'Unknown',
          UNKNOWN_REASON,
          SHOOT_GONE_MESSAGE,
          this.now(),
        );
      await this.resources
        .update(
          SHOOT,
          shoot.metadata.namespace,
          shoot.metadata.name ?? '',
          { ...shoot, status: { ...shoot.status, conditions } },
          { subresource: 'status' },
        )
        .catch(ignoreConflict);
    }
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

function allUnknown(conditions: readonly Condition[] | undefined): boolean {
  return SHOOT_HEALTH_CONDITIONS.every((type) =>
    conditions?.some((c) => c.type === type && c.status === 'Unknown' && c.reason === UNKNOWN_REASON),
  );
}

/** Someone wrote meanwhile (the gardenlet back, or the shoot gone): the next pass looks again. */
function ignoreConflict(error: unknown): void {
  if (!(error instanceof ApiError && (error.code === 'Conflict' || error.code === 'NotFound'))) throw error;
}
