import { type ShootJobHandler, type ShootRef, seedQueueName, shootWorkerSettings } from '@gardener-ts/jobs';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import type { Job } from 'bullmq';
import { SHOOT_JOB_HANDLER } from './tokens.js';

// @Processor takes its queue name when this module is imported: SEED_NAME must be set by then.
// So do its worker settings (concurrency, stalled-job recovery, backoff); Nest supplies the connection.
export const SHOOT_QUEUE = seedQueueName(process.env.SEED_NAME || 'local');
const {
  connection: _connection,
  prefix: _prefix,
  ...workerSettings
} = shootWorkerSettings({
  connection: undefined as never,
  seedName: process.env.SEED_NAME || 'local',
  concurrency: Number(process.env.GARDENLET_CONCURRENCY || 20),
  lockDurationMs: Number(process.env.GARDENLET_TAKEOVER_MS || 30_000),
  stalledIntervalMs: Number(process.env.GARDENLET_TAKEOVER_MS || 30_000),
});

/** Every job on the seed's queue is "look at shoot X"; one handler does all of them. */
@Processor(SHOOT_QUEUE, workerSettings)
export class ShootProcessor extends WorkerHost {
  constructor(@Inject(SHOOT_JOB_HANDLER) private readonly handle: ShootJobHandler) {
    super();
  }

  process(job: Job<ShootRef>, token?: string): Promise<void> {
    return this.handle(job, token);
  }
}
