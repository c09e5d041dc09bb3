import type { Shoot } from '@gardener-ts/api';
import type { ResourceService } from '@gardener-ts/store';
import { inMaintenanceWindow } from './maintenance.js';
import { SHOOT } from './shoot-status.js';

const OPERATION_ANNOTATION = 'gardener.cloud/operation';
/** one maintenance per window: a shoot maintained this recently is left alone */
const MAINTAINED_WITHIN_MS = 20 * 60 * 60 * 1000;

/**
 * Gardener's maintenance controller: once per day, inside the shoot's maintenance time window,
 * asks for the `maintain` operation; the reconcile that acts on it applies the updates.
 */
export class MaintenanceScheduler {
  constructor(
    private readonly options: {
      resources: ResourceService;
      seedName: string;
      enqueue(shoot: Shoot): Promise<void>;
      now?: () => Date;
    },
  ) {}

  async checkAll(): Promise<void> {
    const now = this.options.now?.() ?? new Date();
    const { items } = await this.options.resources.list(SHOOT, undefined, {
      fieldSelector: `spec.seedName=${this.options.seedName}`,
    });
    for (const shoot of items as unknown as Shoot[]) {
      if (!due(shoot, now)) continue;
      const operations = shoot.metadata.annotations?.[OPERATION_ANNOTATION];
      const updated = await this.options.resources.patch(
        SHOOT,
        shoot.metadata.namespace,
        shoot.metadata.name ?? '',
        'merge',
        {
          metadata: {
            annotations: { [OPERATION_ANNOTATION]: operations ? `${operations};maintain` : 'maintain' },
          },
        },
      );
      await this.options.enqueue(updated as unknown as Shoot);
    }
  }
}

function due(shoot: Shoot, now: Date): boolean {
  const window = shoot.spec.maintenance?.timeWindow;
  if (!window || !inMaintenanceWindow(window, now)) return false;
  if (shoot.metadata.deletionTimestamp || shoot.status?.hibernated) return false;
  if (shoot.status?.lastOperation?.state !== 'Succeeded') return false;
  if ((shoot.metadata.annotations?.[OPERATION_ANNOTATION] ?? '').includes('maintain')) return false;
  const last = (shoot.status?.lastMaintenance as { triggeredTime?: string } | undefined)?.triggeredTime;
  return !last || now.getTime() - Date.parse(last) > MAINTAINED_WITHIN_MS;
}
