import {
  BASTION_READY_CONDITION,
  type Bastion,
  EventReason,
  OPERATION_ANNOTATION,
  type Shoot,
  timestamp,
} from '@gardener-ts/api';
import { backoffDelay } from '@gardener-ts/api/backoff';
import type { EventRecorder, GardenClient, ObjectKey } from '@gardener-ts/client';
import type { BastionActuator, BastionContext, BastionStatus } from '@gardener-ts/extensions';
import { withCondition } from '../conditions.js';
import { technicalIdOf, technicalIdOfName } from '../shoot-names.js';
import {
  annotationWithoutKeepalive,
  DEFAULT_LIFETIME,
  expiryOf,
  keepaliveRequested,
  type Lifetime,
  reasonToRemove,
} from './lifetime.js';

/** the gardenlet's finalizer: the provider's bastion is gone before the object is */
export const BASTION_FINALIZER = 'gardener';

/** Keeps two gardenlets of one seed from working on one bastion at once (the jobs' leases fit). */
export interface BastionLeases {
  acquire(uid: string): Promise<{ release(): Promise<void> } | undefined>;
}

export interface BastionControllerOptions {
  readonly client: GardenClient;
  readonly seedName: string;
  /** the provider's Bastion actuator for a provider type */
  readonly actuator: (providerType: string) => BastionActuator;
  readonly leases?: BastionLeases;
  readonly lifetime?: Lifetime;
  /** a Ready bastion's actuator runs again this often, to repair what vanished behind its back */
  readonly resyncMs?: number;
  readonly now?: () => Date;
  /** a bastion becoming ready (or failing to), as events on it (none without it) */
  readonly events?: EventRecorder;
}

/** The status the Bastion object carries (BastionStatus is what the provider reports). */
type BastionObjectStatus = NonNullable<Bastion['status']>;

interface Attempt {
  readonly at: number;
  readonly generation: number;
  readonly failures: number;
}

/** a bastion that is not Ready is tried again after 1 s, doubling up to a minute */
const RETRY = { initialMs: 1_000, maxMs: 60_000 };

/**
 * The gardenlet's Bastion controller (Gardener's bastion controllers in the gardenlet and the
 * controller-manager in one): for the seed's bastions it calls the provider's actuator and writes
 * status, moves the heartbeat on keepalive, deletes bastions that expired or whose shoot goes, and
 * on deletion removes the provider's bastion before its finalizer. Each pass is level-based.
 */
export class BastionController {
  private readonly attempts = new Map<string, Attempt>();
  private readonly lifetime: Lifetime;
  private readonly client: GardenClient;

  constructor(private readonly options: BastionControllerOptions) {
    this.lifetime = options.lifetime ?? DEFAULT_LIFETIME;
    this.client = options.client;
  }

  /** One pass over every bastion of this seed; one failing bastion does not hold up the others. */
  async reconcileAll(): Promise<void> {
    const bastions = await this.client.list('Bastion', {
      fieldSelector: `spec.seedName=${this.options.seedName}`,
    });
    this.forgetAttemptsExcept(bastions);
    const results = await Promise.allSettled(bastions.map((bastion) => this.underLease(bastion)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) {
      throw new Error(
        `${failed.length} bastion(s) failed: ${failed.map((f) => f.reason?.message).join('; ')}`,
      );
    }
  }

  /** Attempts are remembered only for bastions that still exist. */
  private forgetAttemptsExcept(bastions: Bastion[]): void {
    const seen = new Set(bastions.map(uidOf));
    for (const uid of this.attempts.keys()) if (!seen.has(uid)) this.attempts.delete(uid);
  }

  private async underLease(bastion: Bastion): Promise<void> {
    const lease = await this.options.leases?.acquire(uidOf(bastion));
    if (this.options.leases && !lease) return; // another gardenlet works on it right now
    try {
      const current = await this.client.find('Bastion', keyOf(bastion));
      if (current) await this.reconcile(current);
    } finally {
      await lease?.release();
    }
  }

  /** Converges one bastion (as read just now). */
  async reconcile(bastion: Bastion): Promise<void> {
    const now = this.now();
    const shoot = await this.shootOf(bastion);
    if (bastion.metadata.deletionTimestamp) return this.finalize(bastion, shoot);
    if (!shoot || reasonToRemove(bastion, shoot, this.lifetime, now)) return this.remove(bastion, shoot);
    let current = await this.withFinalizer(bastion);
    if (keepaliveRequested(current)) current = await this.keepalive(current, now);
    if (this.due(current, now)) await this.provide(current, shoot, now);
    else await this.refreshLifetime(current);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Deletes the object, then finalizes it at once (its finalizer keeps it until then). */
  private async remove(bastion: Bastion, shoot: Shoot | undefined): Promise<void> {
    await this.client.delete('Bastion', keyOf(bastion));
    const marked = await this.client.find('Bastion', keyOf(bastion));
    if (marked) await this.finalize(marked, shoot);
  }

  /** The actuator runs when the spec changed, the bastion is not Ready (with backoff), or on resync. */
  private due(bastion: Bastion, now: Date): boolean {
    const attempt = this.attempts.get(uidOf(bastion));
    if (!attempt || attempt.generation !== generationOf(bastion)) return true;
    const ready = conditionOf(bastion)?.status === 'True';
    const wait = ready ? (this.options.resyncMs ?? 60_000) : backoffDelay(RETRY, attempt.failures);
    return now.getTime() - attempt.at >= wait;
  }

  private async provide(bastion: Bastion, shoot: Shoot, now: Date): Promise<void> {
    let provided: BastionStatus;
    try {
      provided = await this.actuatorFor(bastion).reconcile(contextOf(bastion, shoot));
    } catch (error) {
      await this.reportFailure(bastion, error as Error, now);
      this.options.events?.event(
        bastion,
        'Warning',
        EventReason.ReconcileError,
        `The bastion could not be made ready: ${(error as Error).message}`,
      );
      throw error;
    }
    this.attempts.set(uidOf(bastion), { at: now.getTime(), generation: generationOf(bastion), failures: 0 });
    await this.reportReady(bastion, provided, now);
    if (conditionOf(bastion)?.status !== 'True')
      this.options.events?.event(
        bastion,
        'Normal',
        EventReason.BastionReady,
        `The bastion accepts SSH connections at ${provided.hostname ?? provided.ip}`,
      );
  }

  /** Counts the failure (for the backoff) and shows it as BastionReady False. */
  private async reportFailure(bastion: Bastion, error: Error, now: Date): Promise<void> {
    const generation = generationOf(bastion);
    const previous = this.attempts.get(uidOf(bastion));
    const failures = previous?.generation === generation ? previous.failures + 1 : 1;
    this.attempts.set(uidOf(bastion), { at: now.getTime(), generation, failures });
    await this.writeStatus(bastion, (status) => {
      status.conditions = withCondition(
        status.conditions,
        BASTION_READY_CONDITION,
        'False',
        'FailedReconciling',
        `the bastion could not be made ready: ${error.message}`,
        now,
      );
    });
  }

  /** Where to connect, the host key and BastionReady True, for the generation the actuator saw. */
  private async reportReady(bastion: Bastion, provided: BastionStatus, now: Date): Promise<void> {
    await this.writeStatus(bastion, (status) => {
      status.ingress = { ip: provided.ip, ...(provided.hostname ? { hostname: provided.hostname } : {}) };
      if (provided.hostKey) status.sshHostKeys = [provided.hostKey];
      status.observedGeneration = generationOf(bastion);
      status.conditions = withCondition(
        status.conditions,
        BASTION_READY_CONDITION,
        'True',
        'SuccessfullyReconciled',
        'The bastion accepts SSH connections.',
        now,
      );
    });
  }

  /** Status the bastion always carries: its heartbeat (creation until a keepalive) and its expiry. */
  private async refreshLifetime(bastion: Bastion): Promise<void> {
    await this.writeStatus(bastion, () => {});
  }

  /** Writes the status as `change` edits it (on the stored object), with heartbeat and expiry. */
  private async writeStatus(bastion: Bastion, change: (status: BastionObjectStatus) => void): Promise<void> {
    await this.client.updateStatus('Bastion', keyOf(bastion), (status, stored) => {
      status.lastHeartbeatTimestamp ??= stored.metadata.creationTimestamp ?? timestamp(this.now());
      change(status);
      status.expirationTimestamp = timestamp(expiryOf({ ...stored, status }, this.lifetime));
    });
  }

  /** Heartbeat first, then the annotation goes: a crash in between only repeats the keepalive. */
  private async keepalive(bastion: Bastion, now: Date): Promise<Bastion> {
    await this.writeStatus(bastion, (status) => {
      status.lastHeartbeatTimestamp = timestamp(now);
    });
    return this.client.patch('Bastion', keyOf(bastion), 'merge', {
      metadata: { annotations: { [OPERATION_ANNOTATION]: annotationWithoutKeepalive(bastion) } },
    });
  }

  /** A bastion that has the finalizer already costs no request. */
  private async withFinalizer(bastion: Bastion): Promise<Bastion> {
    if (bastion.metadata.finalizers?.includes(BASTION_FINALIZER)) return bastion;
    return this.client.ensureFinalizer('Bastion', keyOf(bastion), BASTION_FINALIZER);
  }

  /** The provider's bastion goes first; the finalizer last, which removes the object. */
  private async finalize(bastion: Bastion, shoot: Shoot | undefined): Promise<void> {
    if (!bastion.metadata.finalizers?.includes(BASTION_FINALIZER)) return;
    await this.actuatorIfAny(bastion)?.delete(contextOf(bastion, shoot));
    await this.client.removeFinalizer('Bastion', keyOf(bastion), BASTION_FINALIZER);
    this.attempts.delete(uidOf(bastion));
  }

  private actuatorFor(bastion: Bastion): BastionActuator {
    return this.options.actuator(bastion.spec.providerType ?? '');
  }

  /** A provider without a Bastion actuator cannot have made anything to remove. */
  private actuatorIfAny(bastion: Bastion): BastionActuator | undefined {
    try {
      return this.actuatorFor(bastion);
    } catch {
      return undefined;
    }
  }

  private shootOf(bastion: Bastion): Promise<Shoot | undefined> {
    return this.client.find('Shoot', {
      namespace: bastion.metadata.namespace,
      name: bastion.spec.shootRef.name,
    });
  }
}

function keyOf(bastion: Bastion): ObjectKey {
  return { namespace: bastion.metadata.namespace, name: bastion.metadata.name ?? '' };
}

function uidOf(bastion: Bastion): string {
  return bastion.metadata.uid ?? '';
}

function generationOf(bastion: Bastion): number {
  return bastion.metadata.generation ?? 1;
}

function conditionOf(bastion: Bastion) {
  return bastion.status?.conditions?.find((c) => c.type === BASTION_READY_CONDITION);
}

/**
 * What the provider is told. The technical ID follows from the shoot's namespace and name, so a
 * bastion whose shoot is already gone can still be deleted; the infrastructure facts the provider
 * gets are the shoot's node network (providers derive the rest from the technical ID).
 */
export function contextOf(bastion: Bastion, shoot: Shoot | undefined): BastionContext {
  const shootName = bastion.spec.shootRef.name;
  const technicalId = shoot ? technicalIdOf(shoot) : technicalIdOfName(bastion.metadata.namespace, shootName);
  const nodesCidr = shoot?.spec.networking?.nodes;
  return {
    id: `${technicalId}--${bastion.metadata.name}`,
    technicalId,
    sshPublicKey: bastion.spec.sshPublicKey,
    ingressCidrs: bastion.spec.ingress.map((i) => i.ipBlock.cidr),
    infrastructure: nodesCidr ? { nodesCidr } : {},
  };
}
