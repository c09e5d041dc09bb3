import { openStore, ResourceService, type Store } from '@gardener-ts/store';
import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { ApiConfig } from './config.js';
import { AllowAllAuthorizer, REQUEST_AUTHORIZER } from './http/authorizer.js';
import { DiscoveryController } from './http/discovery.controller.js';
import { ResourceController } from './http/resource.controller.js';

export const API_CONFIG = Symbol('API_CONFIG');
export const STORE = Symbol('STORE');

/** Owns the store's life: periodic compaction of watch history, and closing on shutdown. */
@Injectable()
export class StoreLifecycle implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
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
    await this.store.close();
  }
}

// Nest's dynamic-module idiom: the class is the module's identity, forRoot() its configuration.
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: Nest modules are classes by design
export class AppModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      controllers: [ResourceController, DiscoveryController],
      providers: [
        { provide: API_CONFIG, useValue: config },
        {
          provide: STORE,
          useFactory: () =>
            openStore({
              databaseUrl: config.databaseUrl,
              keyFile: config.keyFile,
              poolSize: config.poolSize,
            }),
        },
        {
          provide: ResourceService,
          useFactory: (store: Store) => new ResourceService(store.repository, store.watches),
          inject: [STORE],
        },
        { provide: REQUEST_AUTHORIZER, useClass: AllowAllAuthorizer },
        StoreLifecycle,
      ],
      exports: [STORE, ResourceService],
    };
  }
}
