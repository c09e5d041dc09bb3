import { GARDENLET_READY_CONDITION, requireResourceByKind, type Seed, withCondition } from '@gardener-ts/api';
import type { ResourceService } from '@gardener-ts/store';
import { hasReason } from './errors.js';

const SEED = requireResourceByKind('Seed');

/**
 * The gardenlet's heartbeat: its Seed's GardenletReady condition, True and freshly updated on every
 * beat. The garden's seed lifecycle turns it Unknown when beats stop (Gardener renews a Lease for
 * this; the garden API serves no Lease kind, so the condition's lastUpdateTime is the beat).
 */
export class SeedHeartbeat {
  constructor(
    private readonly resources: ResourceService,
    private readonly seedName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async beat(): Promise<void> {
    for (;;) {
      const seed = (await this.resources.get(SEED, undefined, this.seedName)) as unknown as Seed;
      const conditions = withCondition(
        seed.status?.conditions,
        GARDENLET_READY_CONDITION,
        'True',
        'GardenletReady',
        'Gardenlet is posting ready status.',
        this.now(),
      );
      try {
        await this.resources.update(
          SEED,
          undefined,
          this.seedName,
          { ...seed, status: { ...seed.status, conditions } },
          { subresource: 'status' },
        );
        return;
      } catch (error) {
        if (!hasReason(error, 'Conflict')) throw error;
      }
    }
  }
}
