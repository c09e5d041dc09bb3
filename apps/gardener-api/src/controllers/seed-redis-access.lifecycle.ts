import type { TokenStore } from '@gardener-ts/auth';
import { GardenClient, InProcessTransport, type Watcher } from '@gardener-ts/client';
import { SeedRedisAccess } from '@gardener-ts/jobs';
import { ResourceService } from '@gardener-ts/store';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { ApiConfig } from '../config.js';
import { TOKEN_STORE } from '../http/authorizer.js';
import { REDIS } from '../jobs/jobs.lifecycle.js';
import { API_CONFIG } from '../tokens.js';
import { PeriodicPass } from './periodic-pass.js';

/** Redis forgets ACL users when it restarts: they are made again from the seed credentials this often. */
const SYNC_MS = 15_000;

/**
 * One Redis ACL user per seed credential, so that each gardenlet reaches its own seed's queues only;
 * a Seed deleted takes its credentials, bootstrap tokens and ACL user with it (on the Seed's watch
 * event, and on the next pass should that be missed).
 */
@Injectable()
export class SeedRedisAccessLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('seed-redis-access');
  readonly access: SeedRedisAccess;
  private readonly client: GardenClient;
  private readonly passes: PeriodicPass;
  private seeds?: Watcher;

  constructor(
    @Inject(TOKEN_STORE) private readonly tokens: TokenStore,
    @Inject(REDIS) redis: Redis,
    @Inject(API_CONFIG) config: ApiConfig,
    @Inject(ResourceService) resources: ResourceService,
  ) {
    this.access = new SeedRedisAccess(redis, config.queuePrefix);
    this.client = new GardenClient(new InProcessTransport(resources));
    this.passes = new PeriodicPass(this.logger, SYNC_MS, () => this.syncOnce());
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.passes.run();
    this.passes.start();
    this.seeds = this.client.watch('Seed', {}, (event) => {
      if (event.type === 'DELETED') void this.passes.run();
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.seeds?.stop();
    await this.passes.stop();
  }

  private async syncOnce(): Promise<void> {
    await this.revokeDeletedSeeds();
    await this.access.ensureAll(await this.tokens.seedCredentialHashes());
  }

  private async revokeDeletedSeeds(): Promise<void> {
    const listedAt = new Date();
    const seeds = await this.client.list('Seed');
    const names = seeds.map((seed) => seed.metadata.name ?? '');
    const revoked = await this.tokens.revokeSeedsExcept(names, listedAt);
    for (const seedName of revoked) {
      await this.access.remove(seedName);
      this.logger.log(`seed "${seedName}" is gone: its credentials and Redis user are revoked`);
    }
  }
}
