import type { Shoot } from '@gardener-ts/api';
import type { GardenClient } from '@gardener-ts/client';
import type { ShootNodes } from '@gardener-ts/machine';
import type { SeedBackend, SystemComponentsHealth } from '@gardener-ts/seed';
import { hasWorkers } from './components/workers.js';
import {
  conditionChanged,
  DEFAULT_CONDITION_THRESHOLDS,
  type Verdict,
  withCondition,
  withGracePeriod,
} from './conditions.js';
import { shootsOnSeed } from './seed-shoots.js';
import { technicalIdOf } from './shoot-names.js';
import { ShootStatusWriter } from './shoot-status.js';

export interface ShootCareOptions {
  readonly client: GardenClient;
  readonly seed: SeedBackend;
  readonly seedName: string;
  /** the shoot's nodes, for EveryNodeReady; without it shoots with workers get no such condition */
  readonly nodes?: (technicalId: string) => Promise<ShootNodes>;
  /** per condition type, how long a failing check shows Progressing before False (ms); Gardener's defaults */
  readonly thresholds?: Readonly<Record<string, number>>;
  readonly now?: () => Date;
}

/** Gardener's care controller: keeps the health conditions of the seed's shoots current. */
export class ShootCare {
  private readonly thresholds: Readonly<Record<string, number>>;

  constructor(private readonly options: ShootCareOptions) {
    this.thresholds = { ...DEFAULT_CONDITION_THRESHOLDS, ...options.thresholds };
  }

  async checkAll(): Promise<void> {
    for (const shoot of await shootsOnSeed(this.options.client, this.options.seedName)) {
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
    const now = this.options.now?.() ?? new Date();
    const verdicts = (await this.verdicts(shoot)).map((v) =>
      withGracePeriod(v, shoot.status?.conditions, this.thresholds[v.type] ?? 0, now),
    );
    if (
      !verdicts.some((v) => conditionChanged(shoot.status?.conditions, v.type, v.status, v.reason, v.message))
    )
      return;
    const writer = new ShootStatusWriter(
      this.options.client,
      shoot.metadata.namespace ?? '',
      shoot.metadata.name ?? '',
    );
    await writer.update((status) => {
      for (const v of verdicts)
        status.conditions = withCondition(status.conditions, v.type, v.status, v.reason, v.message, now);
    });
  }

  private async verdicts(shoot: Shoot): Promise<Verdict[]> {
    const technicalId = technicalIdOf(shoot);
    const { seed } = this.options;
    const status = await seed.status(technicalId);
    const core = status.components.filter((c) => c.name !== 'kwok');
    const down = core.filter((c) => c.state !== 'running').map((c) => `${c.name} is ${c.state}`);
    const controlPlane: Verdict =
      status.supervisorPid !== undefined && down.length === 0
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
    if (!hasWorkers(shoot)) return [apiServer, controlPlane];
    const kwok = status.components.find((c) => c.name === 'kwok');
    return [
      apiServer,
      controlPlane,
      kwok
        ? systemComponents(kwok.state)
        : deployedSystemComponents(await seed.systemComponents(technicalId)),
      await this.everyNodeReady(shoot, technicalId),
    ];
  }

  private async everyNodeReady(shoot: Shoot, technicalId: string): Promise<Verdict> {
    const type = 'EveryNodeReady';
    if (!this.options.nodes) {
      return {
        type,
        status: 'Unknown',
        reason: 'NoMachineController',
        message: 'No machine controller runs.',
      };
    }
    const nodes = await this.options
      .nodes(technicalId)
      .then((client) => client.list())
      .catch((error: Error) => error);
    if (nodes instanceof Error) {
      return { type, status: 'Unknown', reason: 'NodesUnreadable', message: nodes.message };
    }
    const expected = (shoot.spec.provider.workers ?? []).reduce((sum, pool) => sum + pool.minimum, 0);
    const notReady = nodes.filter((n) => !n.ready).map((n) => n.name);
    if (notReady.length > 0) {
      return {
        type,
        status: 'False',
        reason: 'NodesUnhealthy',
        message: `Node(s) not Ready: ${notReady.sort().join(', ')}.`,
      };
    }
    if (nodes.length < expected) {
      return {
        type,
        status: 'False',
        reason: 'MissingNodes',
        message: `${nodes.length} of ${expected} node(s) registered.`,
      };
    }
    return {
      type,
      status: 'True',
      reason: 'EveryNodeReady',
      message: `All ${nodes.length} node(s) are Ready.`,
    };
  }
}

/** Real nodes: the system components the seed deployed into the shoot (CoreDNS). */
function deployedSystemComponents(health: SystemComponentsHealth): Verdict {
  const type = 'SystemComponentsHealthy';
  if (!health.deployed)
    return {
      type,
      status: 'Unknown',
      reason: 'SystemComponentsNotDeployed',
      message: 'No system components are deployed into the shoot.',
    };
  return health.problem
    ? { type, status: 'False', reason: 'SystemComponentsUnhealthy', message: `${health.problem}.` }
    : {
        type,
        status: 'True',
        reason: 'SystemComponentsRunning',
        message: 'All system components are healthy.',
      };
}

/** The shoot's system components of simulated nodes: kwok, which runs its Pods on the nodes. */
function systemComponents(kwok: string | undefined): Verdict {
  const type = 'SystemComponentsHealthy';
  return kwok === 'running'
    ? {
        type,
        status: 'True',
        reason: 'SystemComponentsRunning',
        message: 'All system components are healthy.',
      }
    : {
        type,
        status: 'False',
        reason: 'SystemComponentsUnhealthy',
        message: `kwok (pod lifecycle) is ${kwok ?? 'not deployed'}.`,
      };
}
