import { Botanist } from '@gardener-ts/botanist';
import { createLocalProvider, ExtensionRegistry } from '@gardener-ts/extensions';
import { loadOrCreateStateKey, TofuRunner } from '@gardener-ts/infra/tofu';
import { createShootJobHandler } from '@gardener-ts/jobs';
import { LocalSeedBackend } from '@gardener-ts/seed';
import { openStore, ResourceService, type Store } from '@gardener-ts/store';
import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { GardenletConfig } from './config.js';
import { SHOOT_QUEUE, ShootProcessor } from './shoot.processor.js';
import { GARDENLET_CONFIG, REDIS, SHOOT_JOB_HANDLER, STORE } from './tokens.js';

async function createBotanist(config: GardenletConfig, store: Store): Promise<Botanist> {
  const stateKey = await loadOrCreateStateKey(config.tofuStateKeyFile);
  const runner = new TofuRunner({ databaseUrl: config.databaseUrl, workRoot: config.tofuWorkRoot, stateKey });
  const extensions = new ExtensionRegistry();
  extensions.register(createLocalProvider({ runner }));
  await extensions.load(config.providerPackages, { runner });
  return new Botanist({
    resources: new ResourceService(store.repository, store.watches),
    seed: new LocalSeedBackend(),
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
        {
          provide: SHOOT_JOB_HANDLER,
          inject: [STORE],
          useFactory: async (store: Store) => {
            const botanist = await createBotanist(config, store);
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
        ShootProcessor,
      ],
    };
  }
}
