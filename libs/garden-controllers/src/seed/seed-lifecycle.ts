import {
  type Condition,
  GARDENLET_READY_CONDITION,
  SEED_RESOURCES_CONDITION,
  type Seed,
  withCondition,
} from '@gardener-ts/api';
import { type GardenClient, ignoreNotFound } from '@gardener-ts/client';
import type { Pool } from 'pg';
import { whileHoldingLock } from '../project/pass-lock.js';

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
    private readonly client: GardenClient,
    private readonly pool: Pool,
    private readonly options: SeedLifecycleOptions,
  ) {}

  /** One pass over every seed; several API replicas take turns (an advisory lock). */
  async checkAll(): Promise<void> {
    await whileHoldingLock(this.pool, 'gardener-ts:seed-lifecycle', async () => {
      for (const seed of await this.client.list('Seed')) await this.check(seed);
    });
  }

  private async check(seed: Seed): Promise<void> {
    const current = this.beatStopped(seed) ? await this.markSeedUnknown(seed) : seed;
    if (gardenletReady(current)?.status === 'Unknown') await this.markShootsUnknown(seed.metadata.name ?? '');
  }

  /** Decided again on a fresh read: a beat that came meanwhile wins. */
  private markSeedUnknown(seed: Seed): Promise<Seed> {
    return this.client.updateStatus('Seed', { name: seed.metadata.name ?? '' }, (status, current) => {
      if (!this.beatStopped(current)) return false;
      // the gardenlet's measures of its host are no one's word either once it is gone
      const kept = status.conditions?.some((c) => c.type === SEED_RESOURCES_CONDITION);
      for (const type of [GARDENLET_READY_CONDITION, ...(kept ? [SEED_RESOURCES_CONDITION] : [])])
        status.conditions = withCondition(
          status.conditions,
          type,
          'Unknown',
          UNKNOWN_REASON,
          SEED_GONE_MESSAGE,
          this.now(),
        );
    });
  }

  /** GardenletReady is True but its last beat is older than the grace period. */
  private beatStopped(seed: Seed): boolean {
    const ready = gardenletReady(seed);
    if (ready?.status !== 'True') return false;
    const beat = Date.parse(ready.lastUpdateTime ?? ready.lastTransitionTime ?? '');
    return !Number.isFinite(beat) || this.now().getTime() - beat > this.options.graceMs;
  }

  private async markShootsUnknown(seedName: string): Promise<void> {
    for (const shoot of await this.client.list('Shoot', { fieldSelector: `spec.seedName=${seedName}` })) {
      const key = { namespace: shoot.metadata.namespace, name: shoot.metadata.name ?? '' };
      await this.client
        .updateStatus('Shoot', key, (status) => {
          if (allUnknown(status.conditions)) return false;
          for (const type of SHOOT_HEALTH_CONDITIONS)
            status.conditions = withCondition(
              status.conditions,
              type,
              'Unknown',
              UNKNOWN_REASON,
              SHOOT_GONE_MESSAGE,
              this.now(),
            );
        })
        .catch(ignoreNotFound);
    }
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

function gardenletReady(seed: Seed | undefined): Condition | undefined {
  return seed?.status?.conditions?.find((c) => c.type === GARDENLET_READY_CONDITION);
}

function allUnknown(conditions: readonly Condition[] | undefined): boolean {
  return SHOOT_HEALTH_CONDITIONS.every((type) =>
    conditions?.some((c) => c.type === type && c.status === 'Unknown' && c.reason === UNKNOWN_REASON),
  );
}
