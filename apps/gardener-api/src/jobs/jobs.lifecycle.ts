import { ShootQueue } from '@gardener-ts/jobs';
import { OutboxRelay, type ShootToEnqueue, type Store, sweepLaggingShoots } from '@gardener-ts/store';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnModuleInit,
} from '@nestjs/common';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { ApiConfig } from '../config.js';
import { ApiMetrics } from '../ops/metrics.js';
import { API_CONFIG, STORE } from '../tokens.js';

export const REDIS = Symbol('REDIS');

export function connectRedis(url: string): Redis {
  // BullMQ needs maxRetriesPerRequest: null; lazy so the API starts (not ready) while Redis is down.
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
  redis.on('error', () => undefined);
  void redis.connect().catch(() => undefined);
  return redis;
}

/**
 * Shoot jobs: the relay moves outbox rows to each seed's BullMQ queue (libs/jobs ShootQueue, one
 * live job per shoot), and a periodic sweep re-enqueues shoots whose observedGeneration lags.
 */
@Injectable()
export class JobsLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('jobs');
  private readonly queues = new Map<string, ShootQueue>();
  private relay: OutboxRelay | undefined;
  private listener: pg.Client | undefined;
  private sweep: NodeJS.Timeout | undefined;

  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(ApiMetrics) metrics: ApiMetrics,
  ) {
    metrics.useJobs(this);
  }

  async onModuleInit(): Promise<void> {
    const onError = (error: unknown) =>
      this.logger.warn(`outbox relay: ${error instanceof Error ? error.message : String(error)}`);
    this.relay = new OutboxRelay(this.store.pool, { enqueue: (shoot) => this.enqueue(shoot), onError });
    if (this.config.relay) {
      this.listener = new pg.Client({ connectionString: this.config.databaseUrl });
      this.listener.on('error', () => undefined);
      await this.listener.connect();
      await this.relay.start(this.listener);
    }
    if (this.config.sweepIntervalSeconds > 0) {
      this.sweep = setInterval(() => {
        void sweepLaggingShoots(this.store.pool).catch(onError);
      }, this.config.sweepIntervalSeconds * 1000);
      this.sweep.unref();
    }
  }

  /** Oldest outbox row's age in seconds. */
  lagSeconds(): Promise<number> {
    return this.relay?.lagSeconds() ?? Promise.resolve(0);
  }

  /** Jobs waiting, delayed or running per seed queue this process has written to. */
  async depths(): Promise<Map<string, number>> {
    const depths = new Map<string, number>();
    for (const [seed, queue] of this.queues) {
      const counts = await queue.queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
      depths.set(
        seed,
        Object.values(counts).reduce((a, b) => a + b, 0),
      );
    }
    return depths;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    await this.relay?.stop();
    await this.listener?.end().catch(() => undefined);
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
    this.redis.disconnect();
  }

  private enqueue(shoot: ShootToEnqueue): Promise<void> {
    let queue = this.queues.get(shoot.seedName);
    if (!queue) {
      queue = new ShootQueue({
        connection: this.redis,
        seedName: shoot.seedName,
        prefix: this.config.queuePrefix,
      });
      this.queues.set(shoot.seedName, queue);
    }
    return queue.enqueue(
      { uid: shoot.uid, namespace: shoot.namespace, name: shoot.name },
      { promote: shoot.changed },
    );
  }
}
