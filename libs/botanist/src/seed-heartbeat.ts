import { GARDENLET_READY_CONDITION, withCondition } from '@gardener-ts/api';
import type { GardenClient } from '@gardener-ts/client';
import type { SeedResources } from './seed-resources.js';

/**
 * The gardenlet's heartbeat: its Seed's GardenletReady condition, True and freshly updated on every
 * beat, and with `resources` the host's measured room (SeedResourcesAvailable). The garden's seed lifecycle turns it Unknown when beats stop (Gardener renews a Lease for
 * this; the garden API serves no Lease kind, so the condition's lastUpdateTime is the beat).
 */
export class SeedHeartbeat {
  constructor(
    private readonly client: GardenClient,
    private readonly seedName: string,
    private readonly now: () => Date = () => new Date(),
    private readonly resources?: SeedResources,
  ) {}

  async beat(): Promise<void> {
    const room = await this.resources?.verdict();
    await this.client.updateStatus('Seed', { name: this.seedName }, (status) => {
      if (room)
        status.conditions = withCondition(
          status.conditions,
          room.type,
          room.status,
          room.reason,
          room.message,
          this.now(),
        );
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
