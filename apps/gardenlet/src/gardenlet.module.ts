import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Shoot } from '@gardener-ts/api';
import {
  Botanist,
  HibernationScheduler,
  isFinalShootFailure,
  MachineSync,
  MaintenanceScheduler,
  SeedHeartbeat,
  SeedResources,
  ShootCare,
  type TaskOutcome,
} from '@gardener-ts/botanist';
import { EventRecorder, type GardenClient } from '@gardener-ts/client';
import { createLocalProvider, ExtensionRegistry } from '@gardener-ts/extensions';
import { loadOrCreateStateKey, TofuRunner } from '@gardener-ts/infra/tofu';
import { createShootJobHandler, ShootLeases, ShootQueue, seedKeyPrefix } from '@gardener-ts/jobs';
import { MachineControllerManager } from '@gardener-ts/machine';
import { LocalSeedBackend } from '@gardener-ts/seed';
import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { bastionProviders } from './bastions.js';
import type { GardenletConfig } from './config.js';
import { connectGardenletRedis, type GardenAccess, openGardenAccess } from './garden-access.js';
import { createMachineController, MachineOperations, shootNodesVia } from './machines.js';
import { GardenletMetrics, MetricsServer } from './metrics.js';
import { Periodic } from './periodic.js';
import { searchSyncProviders } from './search-sync.js';
import { seedGarbageCollection } from './seed-gc.js';
import { SHOOT_QUEUE, ShootProcessor } from './shoot.processor.js';
import {
  BOTANIST,
  EVENT_RECORDER,
  EXTENSIONS,
  GARDEN_ACCESS,
  GARDEN_CLIENT,
  GARDENLET_CONFIG,
  MACHINES,
  REDIS,
  SEED,
  SHOOT_JOB_HANDLER,
  SHOOT_QUEUE_CLIENT,
} from './tokens.js';

/** how long shutdown waits for queued events */
const EVENT_FLUSH_MS = 2_000;

/** Schedules have minute resolution; checking twice a minute fires each trigger within 30 s. */
const HIBERNATION_CHECK_MS = 30_000;
/** Maintenance windows are at least 30 min long. */
const MAINTENANCE_CHECK_MS = 60_000;

function enqueueOn(queue: ShootQueue): (shoot: Shoot) => Promise<void> {
  return (shoot) =>
    queue.enqueue({
      uid: shoot.metadata.uid ?? '',
      namespace: shoot.metadata.namespace ?? '',
      name: shoot.metadata.name ?? '',
    });
}

/** What every provider package's createProvider is given: the tofu runner and the seed. */
async function createExtensions(config: GardenletConfig, seed: LocalSeedBackend): Promise<ExtensionRegistry> {
  const stateKey = await loadOrCreateStateKey(config.tofuStateKeyFile);
  const runner = new TofuRunner({ databaseUrl: config.databaseUrl, workRoot: config.tofuWorkRoot, stateKey });
  const extensions = new ExtensionRegistry();
  extensions.register(createLocalProvider({ runner }));
  await extensions.load(config.providerPackages, { runner, seed });
  return extensions;
}

function killAt(taskId: string): (started: string) => void {
  return (started) => {
    if (started === taskId) process.kill(process.pid, 'SIGKILL');
  };
}

const flowLogger = new Logger('Flow');

function logTaskOutcome(flow: string, { taskId, durationMs, error }: TaskOutcome): void {
  const took = `${(durationMs / 1000).toFixed(2)} s`;
  if (error) flowLogger.warn(`${flow}: task ${taskId} failed after ${took}: ${error.message}`);
  else flowLogger.log(`${flow}: task ${taskId} succeeded in ${took}`);
}

/** Closes what the module opened, after BullMQ's workers have stopped. */
class Connections implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GARDEN_ACCESS) private readonly garden: GardenAccess,
    @Inject(SHOOT_QUEUE_CLIENT) private readonly shootQueue: ShootQueue,
    @Inject(EVENT_RECORDER) private readonly events: EventRecorder,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.shootQueue.close();
    // events still queued get a moment to be written before the garden connection goes
    await Promise.race([this.events.flush(), sleep(EVENT_FLUSH_MS, undefined, { ref: false })]);
    await this.garden.close();
    this.redis.disconnect();
  }
}

@Module({})
export class GardenletModule {
  static forRoot(config: GardenletConfig): DynamicModule {
    const redis = connectGardenletRedis(config);
    const shootQueue = new ShootQueue({
      connection: redis,
      seedName: config.seedName,
      prefix: config.queuePrefix,
    });
    return {
      module: GardenletModule,
      imports: [
        BullModule.forRoot({ connection: redis, prefix: config.queuePrefix }),
        BullModule.registerQueue({ name: SHOOT_QUEUE }),
      ],
      providers: [
        { provide: GARDENLET_CONFIG, useValue: config },
        { provide: REDIS, useValue: redis },
        { provide: SHOOT_QUEUE_CLIENT, useValue: shootQueue },
        { provide: GARDEN_ACCESS, useFactory: () => openGardenAccess(config) },
        {
          provide: GARDEN_CLIENT,
          inject: [GARDEN_ACCESS],
          useFactory: (access: GardenAccess) => access.client,
        },
        {
          provide: EVENT_RECORDER,
          inject: [GARDEN_CLIENT],
          useFactory: (client: GardenClient) =>
            new EventRecorder(client, {
              component: 'gardenlet',
              instance: `${hostname()}/${config.seedName}`,
              logger: new Logger('Events'),
            }),
        },
        { provide: SEED, useValue: new LocalSeedBackend() },
        {
          provide: EXTENSIONS,
          inject: [SEED],
          useFactory: (seed: LocalSeedBackend) => createExtensions(config, seed),
        },
        {
          provide: MACHINES,
          inject: [GARDEN_CLIENT, SEED, EXTENSIONS, EVENT_RECORDER],
          useFactory: (
            client: GardenClient,
            seed: LocalSeedBackend,
            extensions: ExtensionRegistry,
            events: EventRecorder,
          ) => createMachineController(config, { client, seed, extensions, redis, events }),
        },
        {
          provide: BOTANIST,
          inject: [GARDEN_CLIENT, SEED, EXTENSIONS, MACHINES, EVENT_RECORDER],
          useFactory: (
            client: GardenClient,
            seed: LocalSeedBackend,
            extensions: ExtensionRegistry,
            machines: MachineControllerManager,
            events: EventRecorder,
          ) =>
            new Botanist({
              client,
              events,
              seed,
              seedName: config.seedName,
              extensions,
              machines,
              beforeTask: config.killAtTask ? killAt(config.killAtTask) : undefined,
              onTaskDone: logTaskOutcome,
            }),
        },
        {
          provide: 'SeedHeartbeatPeriodic',
          inject: [GARDEN_CLIENT],
          useFactory: (client: GardenClient) => {
            const resources = new SeedResources(config.seedResources);
            const heartbeat = new SeedHeartbeat(client, config.seedName, undefined, resources);
            return new Periodic('SeedHeartbeat', config.heartbeatSeconds * 1000, () => heartbeat.beat(), {
              runAtStart: true,
            });
          },
        },
        {
          provide: 'ShootCarePeriodic',
          inject: [GARDEN_CLIENT, SEED],
          useFactory: (client: GardenClient, seed: LocalSeedBackend) => {
            const care = new ShootCare({
              client,
              seed,
              seedName: config.seedName,
              nodes: shootNodesVia(seed),
              thresholds: Object.fromEntries(
                Object.entries(config.conditionThresholdSeconds).map(([type, s]) => [type, s * 1000]),
              ),
            });
            return new Periodic('ShootCare', config.careIntervalSeconds * 1000, () => care.checkAll());
          },
        },
        {
          provide: 'MachineSyncPeriodic',
          inject: [GARDEN_CLIENT, MACHINES],
          useFactory: (client: GardenClient, machines: MachineControllerManager) => {
            const sync = new MachineSync({
              client,
              machines,
              leases: new ShootLeases(
                redis,
                seedKeyPrefix(config.queuePrefix, config.seedName),
                config.takeoverMs,
              ),
              seedName: config.seedName,
            });
            return new Periodic('MachineSync', config.machineSyncSeconds * 1000, () => sync.syncAll());
          },
        },
        { provide: GardenletMetrics, useValue: new GardenletMetrics() },
        {
          provide: MetricsServer,
          inject: [GardenletMetrics],
          useFactory: (metrics: GardenletMetrics) => new MetricsServer(metrics, config.metricsListen),
        },
        {
          provide: 'SeedGarbageCollectorPeriodic',
          inject: [GARDEN_CLIENT, SEED, EXTENSIONS, GardenletMetrics],
          useFactory: (
            client: GardenClient,
            seed: LocalSeedBackend,
            extensions: ExtensionRegistry,
            metrics: GardenletMetrics,
          ) =>
            seedGarbageCollection(config, {
              client,
              seed,
              extensions,
              shootQueue,
              redis,
              metrics,
            }),
        },
        MachineOperations,
        {
          provide: 'HibernationPeriodic',
          inject: [GARDEN_CLIENT],
          useFactory: (client: GardenClient) => {
            const scheduler = new HibernationScheduler({
              client,
              seedName: config.seedName,
              enqueue: enqueueOn(shootQueue),
              logger: new Logger('HibernationSchedules'),
            });
            return new Periodic('HibernationSchedules', HIBERNATION_CHECK_MS, () => scheduler.checkAll());
          },
        },
        {
          provide: 'MaintenancePeriodic',
          inject: [GARDEN_CLIENT],
          useFactory: (client: GardenClient) => {
            const scheduler = new MaintenanceScheduler({
              client,
              seedName: config.seedName,
              enqueue: enqueueOn(shootQueue),
            });
            return new Periodic('Maintenance', MAINTENANCE_CHECK_MS, () => scheduler.checkAll());
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
              isFinal: isFinalShootFailure,
            });
          },
        },
        ...bastionProviders(config, redis),
        ...searchSyncProviders(config, redis),
        Connections,
        ShootProcessor,
      ],
    };
  }
}
