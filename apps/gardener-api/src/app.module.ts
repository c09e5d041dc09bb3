import { ensureAdminToken, IdentityCache, TokenStore } from '@gardener-ts/auth';
import { providerConfigChecks } from '@gardener-ts/extensions';
import { ShootScheduler } from '@gardener-ts/scheduler';
import { SearchIndex } from '@gardener-ts/search';
import { LocalSeedBackend } from '@gardener-ts/seed';
import { openStore, ResourceService, type Store } from '@gardener-ts/store';
import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { ApiConfig } from './config.js';
import { EventExpiryLifecycle } from './controllers/event-expiry.lifecycle.js';
import { ProjectControllerLifecycle } from './controllers/project.lifecycle.js';
import { SearchGcLifecycle } from './controllers/search-gc.lifecycle.js';
import { SeedLifecycleControllerLifecycle } from './controllers/seed-lifecycle.lifecycle.js';
import { SeedRedisAccessLifecycle } from './controllers/seed-redis-access.lifecycle.js';
import { REQUEST_AUTHORIZER, TOKEN_STORE, TokenAuthorizer } from './http/authorizer.js';
import { DiscoveryController, PublicInfoController } from './http/discovery.controller.js';
import { ResourceController } from './http/resource.controller.js';
import { ReviewController } from './http/review.controller.js';
import { SearchController } from './http/search.controller.js';
import { SeedCredentialController } from './http/seed-credential.controller.js';
import { ShootKubeconfigController } from './http/shoot-kubeconfig.controller.js';
import { TokenController } from './http/token.controller.js';
import { connectRedis, JobsLifecycle, REDIS } from './jobs/jobs.lifecycle.js';
import { ApiMetrics } from './ops/metrics.js';
import { OpsController } from './ops/ops.controller.js';
import { API_CONFIG, SEARCH_INDEX, SEED_BACKEND, STORE } from './tokens.js';

export { API_CONFIG, STORE } from './tokens.js';

/** Owns the store's life: periodic compaction of watch history, and closing on shutdown. */
@Injectable()
export class StoreLifecycle implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(TOKEN_STORE) private readonly tokens: TokenStore,
  ) {}

  onModuleInit(): void {
    const everyMs = Math.max(1000, Math.min(60_000, (this.config.watchHistorySeconds * 1000) / 4));
    this.timer = setInterval(() => {
      void this.store.repository
        .compact(new Date(Date.now() - this.config.watchHistorySeconds * 1000))
        .catch(() => undefined);
    }, everyMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.tokens.close();
    await this.store.close();
  }
}

/** Seed scheduling: the create hook, and the loop that retries shoots that fit nowhere yet. */
@Injectable()
export class SchedulerLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  private readonly scheduler: ShootScheduler;

  constructor(
    @Inject(STORE) store: Store,
    @Inject(ResourceService) private readonly resources: ResourceService,
    @Inject(API_CONFIG) config: ApiConfig,
  ) {
    const logger = new Logger('scheduler');
    this.scheduler = new ShootScheduler(resources, store.repository, {
      retryMs: config.scheduleRetrySeconds * 1000,
      onError: (error) => logger.error(error instanceof Error ? error.message : String(error)),
    });
  }

  async onModuleInit(): Promise<void> {
    this.resources.addCreateHook(this.scheduler.onCreate);
    this.scheduler.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.scheduler.stop();
  }
}

// Nest's dynamic-module idiom: the class is the module's identity, forRoot() its configuration.
@Module({})
export class AppModule {
  static forRoot(config: ApiConfig, metrics: ApiMetrics = new ApiMetrics()): DynamicModule {
    return {
      module: AppModule,
      controllers: [
        ResourceController,
        DiscoveryController,
        PublicInfoController,
        TokenController,
        SeedCredentialController,
        OpsController,
        ShootKubeconfigController,
        ReviewController,
        SearchController,
      ],
      providers: [
        { provide: API_CONFIG, useValue: config },
        { provide: ApiMetrics, useValue: metrics },
        {
          provide: STORE,
          useFactory: () =>
            openStore({
              databaseUrl: config.databaseUrl,
              keyFile: config.keyFile,
              poolSize: config.poolSize,
              projectQuotaDefaults: config.projectQuotaDefaults,
            }),
        },
        {
          provide: ResourceService,
          useFactory: async (store: Store) => {
            const resources = new ResourceService(store.repository, store.watches);
            resources.setProviderConfigCheck(await providerConfigChecks(config.providerPackages));
            return resources;
          },
          inject: [STORE],
        },
        {
          // The admin token (made at first start, mode 0600) is registered before any request is served.
          provide: TOKEN_STORE,
          useFactory: async (store: Store) => {
            const logger = new Logger('tokens');
            const identities = new IdentityCache(store.pool.options, (message) => logger.warn(message));
            await identities.start();
            const tokens = new TokenStore(store.pool, identities);
            await tokens.migrate();
            await ensureAdminToken(tokens, config.adminTokenFile);
            return tokens;
          },
          inject: [STORE],
        },
        { provide: REQUEST_AUTHORIZER, useClass: TokenAuthorizer },
        { provide: SEARCH_INDEX, useFactory: (store: Store) => new SearchIndex(store.pool), inject: [STORE] },
        // the local seed's shoot CAs sign short-lived kubeconfigs (GARDENER_TS_SEED_DIR)
        { provide: SEED_BACKEND, useFactory: () => new LocalSeedBackend() },
        StoreLifecycle,
        SchedulerLifecycle,
        ProjectControllerLifecycle,
        EventExpiryLifecycle,
        SearchGcLifecycle,
        SeedLifecycleControllerLifecycle,
        { provide: REDIS, useFactory: () => connectRedis(config.redisUrl) },
        JobsLifecycle,
        SeedRedisAccessLifecycle,
      ],
      exports: [STORE, ResourceService, TOKEN_STORE],
    };
  }
}
