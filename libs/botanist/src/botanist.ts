import { type CloudProfile, requireResourceByKind, type Shoot } from '@gardener-ts/api';
import {
  ExtensionError,
  type ExtensionRegistry,
  GardenerErrorCode,
  type InfrastructureContext,
  type InfrastructureStatus,
  isRetryable,
  technicalIdOf,
} from '@gardener-ts/extensions';
import { Flow, FlowError, type Task } from '@gardener-ts/flow';
import type { ControlPlaneEndpoint, SeedBackend } from '@gardener-ts/seed';
import type { ResourceService } from '@gardener-ts/store';
import { withCondition } from './conditions.js';
import { hasReason, ignoreNotFound } from './errors.js';
import { CONFIG_MAP, type OperationType, SECRET, SHOOT, ShootStatusWriter } from './shoot-status.js';

/** Gardener's finalizer on shoots: the gardenlet removes it once everything is gone. */
export const SHOOT_FINALIZER = 'gardener';
const CLOUD_PROFILE = requireResourceByKind('CloudProfile');
export const OPERATION_ANNOTATION = 'gardener.cloud/operation';
/** Operations a reconcile acts on; `maintain` runs a plain reconcile until maintenance exists. */
const RECONCILE_OPERATIONS = ['reconcile', 'retry', 'maintain', 'rotate-ssh-keypair'];

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
  readonly resources: ResourceService;
  readonly seed: SeedBackend;
  readonly seedName: string;
  readonly extensions: ExtensionRegistry;
  /** how long a task retries before its error is reported (the job then retries the flow) */
  readonly taskRetryMs?: number;
  /** how long after the first failure an operation keeps being retried before it is Failed */
  readonly retryWindowMs?: number;
  /** called as each task starts: the fault tests kill the gardenlet here */
  readonly beforeTask?: (taskId: string) => void;
}

export interface ShootKey {
  readonly namespace: string;
  readonly name: string;
}

/** Runs one shoot's flows, like Gardener's botanist: level-based, every task safe to repeat. */
export class Botanist {
  constructor(private readonly options: BotanistOptions) {}

  /** Looks at the shoot's latest state and converges it: reconcile, or delete when marked. */
  async converge(key: ShootKey, signal: AbortSignal): Promise<void> {
    const status = new ShootStatusWriter(this.options.resources, key.namespace, key.name);
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
    const technicalId = technicalIdOf(shoot);
    const tasks = [this.task('hibernate-control-plane', [], () => this.options.seed.stop(technicalId))];
    await this.run(new Flow(`hibernate ${technicalId}`, tasks), 'Reconcile', status, signal);
    await status.succeeded('Reconcile', 'Shoot cluster has been hibernated.', (s) => {
      s.hibernated = true;
      for (const type of ['APIServerAvailable', 'ControlPlaneHealthy']) {
        s.conditions = withCondition(s.conditions, type, 'False', 'Hibernated', 'The shoot is hibernated.');
      }
    });
  }

  private async reconcile(shoot: Shoot, status: ShootStatusWriter, signal: AbortSignal): Promise<void> {
    await this.ensureFinalizer(shoot);
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
    const gateway = () => infrastructure?.providerStatus.gatewayAddress ?? '127.0.0.1';
    const tasks: Task[] = [
      this.task('deploy-infrastructure', [], async () => {
        infrastructure = await this.options.extensions
          .infrastructure(shoot.spec.provider.type)
          .reconcile(context);
        await this.saveSshKeypair(shoot, infrastructure);
      }),
      this.task('deploy-control-plane', ['deploy-infrastructure'], () =>
        this.options.seed.deploy({
          id: context.technicalId,
          listenAddress: gateway(),
          serviceCidr: shoot.spec.networking.services ?? '100.104.0.0/13',
          podCidr: shoot.spec.networking.pods,
        }),
      ),
      this.task('wait-control-plane-ready', ['deploy-control-plane'], ({ signal: s }) =>
        this.options.seed.waitReady(context.technicalId, { signal: s, timeoutMs: 120_000 }),
      ),
      this.task('reconcile-workers', ['wait-control-plane-ready'], async () => {
        if ((shoot.spec.provider.workers ?? []).length === 0) return;
        throw new ExtensionError(
          'worker pools are not supported yet: remove spec.provider.workers for a workerless shoot',
          [GardenerErrorCode.ConfigurationProblem],
        );
      }),
      this.task('publish-cluster-access', ['wait-control-plane-ready'], async () => {
        endpoint = await this.options.seed.endpoint(context.technicalId);
        await this.publishAccess(shoot, endpoint.caPem);
      }),
    ];
    await this.run(new Flow(`reconcile ${context.technicalId}`, tasks), type, status, signal);
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
      },
    );
  }

  private async delete(shoot: Shoot, status: ShootStatusWriter, signal: AbortSignal): Promise<void> {
    const context = await this.infrastructureContext(shoot);
    const tasks: Task[] = [
      this.task('destroy-control-plane', [], () => this.options.seed.destroy(context.technicalId)),
      this.task('destroy-infrastructure', ['destroy-control-plane'], () =>
        this.options.extensions.infrastructure(shoot.spec.provider.type).delete(context),
      ),
      this.task('delete-cluster-access', ['destroy-infrastructure'], () => this.removeAccess(shoot)),
    ];
    await this.run(new Flow(`delete ${context.technicalId}`, tasks), 'Delete', status, signal);
    await this.removeFinalizer(shoot);
  }

  private async run(flow: Flow, type: OperationType, status: ShootStatusWriter, signal: AbortSignal) {
    let percent = 0;
    let writes = Promise.resolve();
    await status.progress(type, 0, `${flow.name}: starting`);
    try {
      await flow.run({
        signal,
        isRetryable: (error) => isRetryable((error as { codes?: never[] }).codes ?? []),
        onProgress: (p) => {
          percent = p.percent;
          const description = p.running.length ? `running ${p.running.join(', ')}` : 'finishing';
          writes = writes
            .then(() => status.progress(type, p.percent, description).then(() => undefined))
            .catch(() => undefined);
        },
      });
      await writes;
    } catch (error) {
      await writes;
      if (!(error instanceof FlowError)) throw error;
      const finalCause =
        error.failures.length > 0 &&
        error.failures.every((f) => !isRetryable((f.error as { codes?: never[] }).codes ?? []));
      const final = await status.failed(type, error.failures, {
        finalCause,
        progress: percent,
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
    const cloudProfile = (await this.options.resources.get(
      CLOUD_PROFILE,
      undefined,
      shoot.spec.cloudProfileName ?? '',
    )) as unknown as CloudProfile;
    return { shoot, cloudProfile, credentials: {}, technicalId: technicalIdOf(shoot) };
  }

  /** Removes the operations acted on from the annotation, keeping any it does not know. */
  private async clearOperations(shoot: Shoot, handled: readonly string[]): Promise<void> {
    if (handled.length === 0) return;
    const current = (await this.options.resources.get(
      SHOOT,
      shoot.metadata.namespace,
      shoot.metadata.name ?? '',
    )) as unknown as Shoot;
    const left = (current.metadata.annotations?.[OPERATION_ANNOTATION] ?? '')
      .split(';')
      .map((op) => op.trim())
      .filter((op) => op && !handled.includes(op));
    await this.options.resources.patch(SHOOT, shoot.metadata.namespace, shoot.metadata.name ?? '', 'merge', {
      metadata: { annotations: { [OPERATION_ANNOTATION]: left.length ? left.join(';') : null } },
    });
  }

  private async ensureFinalizer(shoot: Shoot): Promise<void> {
    if (shoot.metadata.finalizers?.includes(SHOOT_FINALIZER)) return;
    await this.options.resources.patch(SHOOT, shoot.metadata.namespace, shoot.metadata.name ?? '', 'merge', {
      metadata: { finalizers: [...(shoot.metadata.finalizers ?? []), SHOOT_FINALIZER] },
    });
  }

  private async removeFinalizer(shoot: Shoot): Promise<void> {
    const current = (await this.options.resources.get(
      SHOOT,
      shoot.metadata.namespace,
      shoot.metadata.name ?? '',
    )) as unknown as Shoot;
    const remaining = (current.metadata.finalizers ?? []).filter((f) => f !== SHOOT_FINALIZER);
    await this.options.resources.patch(SHOOT, shoot.metadata.namespace, shoot.metadata.name ?? '', 'merge', {
      metadata: { finalizers: remaining.length ? remaining : null },
    });
  }

  /** Gardener keeps a shoot's SSH key pair as `<shoot>.ssh-keypair` in the project namespace. */
  private async saveSshKeypair(shoot: Shoot, infrastructure: InfrastructureStatus): Promise<void> {
    const data = {
      id_ed25519: Buffer.from(infrastructure.secrets.sshPrivateKey ?? '').toString('base64'),
      'id_ed25519.pub': Buffer.from(infrastructure.sshPublicKey).toString('base64'),
    };
    await this.apply(SECRET, shoot, `${shoot.metadata.name}.ssh-keypair`, { type: 'Opaque', data });
  }

  /** `<shoot>.ca-cluster` holds the cluster CA for clients, as in Gardener. */
  private async publishAccess(shoot: Shoot, caPem: string): Promise<void> {
    await this.apply(CONFIG_MAP, shoot, `${shoot.metadata.name}.ca-cluster`, { data: { 'ca.crt': caPem } });
  }

  private async removeAccess(shoot: Shoot): Promise<void> {
    for (const [type, name] of [
      [CONFIG_MAP, `${shoot.metadata.name}.ca-cluster`],
      [SECRET, `${shoot.metadata.name}.ssh-keypair`],
    ] as const) {
      await this.options.resources.delete(type, shoot.metadata.namespace, name).catch(ignoreNotFound);
    }
  }

  /** create, or replace the content of, a namespaced object owned by the shoot */
  private async apply(type: typeof SECRET, shoot: Shoot, name: string, content: Record<string, unknown>) {
    const body = {
      apiVersion: 'v1',
      kind: type.kind,
      metadata: {
        name,
        namespace: shoot.metadata.namespace,
        labels: { 'shoot.gardener.cloud/name': shoot.metadata.name ?? '' },
      },
      ...content,
    };
    try {
      await this.options.resources.create(type, shoot.metadata.namespace, body);
    } catch (error) {
      if (!hasReason(error, 'AlreadyExists')) throw error;
      await this.options.resources.patch(type, shoot.metadata.namespace, name, 'merge', content);
    }
  }
}
