import type { Shoot } from '@gardener-ts/api';
import { technicalIdOf } from '@gardener-ts/extensions';
import type { SeedBackend } from '@gardener-ts/seed';
import type { ResourceService } from '@gardener-ts/store';
import { type ConditionStatus, conditionChanged, withCondition } from './conditions.js';
import { SHOOT, ShootStatusWriter } from './shoot-status.js';

interface Verdict {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

/** Gardener's care controller: keeps the health conditions of the seed's shoots current. */
export class ShootCare {
  constructor(
    private readonly options: { resources: ResourceService; seed: SeedBackend; seedName: string },
  ) {}

  async checkAll(): Promise<void> {
    const { items } = await this.options.resources.list(SHOOT, undefined, {
      fieldSelector: `spec.seedName=${this.options.seedName}`,
    });
    for (const shoot of items as unknown as Shoot[]) {
      if (this.caredFor(shoot)) await this.check(shoot);
    }
  }

  /** Only shoots that finished creating, are not hibernated and not being deleted. */
  private caredFor(shoot: Shoot): boolean {
    const op = shoot.status?.lastOperation;
    return (
      !shoot.metadata.deletionTimestamp &&
      !shoot.status?.hibernated &&
      !!op &&
      !(op.type === 'Create' && op.state !== 'Succeeded')
    );
  }

  async check(shoot: Shoot): Promise<void> {
    const verdicts = await this.verdicts(technicalIdOf(shoot));
    if (
      !verdicts.some((v) => conditionChanged(shoot.status?.conditions, v.type, v.status, v.reason, v.message))
    )
      return;
    const writer = new ShootStatusWriter(
      this.options.resources,
      shoot.metadata.namespace ?? '',
      shoot.metadata.name ?? '',
    );
    await writer.update((status) => {
      for (const v of verdicts)
        status.conditions = withCondition(status.conditions, v.type, v.status, v.reason, v.message);
    });
  }

  private async verdicts(technicalId: string): Promise<Verdict[]> {
    const { seed } = this.options;
    const status = await seed.status(technicalId);
    const down = status.components.filter((c) => c.state !== 'running').map((c) => `${c.name} is ${c.state}`);
    const controlPlane: Verdict =
      status.phase === 'Running'
        ? {
            type: 'ControlPlaneHealthy',
            status: 'True',
            reason: 'ControlPlaneRunning',
            message: 'All control plane components are running.',
          }
        : {
            type: 'ControlPlaneHealthy',
            status: 'False',
            reason: 'ComponentsUnhealthy',
            message: down.join(', ') || `control plane is ${status.phase}`,
          };
    const problem = await seed.probe(technicalId).catch((error: Error) => error.message);
    // the probe names the first failing component; the others count for ControlPlaneHealthy only
    const apiServerDown = problem !== undefined && !/^kube-(controller-manager|scheduler) /.test(problem);
    const apiServer: Verdict = apiServerDown
      ? { type: 'APIServerAvailable', status: 'False', reason: 'HealthzRequestFailed', message: problem }
      : {
          type: 'APIServerAvailable',
          status: 'True',
          reason: 'HealthzRequestSucceeded',
          message: 'API server /readyz endpoint responded with success status code.',
        };
    return [apiServer, controlPlane];
  }
}
