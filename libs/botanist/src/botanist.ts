import { SHOOT_OPERATIONS, type Shoot } from '@gardener-ts/api';
import { type GardenClient, ignoreNotFound, isAlreadyExists, type ObjectOf } from '@gardener-ts/client';
import {
  type ControlPlaneContext,
  ExtensionError,
  type ExtensionRegistry,
  GardenerErrorCode,
  type InfrastructureContext,
  type InfrastructureStatus,
  isRetryable,
  technicalIdOf,
} from '@gardener-ts/extensions';
import { Flow, FlowError, type Task, type TaskOutcome } from '@gardener-ts/flow';
import type { MachineControllerManager, WorkerContext } from '@gardener-ts/machine';
import type { ControlPlaneEndpoint, SeedBackend } from '@gardener-ts/seed';
import { withCondition } from './conditions.js';
import { maintenancePatch, maintenanceUpdates } from './maintenance.js';
import { ProgressNote } from './progress.js';
import { keyOf } from './seed-shoots.js';
import { type OperationType, ShootStatusWriter } from './shoot-status.js';
import { deleteWorkers, hasWorkers, podsOf, serviceCidrOf, waitWorkersReady } from './workers.js';

/** Gardener's finalizer on shoots: the gardenlet removes it once everything is gone. */
export const SHOOT_FINALIZER = 'gardener';
export const OPERATION_ANNOTATION = 'gardener.cloud/operation';
/** Operations a reconcile acts on (admission refuses any other). */
const RECONCILE_OPERATIONS: readonly string[] = SHOOT_OPERATIONS;

function requestedOperations(shoot: Shoot): string[] {
  const value = shoot.metadata.annotations?.[OPERATION_ANNOTATION] ?? '';
  return value
    .split(';')
    .map((op) => op.trim())
    .filter((op) => RECONCILE_OPERATIONS.includes(op));
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

/** Gardener's default retryDuration */
const DEFAULT_RETRY_WINDOW_MS = 12 * 60 * 60 * 1000;

export interface BotanistOptions {
  readonly client: GardenClient;
  readonly seed: SeedBackend;
  readonly seedName: string;
  readonly extensions: ExtensionRegistry;
  /** the machine controller; without it, shoots with worker pools fail with a configuration problem */
  readonly machines?: MachineControllerManager;
  /** how long a task retries before its error is reported (the job then retries the flow) */
  readonly taskRetryMs?: number;
  /** how long after the first failure an operation keeps being retried before it is Failed */
  readonly retryWindowMs?: number;
  /** called as each task starts: the fault tests kill the gardenlet here */
  readonly beforeTask?: (taskId: string) => void;
  /** called as each task of a flow ends, with its duration: for logs and benchmarks */
  readonly onTaskDone?: (flow: string, outcome: TaskOutcome) => void;
}

export type { TaskOutcome };

export interface ShootKey {
  readonly namespace: string;
  readonly name: string;
}

/** Runs one shoot's flows, like Gardener's botanist: level-based, every task safe to repeat. */
export class Botanist {
  constructor(private readonly options: BotanistOptions) {}

  /** Looks at the shoot's latest state and converges it: reconcile, or delete when marked. */
  async converge(key: ShootKey, signal: AbortSignal): Promise<void> {
    const status = new ShootStatusWriter(this.options.client, key.namespace, key.name);
    const shoot = await status.read().catch(ignoreNotFound);
    if (!shoot || shoot.spec.seedName !== this.options.seedName) return;
    if (shoot.metadata.deletionTimestamp) return this.delete(shoot, status, signal);
    if (failedAndUntouched(shoot)) return;
    if (shoot.spec.hibernation?.enabled && shoot.status?.lastOperation)
      return this.hibernate(shoot, status, signal);
    return this.reconcile(shoot, status, signal);
  }

  /** Stops the control plane and keeps its data; the next reconcile without hibernation wakes it. */
  private async hibernate(shoot: Shoot, status: ShootStatusWriter, signal: AbortSignal): Promise<void> {
    const context = await this.infrastructureContext(shoot);
    const technicalId = context.technicalId;
    // Gardener scales worker pools to zero while hibernated; waking up creates them again
    const tasks = [
      this.task('hibernate-workers', [], ({ signal: s }) => this.removeWorkers(context, s)),
      this.task('hibernate-control-plane', ['hibernate-workers'], () => this.options.seed.stop(technicalId)),
    ];
    await this.run(new Flow(`hibernate ${technicalId}`, tasks), 'Reconcile', status, signal);
    await status.succeeded('Reconcile', 'Shoot cluster has been hibernated.', (s) => {
      s.hibernated = true;
      for (const type of ['APIServerAvailable', 'ControlPlaneHealthy']) {
        s.conditions = withCondition(s.conditions, type, 'False', 'Hibernated', 'The shoot is hibernated.');
      }
    });
  }

  private async reconcile(current: Shoot, status: ShootStatusWriter, signal: AbortSignal): Promise<void> {
    await this.ensureFinalizer(current);
    const shoot = requestedOperations(current).includes('maintain')
      ? await this.maintain(current, status)
      : current;
    const type: OperationType =
      (shoot.status?.lastOperation?.type === 'Create' && shoot.status.lastOperation.state !== 'Succeeded') ||
      !shoot.status?.lastOperation
        ? 'Create'
        : 'Reconcile';
    const operations = requestedOperations(shoot);
    const context = {
      ...(await this.infrastructureContext(shoot)),
      rotateSshKeypair: operations.includes('rotate-ssh-keypair'),
    };
    let infrastructure: InfrastructureStatus | undefined;
    let endpoint: ControlPlaneEndpoint | undefined;
    const infrastructureActuator = this.options.extensions.infrastructure(shoot.spec.provider.type);
    const workerContext = (): WorkerContext => ({
      ...context,
      infrastructure: infrastructure?.providerStatus ?? {},
    });
    const progress = new ProgressNote();
    const controlPlaneActuator = this.options.extensions.controlPlane(shoot.spec.provider.type);
    const noMachines = !this.options.machines && !hasWorkers(shoot);
    const tasks: Task[] = [
      this.task('deploy-infrastructure', [], async () => {
        infrastructure = await infrastructureActuator.reconcile(context);
        await this.saveSshKeypair(shoot, infrastructure);
      }),
      // the provider names the address up front, so this runs while the infrastructure is made
      this.task('deploy-control-plane', [], () =>
        this.options.seed.deploy({
          id: context.technicalId,
          listenAddress: infrastructureActuator.controlPlaneAddress?.(context) ?? '127.0.0.1',
          serviceCidr: serviceCidrOf(shoot),
          podCidr: shoot.spec.networking.pods,
          ...podsOf(this.options.extensions.provider(shoot.spec.provider.type), shoot),
        }),
      ),
      // machines and users reach the apiserver through the infrastructure (the bridge's address)
      this.task(
        'wait-control-plane-ready',
        ['deploy-control-plane', 'deploy-infrastructure'],
        ({ signal: s }) =>
          this.options.seed.waitReady(context.technicalId, { signal: s, timeoutMs: 120_000 }),
      ),
      {
        ...this.task('deploy-control-plane-extension', ['wait-control-plane-ready'], async () =>
          controlPlaneActuator?.reconcile(
            await this.controlPlaneContext(context, infrastructure?.providerStatus ?? {}),
          ),
        ),
        skipIf: !controlPlaneActuator,
      },
      {
        ...this.task('deploy-workers', ['wait-control-plane-ready', 'deploy-control-plane-extension'], () =>
          this.machinesFor().applyWorkers(workerContext()),
        ),
        skipIf: noMachines,
      },
      {
        ...this.task('wait-workers-ready', ['deploy-workers'], ({ signal: s }) =>
          waitWorkersReady(this.machinesFor(), workerContext(), s, (state) =>
            progress.note(`${state.ready}/${state.desired} machines Ready`),
          ),
        ),
        skipIf: noMachines,
      },
      this.task('publish-cluster-access', ['wait-control-plane-ready'], async () => {
        endpoint = await this.options.seed.endpoint(context.technicalId);
        await this.publishAccess(shoot, endpoint.caPem);
      }),
    ];
    await this.run(new Flow(`reconcile ${context.technicalId}`, tasks), type, status, signal, progress);
    await this.clearOperations(shoot, operations);
    await status.succeeded(
      type,
      `Shoot cluster has been successfully ${type === 'Create' ? 'created' : 'reconciled'}.`,
      (s) => {
        s.technicalID = context.technicalId;
        s.seedName = this.options.seedName;
        s.hibernated = false;
        if (endpoint) s.advertisedAddresses = [{ name: 'external', url: endpoint.url }];
        s.conditions = withCondition(
          withCondition(
            s.conditions,
            'APIServerAvailable',
            'True',
            'HealthzRequestSucceeded',
            'API server /readyz endpoint responded with success status code.',
          ),
          'ControlPlaneHealthy',
          'True',
          'ControlPlaneRunning',
          'All control plane components are running.',
        );
        if (hasWorkers(shoot)) {
          s.conditions = withCondition(
            s.conditions,
            'EveryNodeReady',
            'True',
            'EveryNodeReady',
            'All nodes are Ready.',
          );
        }
      },
    );
  }

  private async delete(shoot: Shoot, status: ShootStatusWriter, signal: AbortSignal): Promise<void> {
    const context = await this.infrastructureContext(shoot);
    const controlPlaneActuator = this.options.extensions.controlPlane(shoot.spec.provider.type);
    const tasks: Task[] = [
      // machines go first, while the control plane that knows their nodes still runs
      this.task('delete-workers', [], ({ signal: s }) => this.removeWorkers(context, s)),
      {
        ...this.task('delete-control-plane-extension', ['delete-workers'], async () => {
          // a control plane that never came up (or is gone) has nothing of the provider's in it
          const plane = await this.controlPlaneContext(context, {}).catch(() => undefined);
          if (plane) await controlPlaneActuator?.delete(plane);
        }),
        skipIf: !controlPlaneActuator,
      },
      this.task('destroy-control-plane', ['delete-control-plane-extension'], () =>
        this.options.seed.destroy(context.technicalId),
      ),
      this.task('destroy-infrastructure', ['destroy-control-plane'], () =>
        this.options.extensions.infrastructure(shoot.spec.provider.type).delete(context),
      ),
      this.task('delete-cluster-access', ['destroy-infrastructure'], () => this.removeAccess(shoot)),
    ];
    await this.run(new Flow(`delete ${context.technicalId}`, tasks), 'Delete', status, signal);
    await this.removeFinalizer(shoot);
  }

  private async controlPlaneContext(
    context: InfrastructureContext,
    infrastructure: Readonly<Record<string, string>>,
  ): Promise<ControlPlaneContext> {
    const endpoint = await this.options.seed.endpoint(context.technicalId);
    return { ...context, apiServerUrl: endpoint.url, caPem: endpoint.caPem, infrastructure };
  }

  /** Without a machine controller there can be no machines; with one, even a workerless shoot may have old ones. */
  private async removeWorkers(context: InfrastructureContext, signal: AbortSignal): Promise<void> {
    if (!this.options.machines) return;
    await deleteWorkers(this.options.machines, { ...context, infrastructure: {} }, signal);
  }

  private machinesFor(): MachineControllerManager {
    if (this.options.machines) return this.options.machines;
    throw new ExtensionError('this gardenlet runs no machine controller: remove spec.provider.workers', [
      GardenerErrorCode.ConfigurationProblem,
    ]);
  }

  private async run(
    flow: Flow,
    type: OperationType,
    status: ShootStatusWriter,
    signal: AbortSignal,
    progress = new ProgressNote(),
  ) {
    await status.progress(type, 0, `${flow.name}: starting`);
    progress.attach(status, type);
    try {
      await flow.run({
        signal,
        isRetryable: (error) => isRetryable((error as { codes?: never[] }).codes ?? []),
        onProgress: (p) => progress.flow(p.percent, p.running),
        onTaskDone: (outcome) => this.options.onTaskDone?.(flow.name, outcome),
      });
      await progress.settled();
    } catch (error) {
      await progress.settled();
      if (!(error instanceof FlowError)) throw error;
      const finalCause =
        error.failures.length > 0 &&
        error.failures.every((f) => !isRetryable((f.error as { codes?: never[] }).codes ?? []));
      const final = await status.failed(type, error.failures, {
        finalCause,
        progress: progress.current,
        retryWindowMs: this.options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS,
      });
      throw Object.assign(error, { final });
    }
  }

  private task(id: string, dependencies: string[], fn: Task['fn']): Task {
    const { beforeTask } = this.options;
    return {
      id,
      dependencies,
      fn: async (context) => {
        beforeTask?.(id);
        await fn(context);
      },
      retry: { timeoutMs: this.options.taskRetryMs ?? 30_000, initialDelayMs: 500 },
    };
  }

  private async infrastructureContext(shoot: Shoot): Promise<InfrastructureContext> {
    const cloudProfile = await this.options.client.get('CloudProfile', {
      name: shoot.spec.cloudProfileName ?? '',
    });
    return { shoot, cloudProfile, credentials: {}, technicalId: technicalIdOf(shoot) };
  }

  /**
   * Applies the maintenance updates (Kubernetes patch version, machine image versions) to the spec
   * and records them in status.lastMaintenance; the reconcile that follows rolls them out.
   */
  private async maintain(shoot: Shoot, status: ShootStatusWriter): Promise<Shoot> {
    const { cloudProfile } = await this.infrastructureContext(shoot);
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
        triggeredTime: new Date().toISOString(),
      };
    });
    return updated;
  }

  /** Removes the operations acted on from the annotation, keeping any it does not know. */
  private async clearOperations(shoot: Shoot, handled: readonly string[]): Promise<void> {
    if (handled.length === 0) return;
    const current = await this.options.client.get('Shoot', keyOf(shoot));
    const left = (current.metadata.annotations?.[OPERATION_ANNOTATION] ?? '')
      .split(';')
      .map((op) => op.trim())
      .filter((op) => op && !handled.includes(op));
    await this.options.client.patch('Shoot', keyOf(shoot), 'merge', {
      metadata: { annotations: { [OPERATION_ANNOTATION]: left.length ? left.join(';') : null } },
    });
  }

  private async ensureFinalizer(shoot: Shoot): Promise<void> {
    if (shoot.metadata.finalizers?.includes(SHOOT_FINALIZER)) return;
    await this.options.client.ensureFinalizer('Shoot', keyOf(shoot), SHOOT_FINALIZER);
  }

  private async removeFinalizer(shoot: Shoot): Promise<void> {
    await this.options.client.removeFinalizer('Shoot', keyOf(shoot), SHOOT_FINALIZER);
  }

  /** Gardener keeps a shoot's SSH key pair as `<shoot>.ssh-keypair` in the project namespace. */
  private async saveSshKeypair(shoot: Shoot, infrastructure: InfrastructureStatus): Promise<void> {
    const data = {
      id_ed25519: Buffer.from(infrastructure.secrets.sshPrivateKey ?? '').toString('base64'),
      'id_ed25519.pub': Buffer.from(infrastructure.sshPublicKey).toString('base64'),
    };
    await this.apply('Secret', shoot, `${shoot.metadata.name}.ssh-keypair`, { type: 'Opaque', data });
  }

  /** `<shoot>.ca-cluster` holds the cluster CA for clients, as in Gardener. */
  private async publishAccess(shoot: Shoot, caPem: string): Promise<void> {
    await this.apply('ConfigMap', shoot, `${shoot.metadata.name}.ca-cluster`, { data: { 'ca.crt': caPem } });
  }

  private async removeAccess(shoot: Shoot): Promise<void> {
    for (const [kind, name] of [
      ['ConfigMap', `${shoot.metadata.name}.ca-cluster`],
      ['Secret', `${shoot.metadata.name}.ssh-keypair`],
    ] as const) {
      await this.options.client
        .delete(kind, { namespace: shoot.metadata.namespace, name })
        .catch(ignoreNotFound);
    }
  }

  /** create, or replace the content of, a namespaced object owned by the shoot */
  private async apply(
    kind: 'Secret' | 'ConfigMap',
    shoot: Shoot,
    name: string,
    content: Record<string, unknown>,
  ) {
    const body = {
      apiVersion: 'v1',
      kind,
      metadata: {
        name,
        namespace: shoot.metadata.namespace,
        labels: { 'shoot.gardener.cloud/name': shoot.metadata.name ?? '' },
      },
      ...content,
    };
    try {
      await this.options.client.create(kind, body as ObjectOf<typeof kind>);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      await this.options.client.patch(kind, { namespace: shoot.metadata.namespace, name }, 'merge', content);
    }
  }
}
