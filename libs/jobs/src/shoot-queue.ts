import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type ShootRef, seedKeyPrefix, seedQueueName, shootJobId } from './names.js';
import { PendingMarks } from './pending.js';

export interface ShootQueueOptions {
  readonly connection: Redis;
  readonly seedName: string;
  /** namespaces every key (BullMQ's and ours); one per garden */
  readonly prefix?: string;
}

/** BullMQ retries with the workers' backoff strategy; the flow's retry window decides the end. */
const ATTEMPTS = 1_000_000;

/** The producer side: asks the seed's gardenlets to look at a shoot. */
export class ShootQueue {
  readonly queue: Queue;
  private readonly pending: PendingMarks;

  constructor(options: ShootQueueOptions) {
    const prefix = options.prefix ?? 'gardener-ts';
    this.queue = new Queue(seedQueueName(options.seedName), { connection: options.connection, prefix });
    this.pending = new PendingMarks(options.connection, seedKeyPrefix(prefix, options.seedName));
  }

  /**
   * Level-triggered: the job says "look at shoot X", never what changed. A shoot with a job
   * waiting gets no second one; one whose job is running gets one more run after it; one whose
   * job is backing off is run now.
   */
  async enqueue(ref: ShootRef, options: { promote?: boolean } = {}): Promise<void> {
    await this.pending.mark(ref.uid);
    const jobId = shootJobId(ref.uid);
    await this.queue.add('reconcile', ref, {
      jobId,
      attempts: ATTEMPTS,
      backoff: { type: 'custom' },
      removeOnComplete: true,
      removeOnFail: true,
    });
    const job = await this.queue.getJob(jobId);
    // a user's change should not wait out a backoff; a periodic sweep should not cut one short
    if (options.promote !== false && job && (await job.isDelayed())) await job.promote().catch(() => {});
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
