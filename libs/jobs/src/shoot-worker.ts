import { type BackoffPolicy, backoffDelay } from '@gardener-ts/api/backoff';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ShootLeases } from './lease.js';
import { type ShootRef, seedKeyPrefix, seedQueueName } from './names.js';
import { PendingMarks } from './pending.js';

export interface ReconcileContext {
  /** aborted when this worker loses the shoot's lease */
  readonly signal: AbortSignal;
  readonly attempt: number;
}

export interface ShootWorkerOptions {
  readonly connection: Redis;
  readonly seedName: string;
  readonly prefix?: string;
  /** shoots reconciled at once by this process */
  readonly concurrency?: number;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  /** how often a job may stall (its worker died) before it fails; above 1 so kill -9 loses nothing */
  readonly maxStalledCount?: number;
  readonly backoff?: BackoffPolicy;
  readonly leaseTtlMs?: number;
  reconcile(ref: ShootRef, context: ReconcileContext): Promise<void>;
  /** errors for which retrying cannot help (Gardener's non-retryable codes) */
  isFinal?(error: unknown): boolean;
}

const LEASE_BUSY_RETRY_MS = 1_000;

export type ShootJobHandler = (job: Job<ShootRef>, token?: string) => Promise<void>;

/**
 * What a worker does with a shoot's job: hold the shoot's lease, clear its pending mark, reconcile,
 * and run once more if the shoot changed meanwhile. Used by startShootWorker and by Nest processors.
 */
export function createShootJobHandler(options: ShootWorkerOptions): ShootJobHandler {
  const prefix = options.prefix ?? 'gardener-ts';
  const seedKeys = seedKeyPrefix(prefix, options.seedName);
  const leases = new ShootLeases(options.connection, seedKeys, options.leaseTtlMs);
  const pending = new PendingMarks(options.connection, seedKeys);
  return async (job, token) => {
    const ref = job.data;
    const lease = await leases.acquire(ref.uid);
    if (!lease) return runAgainLater(job, token, LEASE_BUSY_RETRY_MS);
    try {
      await pending.take(ref.uid);
      await options.reconcile(ref, { signal: lease.signal, attempt: job.attemptsMade + 1 });
    } catch (error) {
      if (options.isFinal?.(error)) throw new UnrecoverableError((error as Error).message);
      throw error;
    } finally {
      await lease.release();
    }
    if (await pending.isMarked(ref.uid)) return runAgainLater(job, token, 0);
  };
}

/** BullMQ worker settings for shoot queues: stalled-job recovery and capped exponential backoff. */
export function shootWorkerSettings(options: Omit<ShootWorkerOptions, 'reconcile' | 'isFinal'>) {
  const backoff = options.backoff ?? { initialMs: 1_000, maxMs: 300_000 };
  return {
    connection: options.connection,
    prefix: options.prefix ?? 'gardener-ts',
    concurrency: options.concurrency ?? 20,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 3,
    settings: {
      backoffStrategy: (attemptsMade: number) => backoffDelay(backoff, attemptsMade),
    },
  };
}

/** The consumer side without Nest: one BullMQ worker for a seed's queue. */
export function startShootWorker(options: ShootWorkerOptions): Worker {
  return new Worker<ShootRef>(
    seedQueueName(options.seedName),
    createShootJobHandler(options),
    shootWorkerSettings(options),
  );
}

async function runAgainLater(job: Job, token: string | undefined, delayMs: number): Promise<never> {
  await job.moveToDelayed(Date.now() + delayMs, token);
  throw new DelayedError();
}
