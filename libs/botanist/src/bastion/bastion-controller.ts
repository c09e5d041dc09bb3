import {
  BASTION_READY_CONDITION,
  type Bastion,
  requireResourceByKind,
  type Shoot,
  timestamp,
} from '@gardener-ts/api';
import {
  type BastionActuator,
  type BastionContext,
  type BastionStatus,
  technicalIdOf,
} from '@gardener-ts/extensions';
import type { ResourceService } from '@gardener-ts/store';
import { withCondition } from '../conditions.js';
import { ignoreNotFound } from '../errors.js';
import {
  annotationWithoutKeepalive,
  DEFAULT_LIFETIME,
  expiryOf,
  keepaliveRequested,
  type Lifetime,
  OPERATION_ANNOTATION,
  reasonToRemove,
} from './lifetime.js';

export const BASTION = requireResourceByKind('Bastion');
const SHOOT = requireResourceByKind('Shoot');
/** the gardenlet's finalizer: the provider's bastion is gone before the object is */
export const BASTION_FINALIZER = 'gardener';

/** Keeps two gardenlets of one seed from working on one bastion at once (the jobs' leases fit). */
export interface BastionLeases {
  acquire(uid: string): Promise<{ release(): Promise<void> } | undefined>;
}

export interface BastionControllerOptions {
  readonly resources: ResourceService;
  readonly seedName: string;
  /** the provider's Bastion actuator for a provider type */
  readonly actuator: (providerType: string) => BastionActuator;
  readonly leases?: BastionLeases;
  readonly lifetime?: Lifetime;
  /** a Ready bastion's actuator runs again this often, to repair what vanished behind its back */
  readonly resyncMs?: number;
  readonly now?: () => Date;
}

interface Attempt {
  readonly at: number;
  readonly generation: number;
  readonly failures: number;
}

const MAX_BACKOFF_MS = 60_000;

/**
 * The gardenlet's Bastion controller (Gardener's bastion controllers in the gardenlet and the
 * controller-manager in one): for the seed's bastions it calls the provider's actuator and writes
 * status, moves the heartbeat on keepalive, deletes bastions that expired or whose shoot goes, and
 * on deletion removes the provider's bastion before its finalizer. Each pass is level-based.
 */
export class BastionController {
  private readonly attempts = new Map<string, Attempt>();
  private readonly lifetime: Lifetime;

  constructor(private readonly options: BastionControllerOptions) {
    this.lifetime = options.lifetime ?? DEFAULT_LIFETIME;
  }

  /** One pass over every bastion of this seed; one failing bastion does not hold up the others. */
  async reconcileAll(): Promise<void> {
    const { items } = await this.options.resources.list(BASTION, undefined, {
      fieldSelector: `spec.seedName=${this.options.seedName}`,
    });
    const seen = new Set(items.map((b) => b.metadata.uid ?? ''));
    for (const uid of this.attempts.keys()) if (!seen.has(uid)) this.attempts.delete(uid);
    const results = await Promise.allSettled(
      (items as unknown as Bastion[]).map((bastion) => this.underLease(bastion)),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) {
      throw new Error(
        `${failed.length} bastion(s) failed: ${failed.map((f) => f.reason?.message).join('; ')}`,
      );
    }
  }

  private async underLease(bastion: Bastion): Promise<void> {
    const lease = await this.options.leases?.acquire(bastion.metadata.uid ?? '');
    if (this.options.leases && !lease) return; // another gardenlet works on it right now
    try {
      const current = await this.read(bastion);
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
    const removal = reasonToRemove(bastion, shoot, this.lifetime, now);
    if (removal || !shoot) {
      await this.options.resources.delete(BASTION, bastion.metadata.namespace, bastion.metadata.name ?? '');
      const marked = await this.read(bastion);
      if (marked) await this.finalize(marked, shoot);
      return;
    }
    let current = await this.ensureFinalizer(bastion);
    if (keepaliveRequested(current)) current = await this.keepalive(current, now);
    if (this.due(current, now)) await this.provide(current, shoot, now);
    else await this.refreshLifetime(current);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** The actuator runs when the spec changed, the bastion is not Ready (with backoff), or on resync. */
  private due(bastion: Bastion, now: Date): boolean {
    const attempt = this.attempts.get(bastion.metadata.uid ?? '');
    const generation = bastion.metadata.generation ?? 1;
    const ready = conditionOf(bastion)?.status === 'True';
    if (!attempt || attempt.generation !== generation) return true;
    const wait = ready
      ? (this.options.resyncMs ?? 60_000)
      : Math.min(1000 * 2 ** Math.max(0, attempt.failures - 1), MAX_BACKOFF_MS);
    return now.getTime() - attempt.at >= wait;
  }

  private async provide(bastion: Bastion, shoot: Shoot, now: Date): Promise<void> {
    const uid = bastion.metadata.uid ?? '';
    const generation = bastion.metadata.generation ?? 1;
    const previous = this.attempts.get(uid);
    let result: BastionStatus;
    try {
      result = await this.actuatorFor(bastion).reconcile(contextOf(bastion, shoot));
    } catch (error) {
      const failures = previous?.generation === generation ? previous.failures + 1 : 1;
      this.attempts.set(uid, { at: now.getTime(), generation, failures });
      await this.writeStatus(bastion, (status) => {
        status.conditions = withCondition(
          status.conditions,
          BASTION_READY_CONDITION,
          'False',
          'FailedReconciling',
          `the bastion could not be made ready: ${(error as Error).message}`,
          now,
        );
      });
      throw error;
    }
    this.attempts.set(uid, { at: now.getTime(), generation, failures: 0 });
    await this.writeStatus(bastion, (status) => {
      status.ingress = { ip: result.ip, ...(result.hostname ? { hostname: result.hostname } : {}) };
      if (result.hostKey) status.sshHostKeys = [result.hostKey];
      status.observedGeneration = generation;
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

  private async writeStatus(bastion: Bastion, change: (status: NonNullable<Bastion['status']>) => void) {
    const status: NonNullable<Bastion['status']> = structuredClone(bastion.status ?? {});
    status.lastHeartbeatTimestamp ??= bastion.metadata.creationTimestamp ?? timestamp(this.now());
    change(status);
    status.expirationTimestamp = timestamp(expiryOf({ ...bastion, status }, this.lifetime));
    await this.options.resources.patch(
      BASTION,
      bastion.metadata.namespace,
      bastion.metadata.name ?? '',
      'merge',
      { status },
      { subresource: 'status' },
    );
  }

  /** Heartbeat first, then the annotation goes: a crash in between only repeats the keepalive. */
  private async keepalive(bastion: Bastion, now: Date): Promise<Bastion> {
    await this.writeStatus(bastion, (status) => {
      status.lastHeartbeatTimestamp = timestamp(now);
    });
    const { namespace, name } = bastion.metadata;
    return (await this.options.resources.patch(BASTION, namespace, name ?? '', 'merge', {
      metadata: { annotations: { [OPERATION_ANNOTATION]: annotationWithoutKeepalive(bastion) } },
    })) as unknown as Bastion;
  }

  private async ensureFinalizer(bastion: Bastion): Promise<Bastion> {
    if (bastion.metadata.finalizers?.includes(BASTION_FINALIZER)) return bastion;
    const { namespace, name } = bastion.metadata;
    return (await this.options.resources.patch(BASTION, namespace, name ?? '', 'merge', {
      metadata: { finalizers: [...(bastion.metadata.finalizers ?? []), BASTION_FINALIZER] },
    })) as unknown as Bastion;
  }

  /** The provider's bastion goes first; the finalizer last, which removes the object. */
  private async finalize(bastion: Bastion, shoot: Shoot | undefined): Promise<void> {
    if (!bastion.metadata.finalizers?.includes(BASTION_FINALIZER)) return;
    // a provider without a Bastion actuator cannot have made anything to remove
    const actuator = (() => {
      try {
        return this.actuatorFor(bastion);
      } catch {
        return undefined;
      }
    })();
    await actuator?.delete(contextOf(bastion, shoot));
    const remaining = (bastion.metadata.finalizers ?? []).filter((f) => f !== BASTION_FINALIZER);
    await this.options.resources
      .patch(BASTION, bastion.metadata.namespace, bastion.metadata.name ?? '', 'merge', {
        metadata: { finalizers: remaining.length > 0 ? remaining : null },
      })
      .catch(ignoreNotFound);
    this.attempts.delete(bastion.metadata.uid ?? '');
  }

  private actuatorFor(bastion: Bastion): BastionActuator {
    return this.options.actuator(bastion.spec.providerType ?? '');
  }

  private async read(bastion: Bastion): Promise<Bastion | undefined> {
    const { namespace, name } = bastion.metadata;
    return (await this.options.resources
      .get(BASTION, namespace, name ?? '')
      .catch(ignoreNotFound)) as unknown as Bastion | undefined;
  }

  private async shootOf(bastion: Bastion): Promise<Shoot | undefined> {
    return (await this.options.resources
      .get(SHOOT, bastion.metadata.namespace, bastion.spec.shootRef.name)
      .catch(ignoreNotFound)) as unknown as Shoot | undefined;
  }
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
  const technicalId = shoot
    ? technicalIdOf(shoot)
    : technicalIdOf({ metadata: { namespace: bastion.metadata.namespace, name: shootName } } as Shoot);
  const nodesCidr = shoot?.spec.networking?.nodes;
  return {
    id: `${technicalId}--${bastion.metadata.name}`,
    technicalId,
    sshPublicKey: bastion.spec.sshPublicKey,
    ingressCidrs: bastion.spec.ingress.map((i) => i.ipBlock.cidr),
    infrastructure: nodesCidr ? { nodesCidr } : {},
  };
}
