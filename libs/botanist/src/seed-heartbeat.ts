import { GARDENLET_READY_CONDITION, withCondition } from '@gardener-ts/api';
import type { GardenClient } from '@gardener-ts/client';

/**
 * The gardenlet's heartbeat: its Seed's GardenletReady condition, True and freshly updated on every
 * beat. The garden's seed lifecycle turns it Unknown when beats stop (Gardener renews a Lease for
 * this; the garden API serves no Lease kind, so the condition's lastUpdateTime is the beat).
 */
export class SeedHeartbeat {
  constructor(
    private readonly client: GardenClient,
    private readonly seedName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async beat(): Promise<void> {
    await this.client.updateStatus('Seed', { name: this.seedName }, (status) => {
      status.conditions = withCondition(
        status.conditions,
        GARDENLET_READY_CONDITION,
        'True',
        'GardenletReady',
        'Gardenlet is posting ready status.',
        this.now(),
      );
    });
  }
}
