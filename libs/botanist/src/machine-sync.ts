import { type CloudProfile, requireResourceByKind, type Shoot } from '@gardener-ts/api';
import { technicalIdOf } from '@gardener-ts/extensions';
import type { ShootLeases } from '@gardener-ts/jobs';
import type { MachineControllerManager } from '@gardener-ts/machine';
import type { ResourceService } from '@gardener-ts/store';
import { SHOOT } from './shoot-status.js';
import { hasWorkers } from './workers.js';

const CLOUD_PROFILE = requireResourceByKind('CloudProfile');

/**
 * Between flows (and while a failed operation waits for its retry) the machine controller still
 * watches the shoots' machines: it creates and replaces
 * machines whose nodes stay NotReady, removes orphans and keeps the pools' counts. It holds the
 * shoot's lease for each pass, so it never runs beside the shoot's own flow.
 */
export class MachineSync {
  constructor(
    private readonly options: {
      resources: ResourceService;
      machines: MachineControllerManager;
      leases: ShootLeases;
      seedName: string;
    },
  ) {}

  async syncAll(): Promise<void> {
    const { items } = await this.options.resources.list(SHOOT, undefined, {
      fieldSelector: `spec.seedName=${this.options.seedName}`,
    });
    for (const shoot of items as unknown as Shoot[]) {
      if (withLiveWorkers(shoot)) await this.sync(shoot);
    }
  }

  private async sync(shoot: Shoot): Promise<void> {
    const lease = await this.options.leases.acquire(shoot.metadata.uid ?? '');
    if (!lease) return; // the shoot's flow runs right now and syncs the machines itself
    try {
      const cloudProfile = (await this.options.resources.get(
        CLOUD_PROFILE,
        undefined,
        shoot.spec.cloudProfileName ?? '',
      )) as unknown as CloudProfile;
      await this.options.machines.sync({
        shoot,
        cloudProfile,
        credentials: {},
        technicalId: technicalIdOf(shoot),
        infrastructure: {},
      });
    } finally {
      await lease.release();
    }
  }
}

/** Shoots whose machines exist and should stay: also while an operation waits for its retry. */
function withLiveWorkers(shoot: Shoot): boolean {
  return (
    hasWorkers(shoot) &&
    !shoot.metadata.deletionTimestamp &&
    !shoot.spec.hibernation?.enabled &&
    shoot.status?.lastOperation !== undefined
  );
}
