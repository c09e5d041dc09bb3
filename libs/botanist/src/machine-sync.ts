import type { Shoot } from '@gardener-ts/api';
import type { GardenClient } from '@gardener-ts/client';
import type { ShootLeases } from '@gardener-ts/jobs';
import type { MachineControllerManager } from '@gardener-ts/machine';
import { shootContextOf } from './components/shoot-context.js';
import { hasWorkers } from './components/workers.js';
import { shootsOnSeed } from './seed-shoots.js';

/**
 * Between flows (and while a failed operation waits for its retry) the machine controller still
 * watches the shoots' machines; during a flow, the Workers component's machine loop runs the same
 * passes. A pass creates and replaces machines whose nodes stay NotReady, removes orphans and keeps
 * the pools' counts. It holds the shoot's lease, so it never runs beside the shoot's own flow.
 */
export class MachineSync {
  constructor(
    private readonly options: {
      client: GardenClient;
      machines: MachineControllerManager;
      leases: ShootLeases;
      seedName: string;
    },
  ) {}

  async syncAll(): Promise<void> {
    for (const shoot of await shootsOnSeed(this.options.client, this.options.seedName)) {
      if (withLiveWorkers(shoot)) await this.sync(shoot);
    }
  }

  private async sync(shoot: Shoot): Promise<void> {
    const lease = await this.options.leases.acquire(shoot.metadata.uid ?? '');
    if (!lease) return; // the shoot's flow runs right now and syncs the machines itself
    try {
      const context = await shootContextOf(this.options.client, shoot);
      await this.options.machines.sync({ ...context, infrastructure: {} });
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
