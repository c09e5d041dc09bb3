import type { TokenStore } from '@gardener-ts/auth';
import { SeedRedisAccess } from '@gardener-ts/jobs';
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

/** Redis forgets ACL users when it restarts: they are made again from the seed credentials this often. */
const SYNC_MS = 15_000;

/** One Redis ACL user per seed credential, so that each gardenlet reaches its own seed's queues only. */
@Injectable()
export class SeedRedisAccessLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('seed-redis-access');
  readonly access: SeedRedisAccess;
  private timer?: NodeJS.Timeout;
  private pass?: Promise<void>;

  constructor(
    @Inject(TOKEN_STORE) private readonly tokens: TokenStore,
    @Inject(REDIS) redis: Redis,
    @Inject(API_CONFIG) config: ApiConfig,
  ) {
    this.access = new SeedRedisAccess(redis, config.queuePrefix);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => void this.sync(), SYNC_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.pass;
  }

  /** One pass at a time; a failed pass is logged and the next one tries again. */
  sync(): Promise<void> {
    this.pass ??= this.tokens
      .seedCredentialHashes()
      .then((credentials) => this.access.ensureAll(credentials))
      .catch((error: unknown) => this.logger.warn(`syncing Redis ACL users: ${(error as Error).message}`))
      .finally(() => {
        this.pass = undefined;
      });
    return this.pass;
  }
}
