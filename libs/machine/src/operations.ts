import type { Machine, Shoot } from '@gardener-ts/api';
import { EventReason, SSH_HOST_KEYS_ANNOTATION, timestamp } from '@gardener-ts/api';
import type { EventRecorder } from '@gardener-ts/client';
import {
  isMachineNotFound,
  type MachineDriver,
  MachineError,
  MachineErrorCode,
  type NodeBootstrap,
} from '@gardener-ts/extensions';
import { MachineControllerError, MachineControllerErrorCode } from './errors.js';
import { isDeleting, type MachineObjects } from './objects.js';
import { nodeNameOf, type PhaseChange, phaseOf, statusPatch } from './phases.js';
import type { ClassProviderSpec } from './pools.js';
import type { ShootNodes } from './shoot-nodes.js';

/** "Look at machine X": create it at the provider, or delete it there when it is marked. */
export interface MachineJob {
  readonly namespace: string;
  readonly name: string;
  /** the job's id: one live job per machine */
  readonly uid: string;
  readonly technicalId: string;
  /** the shoot's name, to make the machine's bootstrap */
  readonly shoot: string;
  /** the shoot's provider type: which driver */
  readonly provider: string;
  /** asked for because the machine is marked for deletion (the job looks again anyway) */
  readonly deleting: boolean;
}

export interface OperatorDependencies {
  readonly objects: MachineObjects;
  readonly drivers: (providerType: string) => MachineDriver;
  readonly nodes: (technicalId: string) => Promise<ShootNodes>;
  readonly bootstrap: (shoot: Shoot, technicalId: string) => Promise<NodeBootstrap>;
  readonly now: () => Date;
  readonly events?: EventRecorder | undefined;
}

type LastOperation = NonNullable<NonNullable<Machine['status']>['lastOperation']>;

function asMachineError(error: unknown): MachineError {
  if (error instanceof MachineError) return error;
  return new MachineError(MachineErrorCode.Unknown, (error as Error)?.message ?? String(error));
}

/** The pool's node labels and taints go to the machine with what the gardenlet's bootstrap holds. */
function withNodeTemplate(bootstrap: NodeBootstrap, machine: Machine): NodeBootstrap {
  const template = machine.spec.nodeTemplate;
  return {
    ...bootstrap,
    labels: { ...bootstrap.labels, ...template?.metadata?.labels },
    taints: [
      ...bootstrap.taints,
      ...(template?.spec?.taints ?? []).map((t) => ({ ...t, effect: t.effect ?? 'NoSchedule' })),
    ],
  };
}

/**
 * Runs one machine's job (level-based: it reads the machine first). Throws to be retried with
 * backoff: retryable driver codes and transient failures. A final driver code on create marks
 * the machine Failed and ends the job. Never logs or stores the bootstrap.
 */
export class MachineOperator {
  constructor(private readonly deps: OperatorDependencies) {}

  async run(job: MachineJob): Promise<void> {
    let machine = await this.current(job);
    if (!machine) return;
    if (!isDeleting(machine) && !machine.spec.providerID && phaseOf(machine) !== 'Failed') {
      await this.create(machine, job);
      machine = await this.current(job);
      if (!machine) return;
    }
    if (isDeleting(machine)) await this.delete(machine, job);
  }

  private async current(job: MachineJob): Promise<Machine | undefined> {
    const machine = await this.deps.objects.find('Machine', job.namespace, job.name);
    return machine?.metadata.uid === job.uid ? machine : undefined;
  }

  private async create(machine: Machine, job: MachineJob): Promise<void> {
    const machineClass = await this.deps.objects.find('MachineClass', job.namespace, machine.spec.class.name);
    if (!machineClass) {
      throw new MachineControllerError(
        MachineControllerErrorCode.ClassNotFound,
        `MachineClass ${machine.spec.class.name} of machine ${job.name} is gone`,
      );
    }
    const shoot = await this.deps.objects.find('Shoot', job.namespace, job.shoot);
    if (!shoot) {
      throw new MachineControllerError(
        MachineControllerErrorCode.ShootNotFound,
        `shoot ${job.namespace}/${job.shoot} of machine ${job.name} is gone`,
      );
    }
    const spec = machineClass.providerSpec as unknown as ClassProviderSpec;
    let info: Awaited<ReturnType<MachineDriver['create']>>;
    try {
      const bootstrap = await this.deps.bootstrap(shoot, job.technicalId);
      info = await this.deps.drivers(job.provider).create({
        name: job.name,
        technicalId: job.technicalId,
        machineClass: spec.machineClass,
        infrastructure: spec.infrastructure ?? {},
        bootstrap: withNodeTemplate(bootstrap, machine),
      });
    } catch (error) {
      const failure = asMachineError(error);
      if (failure.retryable) {
        await this.record(job, {
          type: 'Create',
          state: 'Processing',
          description: `Creating the machine failed, will be retried: ${failure.message}`,
          errorCode: failure.code,
        });
        throw failure;
      }
      const description = `Creating the machine failed: ${failure.message}`;
      await this.fail(job, {
        phase: 'Failed',
        lastOperation: { type: 'Create', state: 'Failed', description, errorCode: failure.code },
      });
      this.deps.events?.event(
        machine,
        'Warning',
        EventReason.MachineCreationFailed,
        `${description} (${failure.code})`,
      );
      return;
    }
    await this.deps.objects.patch('Machine', job.namespace, job.name, {
      spec: { providerID: info.providerId },
      ...(info.sshHostKeys?.length
        ? { metadata: { annotations: { [SSH_HOST_KEYS_ANNOTATION]: info.sshHostKeys.join('\n') } } }
        : {}),
    });
    await this.deps.objects.mergeStatus('Machine', job.namespace, job.name, {
      node: info.nodeName,
      addresses: info.addresses.map((a) => ({ type: a.type, address: a.address })),
      lastOperation: {
        type: 'Create',
        state: 'Processing',
        description: `Created at the provider as ${info.providerId}; waiting for node ${info.nodeName} to join`,
        errorCode: null,
        lastUpdateTime: timestamp(this.deps.now()),
      },
    });
    this.deps.events?.event(
      machine,
      'Normal',
      EventReason.MachineCreated,
      `Created at the provider as ${info.providerId}; waiting for node ${info.nodeName} to join`,
    );
  }

  /** Deletes at the provider, then the Node, then lets the Machine go. */
  private async delete(machine: Machine, job: MachineJob): Promise<void> {
    try {
      await this.deps.drivers(job.provider).delete({
        name: job.name,
        technicalId: job.technicalId,
        ...(machine.spec.providerID ? { providerId: machine.spec.providerID } : {}),
      });
    } catch (error) {
      if (!isMachineNotFound(error)) {
        const failure = asMachineError(error);
        await this.record(job, {
          type: 'Delete',
          state: 'Failed',
          description: `Deleting the machine failed, will be retried: ${failure.message}`,
          errorCode: failure.code,
        });
        throw failure;
      }
    }
    const nodes = await this.deps.nodes(job.technicalId);
    await nodes.delete(nodeNameOf(machine));
    this.deps.events?.event(
      machine,
      'Normal',
      EventReason.MachineDeleted,
      'Deleted at the provider and as a node',
    );
    await this.deps.objects.release('Machine', job.namespace, job.name);
  }

  private async record(job: MachineJob, lastOperation: Omit<LastOperation, 'lastUpdateTime'>): Promise<void> {
    await this.deps.objects
      .mergeStatus('Machine', job.namespace, job.name, {
        lastOperation: { ...lastOperation, lastUpdateTime: timestamp(this.deps.now()) },
      })
      .catch(() => undefined);
  }

  private async fail(job: MachineJob, change: PhaseChange): Promise<void> {
    await this.deps.objects.mergeStatus(
      'Machine',
      job.namespace,
      job.name,
      statusPatch(change, this.deps.now()),
    );
  }
}
