import { Botanist, ShootCare } from '@gardener-ts/botanist';
import { createLocalProvider, ExtensionRegistry } from '@gardener-ts/extensions';
import { loadOrCreateStateKey, TofuRunner } from '@gardener-ts/infra/tofu';
import { createShootJobHandler } from '@gardener-ts/jobs';
import { LocalSeedBackend } from '@gardener-ts/seed';
import { openStore, ResourceService, type Store } from '@gardener-ts/store';
import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CareService } from './care.service.js';
import type { GardenletConfig } from './config.js';
import { SHOOT_QUEUE, ShootProcessor } from './shoot.processor.js';
import { BOTANIST, GARDENLET_CONFIG, REDIS, SEED, SHOOT_CARE, SHOOT_JOB_HANDLER, STORE } from './tokens.js';

async function createBotanist(
  config: GardenletConfig,
  store: Store,
  seed: LocalSeedBackend,
): Promise<Botanist> {
  const stateKey = await loadOrCreateStateKey(config.tofuStateKeyFile);
  const runner = new TofuRunner({ databaseUrl: config.databaseUrl, workRoot: config.tofuWorkRoot, stateKey });
  const extensions = new ExtensionRegistry();
  extensions.register(createLocalProvider({ runner }));
  await extensions.load(config.providerPackages, { runner });
  return new Botanist({
    resources: new ResourceService(store.repository, store.watches),
    seed,
    seedName: config.seedName,
    extensions,
  });
}

/** Closes what the module opened, after BullMQ's workers have stopped. */
class Connections implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(STORE) private readonly store: Store,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
    this.redis.disconnect();
  }
}

@Module({})
export class GardenletModule {
  static forRoot(config: GardenletConfig): DynamicModule {
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    return {
      module: GardenletModule,
      imports: [
        BullModule.forRoot({ connection: redis, prefix: config.queuePrefix }),
        BullModule.registerQueue({ name: SHOOT_QUEUE }),
      ],
      providers: [
        { provide: GARDENLET_CONFIG, useValue: config },
        { provide: REDIS, useValue: redis },
        {
          provide: STORE,
          useFactory: () => openStore({ databaseUrl: config.databaseUrl, keyFile: config.keyFile }),
        },
        { provide: SEED, useValue: new LocalSeedBackend() },
        {
          provide: BOTANIST,
          inject: [STORE, SEED],
          useFactory: (store: Store, seed: LocalSeedBackend) => createBotanist(config, store, seed),
        },
        {
          provide: SHOOT_CARE,
          inject: [STORE, SEED],
          useFactory: (store: Store, seed: LocalSeedBackend) =>
            new ShootCare({
              resources: new ResourceService(store.repository, store.watches),
              seed,
              seedName: config.seedName,
            }),
        },
        {
          provide: SHOOT_JOB_HANDLER,
          inject: [BOTANIST],
          useFactory: (botanist: Botanist) => {
            return createShootJobHandler({
              connection: redis,
              seedName: config.seedName,
              prefix: config.queuePrefix,
              reconcile: (ref, { signal }) => botanist.converge(ref, signal),
              isFinal: (error) => (error as { final?: boolean }).final === true,
            });
          },
        },
        Connections,
        CareService,
        ShootProcessor,
      ],
    };
  }
}
