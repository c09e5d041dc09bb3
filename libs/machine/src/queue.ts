import { setTimeout as sleep } from 'node:timers/promises';
import { type BackoffPolicy, backoffDelay } from '@gardener-ts/api/backoff';
import { takeLease } from '@gardener-ts/jobs/lease';
import { Queue, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { MachineControllerError, MachineControllerErrorCode } from './errors.js';
import type { MachineJob } from './operations.js';

export interface OperationQueueOptions {
  /** an ioredis client (shared, not closed here) or the options to make one */
  readonly connection: Redis | RedisOptions;
  /** namespaces every key; one per garden */
  readonly prefix?: string;
  /** the BullMQ queue's name (no ":") */
  readonly name: string;
}

export type OperationHandler = (job: MachineJob) => Promise<void>;

export interface WorkerOptions {
  readonly concurrency?: number;
  /**
   * How soon the jobs of a worker that died are run by another (BullMQ's lock and stalled check);
   * BullMQ's 30 s each meant up to a minute without any machine being made.
   */
  readonly takeoverMs?: number;
}

/** Where machine jobs go: one live job per machine, retried with backoff while the handler throws. */
export interface OperationQueue {
  /**
   * A machine with a job already waiting gets no second one. A deletion does not wait out the
   * backoff of a failing create: that job is run at once (and from then on backs off as a delete).
   */
  enqueue(job: MachineJob): Promise<void>;
  start(handler: OperationHandler, options: WorkerOptions): { close(): Promise<void> };
  /** runs fn while no other pass over the same shoot runs (in any process) */
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** BullMQ retries with the workers' backoff strategy; a job ends only by succeeding or its machine going. */
const ATTEMPTS = 1_000_000;

function assertNoColon(value: string): string {
  if (!value || value.includes(':'))
    throw new Error(`"${value}" cannot name a queue or job (empty or contains ":")`);
  return value;
}

/** Machine jobs on BullMQ: any gardenlet process with a started worker runs them. */
export class BullOperationQueue implements OperationQueue {
  private readonly queue: Queue;
  private readonly redis: Redis;
  private readonly ownsRedis: boolean;
  private readonly prefix: string;

  constructor(
    private readonly options: OperationQueueOptions,
    private readonly backoff: BackoffPolicy,
    // short and renewed while held: a killed holder blocks the next pass for seconds, not a minute
    private readonly lockTtlMs = 10_000,
    private readonly lockWaitMs = 60_000,
  ) {
    this.prefix = options.prefix ?? 'gardener-ts';
    this.ownsRedis = !(options.connection instanceof Redis);
    this.redis =
      options.connection instanceof Redis
        ? options.connection
        : new Redis({ ...options.connection, maxRetriesPerRequest: null });
    this.queue = new Queue(assertNoColon(options.name), { connection: this.redis, prefix: this.prefix });
  }

  async enqueue(job: MachineJob): Promise<void> {
    const jobId = assertNoColon(job.uid);
    await this.queue.add('machine', job, {
      jobId,
      attempts: ATTEMPTS,
      backoff: { type: 'custom' },
      removeOnComplete: true,
      removeOnFail: true,
    });
    if (!job.deleting) return;
    const existing = await this.queue.getJob(jobId);
    if (!existing || existing.data.deleting || !(await existing.isDelayed())) return;
    await existing.updateData(job);
    await existing.promote().catch(() => undefined);
  }

  start(handler: OperationHandler, options: WorkerOptions): { close(): Promise<void> } {
    const worker = new Worker<MachineJob>(this.options.name, (job) => handler(job.data), {
      connection: this.redis,
      prefix: this.prefix,
      concurrency: options.concurrency ?? 10,
      lockDuration: options.takeoverMs ?? 30_000,
      stalledInterval: options.takeoverMs ?? 30_000,
      maxStalledCount: 3,
      settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(this.backoff, attemptsMade) },
    });
    // failures are recorded on the machines; connection errors are retried by ioredis
    worker.on('error', () => undefined);
    return { close: () => worker.close() };
  }

  async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    // under the queue's own keys, which a seed's Redis ACL user may reach
    const lock = `${this.prefix}:${this.options.name}:pass:${key}`;
    const deadline = Date.now() + this.lockWaitMs;
    for (;;) {
      const lease = await takeLease(this.redis, lock, this.lockTtlMs, `the machines of ${key}`);
      if (lease) {
        try {
          return await fn();
        } finally {
          await lease.release().catch(() => undefined);
        }
      }
      if (Date.now() > deadline) {
        throw new MachineControllerError(
          MachineControllerErrorCode.Busy,
          `another pass over the machines of ${key} has run for too long`,
        );
      }
      await sleep(20);
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    if (this.ownsRedis) await this.redis.quit().catch(() => undefined);
  }
}

interface LocalEntry {
  job: MachineJob;
  running: boolean;
  again: boolean;
  attempts: number;
  timer?: NodeJS.Timeout;
}

/** Without Redis: the same semantics inside this process (for a single gardenlet and tests). */
export class LocalOperationQueue implements OperationQueue {
  private readonly entries = new Map<string, LocalEntry>();
  private readonly runs = new Set<Promise<void>>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly handler: OperationHandler,
    private readonly backoff: BackoffPolicy,
  ) {}

  async enqueue(job: MachineJob): Promise<void> {
    if (this.closed) return;
    const entry = this.entries.get(job.uid);
    if (!entry) {
      this.entries.set(job.uid, { job, running: false, again: false, attempts: 0 });
      this.run(job.uid);
      return;
    }
    const promote = job.deleting && !entry.job.deleting;
    entry.job = job;
    if (entry.running) entry.again = true;
    else if (entry.timer && promote) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
      this.run(job.uid);
    }
  }

  private run(uid: string): void {
    const entry = this.entries.get(uid);
    if (!entry || this.closed) return;
    entry.running = true;
    const done = this.handler(entry.job).then(
      () => {
        entry.running = false;
        entry.attempts = 0;
        if (entry.again) {
          entry.again = false;
          this.run(uid);
        } else this.entries.delete(uid);
      },
      () => {
        entry.running = false;
        entry.again = false;
        entry.attempts++;
        entry.timer = setTimeout(
          () => {
            entry.timer = undefined;
            this.run(uid);
          },
          backoffDelay(this.backoff, entry.attempts),
        );
      },
    );
    this.runs.add(done);
    void done.finally(() => this.runs.delete(done));
  }

  start(): { close(): Promise<void> } {
    return { close: async () => undefined };
  }

  async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    this.locks.set(key, next);
    try {
      return await next;
    } finally {
      if (this.locks.get(key) === next) this.locks.delete(key);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.entries.values()) if (entry.timer) clearTimeout(entry.timer);
    await Promise.allSettled([...this.runs]);
    this.entries.clear();
  }
}
