import type { Shoot } from '@gardener-ts/api';
import type { GardenClient } from '@gardener-ts/client';
import { type HeldLease, seedKeyPrefix, takeLease } from '@gardener-ts/jobs';
import {
  type IndexWriter,
  type IssuedAccess,
  SearchSync,
  type ShootIndexerOptions,
  type ShootRef,
  type SyncedShoot,
} from '@gardener-ts/search';
import type { SeedBackend } from '@gardener-ts/seed';
import { KubeConfig } from '@kubernetes/client-node';
import { Logger, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { GardenletConfig } from './config.js';
import type { GardenAccess } from './garden-access.js';
import { Periodic } from './periodic.js';
import { GARDEN_ACCESS, GARDEN_CLIENT, SEED } from './tokens.js';

/** the syncer's client certificate for a shoot is renewed this long before it expires */
const RENEW_BEFORE_MS = 10 * 60 * 1000;
const LEASE_TTL_MS = 30_000;

function syncedShoot(shoot: Shoot): SyncedShoot {
  const { metadata, status } = shoot;
  return {
    uid: metadata.uid ?? '',
    namespace: metadata.namespace ?? '',
    name: metadata.name ?? '',
    deleting: Boolean(metadata.deletionTimestamp),
    running: Boolean(status?.technicalID) && status?.hibernated !== true && !metadata.deletionTimestamp,
  };
}

/** An admin client certificate of the gardenlet's own for the shoot's API server. */
async function issueAccess(seed: SeedBackend, technicalId: string): Promise<IssuedAccess> {
  const endpoint = await seed.endpoint(technicalId);
  const issued = await seed.issueKubeconfig(technicalId, { role: 'admin', user: 'system:gardenlet:search' });
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromString(issued.kubeconfig);
  const user = kubeconfig.getCurrentUser();
  const decode = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('utf8');
  return {
    access: {
      server: endpoint.url,
      caPem: endpoint.caPem,
      certPem: decode(user?.certData),
      keyPem: decode(user?.keyData),
    },
    renewAt: new Date(issued.expirationTimestamp.getTime() - RENEW_BEFORE_MS),
    endpoint: `${endpoint.url}\n${endpoint.caPem}`,
  };
}

/**
 * The seed's search syncer (issue 21): one gardenlet of the seed at a time holds the seed's search
 * lease in Redis and keeps the index of every running shoot of the seed; the others wait.
 */
export class SearchSyncLoop implements OnApplicationShutdown {
  private readonly logger = new Logger('SearchSync');
  private lease: HeldLease | undefined;

  constructor(
    private readonly sync: SearchSync,
    private readonly redis: Redis,
    private readonly leaseKey: string,
  ) {}

  async pass(): Promise<void> {
    if (this.lease?.signal.aborted) await this.letGo();
    this.lease ??= await takeLease(this.redis, this.leaseKey, LEASE_TTL_MS, 'search sync');
    if (this.lease) await this.sync.sync();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.letGo();
  }

  private async letGo(): Promise<void> {
    await this.sync.close();
    await this.lease?.release().catch(() => undefined);
    this.lease = undefined;
    this.logger.log('search sync stopped');
  }
}

/** The syncer of a seed's shoots: the garden's shoots of the seed, the seed's control planes, a writer. */
export function createSearchSync(deps: {
  client: GardenClient;
  seed: SeedBackend;
  seedName: string;
  write: IndexWriter;
  indexer?: ShootIndexerOptions;
}): SearchSync {
  const logger = new Logger('SearchSync');
  const technicalIds = new Map<string, string>();
  return new SearchSync({
    listShoots: async () => {
      const shoots = await deps.client.list('Shoot', { fieldSelector: `spec.seedName=${deps.seedName}` });
      for (const s of shoots) technicalIds.set(s.metadata.uid ?? '', s.status?.technicalID ?? '');
      return shoots.map(syncedShoot);
    },
    accessOf: (shoot: ShootRef) => issueAccess(deps.seed, technicalIds.get(shoot.uid) ?? ''),
    write: deps.write,
    log: (message) => logger.warn(message),
    indexer: { onError: (error) => logger.debug(error.message), ...deps.indexer },
  });
}

export function searchSyncProviders(config: GardenletConfig, redis: Redis): Provider[] {
  if (config.searchSyncSeconds <= 0) return [];
  return [
    {
      provide: SearchSyncLoop,
      inject: [GARDEN_CLIENT, GARDEN_ACCESS, SEED],
      useFactory: (client: GardenClient, access: GardenAccess, seed: SeedBackend) => {
        const sync = createSearchSync({ client, seed, seedName: config.seedName, write: access.indexWriter });
        return new SearchSyncLoop(
          sync,
          redis,
          `${seedKeyPrefix(config.queuePrefix, config.seedName)}:search`,
        );
      },
    },
    {
      provide: 'SearchSyncPeriodic',
      inject: [SearchSyncLoop],
      useFactory: (loop: SearchSyncLoop) =>
        new Periodic('SearchSync', config.searchSyncSeconds * 1000, () => loop.pass(), { runAtStart: true }),
    },
  ];
}
