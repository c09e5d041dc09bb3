import { Botanist, HibernationScheduler, ShootCare } from '@gardener-ts/botanist';
import { createLocalProvider, ExtensionRegistry } from '@gardener-ts/extensions';
import { loadOrCreateStateKey, TofuRunner } from '@gardener-ts/infra/tofu';
import { createShootJobHandler, ShootQueue } from '@gardener-ts/jobs';
import { LocalSeedBackend } from '@gardener-ts/seed';
import { openStore, ResourceService, type Store } from '@gardener-ts/store';
import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { GardenletConfig } from './config.js';
import { Periodic } from './periodic.js';
import { SHOOT_QUEUE, ShootProcessor } from './shoot.processor.js';
import { BOTANIST, GARDENLET_CONFIG, REDIS, SEED, SHOOT_JOB_HANDLER, STORE } from './tokens.js';

/** Schedules have minute resolution; checking twice a minute fires each trigger within 30 s. */
const HIBERNATION_CHECK_MS = 30_000;

function resourcesOf(store: Store): ResourceService {
  return new ResourceService(store.repository, store.watches);
}

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
    resources: resourcesOf(store),
    seed,
    seedName: config.seedName,
    extensions,
    beforeTask: config.killAtTask ? killAt(config.killAtTask) : undefined,
  });
}

function killAt(taskId: string): (started: string) => void {
  return (started) => {
    if (started === taskId) process.kill(process.pid, 'SIGKILL');
  };
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
          provide: 'ShootCarePeriodic',
          inject: [STORE, SEED],
          useFactory: (store: Store, seed: LocalSeedBackend) => {
            const care = new ShootCare({ resources: resourcesOf(store), seed, seedName: config.seedName });
            return new Periodic('ShootCare', config.careIntervalSeconds * 1000, () => care.checkAll());
          },
        },
        {
          provide: 'HibernationPeriodic',
          inject: [STORE],
          useFactory: (store: Store) => {
            const queue = new ShootQueue({
              connection: redis,
              seedName: config.seedName,
              prefix: config.queuePrefix,
            });
            const scheduler = new HibernationScheduler({
              resources: resourcesOf(store),
              seedName: config.seedName,
              enqueue: (shoot) =>
                queue.enqueue({
                  uid: shoot.metadata.uid ?? '',
                  namespace: shoot.metadata.namespace ?? '',
                  name: shoot.metadata.name ?? '',
                }),
            });
            return new Periodic('HibernationSchedules', HIBERNATION_CHECK_MS, () => scheduler.checkAll());
          },
        },
        {
          provide: SHOOT_JOB_HANDLER,
          inject: [BOTANIST],
          useFactory: (botanist: Botanist) => {
            return createShootJobHandler({
              connection: redis,
              seedName: config.seedName,
              prefix: config.queuePrefix,
              leaseTtlMs: config.takeoverMs,
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
