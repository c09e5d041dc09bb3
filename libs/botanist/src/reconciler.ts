import { type Shoot, timestamp } from '@gardener-ts/api';
import { type EventRecorder, ignoreNotFound } from '@gardener-ts/client';
import type { InfrastructureContext } from '@gardener-ts/extensions';
import { Flow, type Task, type TaskOutcome } from '@gardener-ts/flow';
import { type ComponentDependencies, ShootComponents } from './components/shoot-components.js';
import { shootContextOf } from './components/shoot-context.js';
import { hasWorkers } from './components/workers.js';
import { hibernatedConditions, reconciledConditions } from './conditions.js';
import { FlowRunner, type FlowRunnerOptions } from './flow-runner.js';
import { maintenancePatch, maintenanceUpdates } from './maintenance.js';
import { clearOperations, requestedOperations } from './operation-annotation.js';
import { ProgressNote } from './progress.js';
import { keyOf } from './seed-shoots.js';
import { recordFlow } from './shoot-events.js';
import { type OperationType, ShootStatusWriter } from './shoot-status.js';

/** Gardener's finalizer on shoots: the gardenlet removes it once everything is gone. */
export const SHOOT_FINALIZER = 'gardener';

export interface BotanistOptions extends ComponentDependencies, FlowRunnerOptions {
  readonly seedName: string;
  /** what each flow did and why, as the shoot's events */
  readonly events: EventRecorder;
}

export type { TaskOutcome };

export interface ShootKey {
  readonly namespace: string;
  readonly name: string;
}

/**
 * The shoot reconciler (Gardener's shoot controller): picks the flow a shoot's latest state asks
 * for, runs it over the shoot's components and records the outcome in its status. Level-based:
 * every task is safe to repeat.
 */
export class Botanist {
  private readonly runner: FlowRunner;

  constructor(private readonly options: BotanistOptions) {
    this.runner = new FlowRunner(options);
  }

  /** Looks at the shoot's latest state and converges it: reconcile, or delete when marked. */
  async converge(key: ShootKey, signal: AbortSignal): Promise<void> {
    const status = new ShootStatusWriter(this.options.client, key.namespace, key.name);
    const shoot = await status.read().catch(ignoreNotFound);
    if (!shoot || shoot.spec.seedName !== this.options.seedName) return;
    if (shoot.metadata.deletionTimestamp) {
      await recordFlow(this.options.events, shoot, 'delete', () => this.delete(shoot, status, signal));
      return this.release(shoot);
    }
    if (failedAndUntouched(shoot)) return;
    if (shoot.spec.hibernation?.enabled && shoot.status?.lastOperation)
      return recordFlow(this.options.events, shoot, 'hibernate', () => this.hibernate(shoot, status, signal));
    const flow = shoot.status?.hibernated ? 'wake-up' : 'reconcile';
    return recordFlow(this.options.events, shoot, flow, () => this.reconcile(shoot, status, signal));
  }

  /** Stops the control plane and keeps its data; the next reconcile without hibernation wakes it. */
  private async hibernate(shoot: Shoot, status: ShootStatusWriter, signal: AbortSignal): Promise<void> {
    const { workers, controlPlane, technicalId } = await this.componentsOf(shoot);
    // Gardener scales worker pools to zero while hibernated; waking up creates them again
    const tasks = [
      this.task('hibernate-workers', [], ({ signal: s }) => workers.delete(s)),
      this.task('hibernate-control-plane', ['hibernate-workers'], () => controlPlane.stop()),
    ];
    await this.runner.run(new Flow(`hibernate ${technicalId}`, tasks), 'Reconcile', status, signal);
    await status.succeeded('Reconcile', 'Shoot cluster has been hibernated.', (s) => {
      s.hibernated = true;
      s.conditions = hibernatedConditions(s.conditions);
    });
  }

  private async reconcile(current: Shoot, status: ShootStatusWriter, signal: AbortSignal): Promise<void> {
    await this.ensureFinalizer(current);
    const shoot = requestedOperations(current).includes('maintain')
      ? await this.maintain(current, status)
      : current;
    const type = operationTypeOf(shoot);
    const operations = requestedOperations(shoot);
    const components = await this.componentsOf(shoot, {
      rotateSshKeypair: operations.includes('rotate-ssh-keypair'),
    });
    const progress = new ProgressNote();
    const flow = new Flow(`reconcile ${components.technicalId}`, this.reconcileTasks(components, progress));
    await this.runner.run(flow, type, status, signal, progress);
    await clearOperations(this.options.client, shoot, operations);
    const done = type === 'Create' ? 'created' : 'reconciled';
    await status.succeeded(type, `Shoot cluster has been successfully ${done}.`, (s) => {
      s.technicalID = components.technicalId;
      s.seedName = this.options.seedName;
      s.hibernated = false;
      if (components.endpoint) s.advertisedAddresses = [{ name: 'external', url: components.endpoint.url }];
      s.conditions = reconciledConditions(s.conditions, hasWorkers(shoot));
    });
  }

  private reconcileTasks(components: ShootComponents, progress: ProgressNote): Task[] {
    const { infrastructure, controlPlane, workers } = components;
    return [
      this.task('deploy-infrastructure', [], () => infrastructure.deploy()),
      // the provider names the address up front, so this runs while the infrastructure is made
      this.task('deploy-control-plane', [], () => controlPlane.deploy(infrastructure.controlPlaneAddress())),
      // machines and users reach the apiserver through the infrastructure (the bridge's address)
      this.task('wait-control-plane-ready', ['deploy-control-plane', 'deploy-infrastructure'], ({ signal }) =>
        controlPlane.waitReady(signal),
      ),
      {
        ...this.task('deploy-control-plane-extension', ['wait-control-plane-ready'], () =>
          controlPlane.deployExtension(infrastructure.providerStatus),
        ),
        skipIf: !controlPlane.hasExtension,
      },
      {
        ...this.task('deploy-workers', ['wait-control-plane-ready', 'deploy-control-plane-extension'], () =>
          workers.deploy(),
        ),
        skipIf: workers.skipped,
      },
      {
        ...this.task('wait-workers-ready', ['deploy-workers'], ({ signal }) =>
          workers.waitReady(signal, (state) =>
            progress.note(`${state.ready}/${state.desired} machines Ready`),
          ),
        ),
        skipIf: workers.skipped,
      },
      this.task('publish-cluster-access', ['wait-control-plane-ready'], () => components.publishAccess()),
    ];
  }

  private async delete(shoot: Shoot, status: ShootStatusWriter, signal: AbortSignal): Promise<void> {
    const { workers, controlPlane, infrastructure, access, technicalId } = await this.componentsOf(shoot);
    const tasks: Task[] = [
      // machines go first, while the control plane that knows their nodes still runs
      this.task('delete-workers', [], ({ signal: s }) => workers.delete(s)),
      {
        ...this.task('delete-control-plane-extension', ['delete-workers'], () =>
          controlPlane.deleteExtension(),
        ),
        skipIf: !controlPlane.hasExtension,
      },
      this.task('destroy-control-plane', ['delete-control-plane-extension'], () => controlPlane.destroy()),
      this.task('destroy-infrastructure', ['destroy-control-plane'], () => infrastructure.destroy()),
      this.task('delete-cluster-access', ['destroy-infrastructure'], () => access.remove()),
    ];
    await this.runner.run(new Flow(`delete ${technicalId}`, tasks), 'Delete', status, signal);
  }

  /** The shoot goes once its delete flow (and its Deleted event) is done. */
  private async release(shoot: Shoot): Promise<void> {
    await this.options.client.removeFinalizer('Shoot', keyOf(shoot), SHOOT_FINALIZER);
  }

  private async componentsOf(
    shoot: Shoot,
    operations: Pick<InfrastructureContext, 'rotateSshKeypair'> = {},
  ): Promise<ShootComponents> {
    const context = await shootContextOf(this.options.client, shoot);
    return new ShootComponents(this.options, { ...context, ...operations });
  }

  private task(id: string, dependencies: string[], fn: Task['fn']): Task {
    return this.runner.task(id, dependencies, fn);
  }

  /**
   * Applies the maintenance updates (Kubernetes patch version, machine image versions) to the spec
   * and records them in status.lastMaintenance; the reconcile that follows rolls them out.
   */
  private async maintain(shoot: Shoot, status: ShootStatusWriter): Promise<Shoot> {
    const { cloudProfile } = await shootContextOf(this.options.client, shoot);
    const updates = maintenanceUpdates(shoot, cloudProfile);
    const updated =
      updates.changes.length === 0
        ? shoot
        : await this.options.client.patch(
            'Shoot',
            keyOf(shoot),
            'strategic',
            maintenancePatch(shoot, updates),
          );
    await status.update((s) => {
      s.lastMaintenance = {
        description: updates.changes.length ? updates.changes.join('; ') : 'Nothing to update.',
        state: 'Succeeded',
        triggeredTime: timestamp(new Date()),
      };
    });
    return updated;
  }

  private async ensureFinalizer(shoot: Shoot): Promise<void> {
    if (shoot.metadata.finalizers?.includes(SHOOT_FINALIZER)) return;
    await this.options.client.ensureFinalizer('Shoot', keyOf(shoot), SHOOT_FINALIZER);
  }
}

/**
 * Failed stays Failed until a user acts: a spec change (a new generation) or an operation such
 * as `retry` or `reconcile`. Periodic sweeps and duplicate jobs change nothing.
 */
function failedAndUntouched(shoot: Shoot): boolean {
  return (
    shoot.status?.lastOperation?.state === 'Failed' &&
    shoot.status.observedGeneration === shoot.metadata.generation &&
    requestedOperations(shoot).length === 0
  );
}

/** Create until a Create has succeeded once; Reconcile after that. */
function operationTypeOf(shoot: Shoot): OperationType {
  const last = shoot.status?.lastOperation;
  return !last || (last.type === 'Create' && last.state !== 'Succeeded') ? 'Create' : 'Reconcile';
}
