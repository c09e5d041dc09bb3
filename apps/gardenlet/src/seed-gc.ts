import { controlPlaneCollector, SeedGarbageCollector } from '@gardener-ts/botanist';
import type { GardenClient } from '@gardener-ts/client';
import type { ExtensionRegistry, SeedResource } from '@gardener-ts/extensions';
import { ShootLeases, type ShootQueue, seedKeyPrefix } from '@gardener-ts/jobs';
import type { SeedBackend } from '@gardener-ts/seed';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { GardenletConfig } from './config.js';
import type { GardenletMetrics } from './metrics.js';
import { Periodic } from './periodic.js';

const logger = new Logger('SeedGarbageCollector');

/**
 * The seed garbage collector on its interval: the seed's control planes and every registered
 * provider's seed resources, compared with the shoots in the store; one log line per resource
 * removed, counted in `gardenlet_seed_orphans_removed_total{kind}`.
 */
export function seedGarbageCollection(
  config: GardenletConfig,
  dependencies: {
    client: GardenClient;
    seed: SeedBackend;
    extensions: ExtensionRegistry;
    shootQueue: ShootQueue;
    redis: Redis;
    metrics: GardenletMetrics;
  },
): Periodic {
  const { extensions, shootQueue, metrics } = dependencies;
  const leases = new ShootLeases(
    dependencies.redis,
    seedKeyPrefix(config.queuePrefix, config.seedName),
    config.takeoverMs,
  );
  const collector = new SeedGarbageCollector({
    client: dependencies.client,
    collectors: [
      controlPlaneCollector(dependencies.seed),
      ...extensions.types().flatMap((type) => extensions.provider(type).seedResources ?? []),
    ],
    graceMs: config.orphanGraceSeconds * 1000,
    runningFlows: async () => (await shootQueue.queue.getActive()).map((job) => job.data),
    lock: (technicalId) => leases.acquire(`seed-gc:${config.seedName}:${technicalId}`),
    onRemoved: (resource, orphanedForMs) => {
      metrics.seedOrphansRemoved.inc({ kind: resource.kind });
      logRemoved(resource, orphanedForMs);
    },
    onFailed: (resource, error) => {
      metrics.seedOrphanRemovalFailures.inc({ kind: resource.kind });
      logger.warn(
        `cannot remove orphaned ${resource.kind} ${resource.name} of ${resource.technicalId} yet: ${error.message}`,
      );
    },
  });
  return new Periodic('SeedGarbageCollector', config.seedGcIntervalSeconds * 1000, async () => {
    await collector.collect();
  });
}

function logRemoved(resource: SeedResource, orphanedForMs: number): void {
  logger.log(
    `removed orphaned ${resource.kind} ${resource.name} of ${resource.technicalId}: ` +
      `no shoot has owned it for ${Math.round(orphanedForMs / 1000)} s`,
  );
}
