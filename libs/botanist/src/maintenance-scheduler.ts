import type { Shoot } from '@gardener-ts/api';
import type { GardenClient } from '@gardener-ts/client';
import { inMaintenanceWindow } from './maintenance.js';
import { requestedOperations, requestOperation } from './operation-annotation.js';
import { shootsOnSeed } from './seed-shoots.js';

/** one maintenance per window: a shoot maintained this recently is left alone */
const MAINTAINED_WITHIN_MS = 20 * 60 * 60 * 1000;

/**
 * Gardener's maintenance controller: once per day, inside the shoot's maintenance time window,
 * asks for the `maintain` operation; the reconcile that acts on it applies the updates.
 */
export class MaintenanceScheduler {
  constructor(
    private readonly options: {
      client: GardenClient;
      seedName: string;
      enqueue(shoot: Shoot): Promise<void>;
      now?: () => Date;
    },
  ) {}

  async checkAll(): Promise<void> {
    const now = this.options.now?.() ?? new Date();
    for (const shoot of await shootsOnSeed(this.options.client, this.options.seedName)) {
      if (!due(shoot, now)) continue;
      await this.options.enqueue(await requestOperation(this.options.client, shoot, 'maintain'));
    }
  }
}

function due(shoot: Shoot, now: Date): boolean {
  const window = shoot.spec.maintenance?.timeWindow;
  if (!window || !inMaintenanceWindow(window, now)) return false;
  if (shoot.metadata.deletionTimestamp || shoot.status?.hibernated) return false;
  if (shoot.status?.lastOperation?.state !== 'Succeeded') return false;
  if (requestedOperations(shoot).includes('maintain')) return false;
  const last = (shoot.status?.lastMaintenance as { triggeredTime?: string } | undefined)?.triggeredTime;
  return !last || now.getTime() - Date.parse(last) > MAINTAINED_WITHIN_MS;
}
