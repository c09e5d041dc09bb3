import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  exampleCloudProfile,
  exampleProject,
  exampleSeed,
  exampleShoot,
  requireResourceByKind,
  type Shoot,
} from '@gardener-ts/api';
import { LocalMachineDriver, providerConfigChecks } from '@gardener-ts/extensions';
import { removeLocalNetwork } from '@gardener-ts/infra/stacks';
import { ShootQueue, shootJobId } from '@gardener-ts/jobs';
import { LocalSeedBackend } from '@gardener-ts/seed';
import { createTestDatabase, openStore, ResourceService, type Store } from '@gardener-ts/store';
import { Redis } from 'ioredis';

export const kind = requireResourceByKind;

export const SHOOT = kind('Shoot');

export async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(250);
  }
}

/** Every key of the garden's prefix: shoot and machine queues, leases, locks. */
export async function removeKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/**
 * A garden of its own for one test file: a database with the local CloudProfile and Seed and one
 * project, a queue prefix, and directories for the seed and tofu; close() removes all of it.
 */
export async function createGarden() {
  const id = randomBytes(3).toString('hex');
  const root = await mkdtemp(join(tmpdir(), 'gardener-ts-e2e-'));
  // machines (own user namespace) pass it to reach their root filesystems
  await chmod(root, 0o711);
  const database = await createTestDatabase('gardener_ts_e2e');
  const keyFile = join(root, 'secrets.key');
  const store: Store = await openStore({ databaseUrl: database.url, keyFile });
  const resources = new ResourceService(store.repository, store.watches);
  resources.setProviderConfigCheck(await providerConfigChecks(['@gardener-ts/provider-sim']));
  const project = `e2e${id}`;
  await resources.create(kind('CloudProfile'), undefined, exampleCloudProfile());
  await resources.create(kind('Seed'), undefined, exampleSeed());
  await resources.create(kind('Project'), undefined, exampleProject(project));
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `gardener-ts-e2e-${id}`;
  const queues = new Map<string, ShootQueue>();
  /** the queue of the seed a shoot is bound to (one per seed, as the API's relay uses them) */
  const queueFor = (seedName = 'local') => {
    let seedQueue = queues.get(seedName);
    if (!seedQueue) {
      seedQueue = new ShootQueue({ connection: redis, seedName, prefix });
      queues.set(seedName, seedQueue);
    }
    return seedQueue;
  };
  const queue = queueFor('local');
  const namespace = `garden-${project}`;
  const seed = new LocalSeedBackend({ root: join(root, 'seed') });
  const technicalIds = new Set<string>();

  const garden = {
    id,
    root,
    project,
    namespace,
    resources,
    queue,
    seed,
    /** the environment a gardenlet process for this garden runs with */
    gardenletEnv: {
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      SEED_NAME: 'local',
      GARDENER_QUEUE_PREFIX: prefix,
      GARDENER_KEY_FILE: keyFile,
      GARDENER_TOFU_STATE_KEY_FILE: join(root, 'tofu-state.key'),
      GARDENER_TOFU_WORK_DIR: join(root, 'tofu'),
      GARDENER_TS_SEED_DIR: join(root, 'seed'),
      GARDENER_TS_MACHINE_DIR: join(root, 'machines'),
      GARDENER_TS_SIM_DIR: join(root, 'sim'),
      NO_COLOR: '1',
    },
    read: (name: string) => resources.get(SHOOT, namespace, name) as Promise<unknown> as Promise<Shoot>,
    async enqueue(name: string) {
      const shoot = await garden.read(name);
      await queueFor(shoot.spec.seedName).enqueue({ uid: shoot.metadata.uid ?? '', namespace, name });
    },
    /**
     * Waits until no job for the shoot is waiting, running or backing off, twice in a row: a change
     * made while a run was under way gets one more run, and a check of a settled shoot must not race it.
     */
    async idle(name: string, timeoutMs = 120_000) {
      const shoot = await garden.read(name);
      const jobs = queueFor(shoot.spec.seedName).queue;
      let quietReads = 0;
      await until(async () => {
        quietReads = (await jobs.getJob(shootJobId(shoot.metadata.uid ?? ''))) ? 0 : quietReads + 1;
        return quietReads >= 2 ? true : undefined;
      }, timeoutMs);
    },
    /** shoots made by other means (REST) whose leftovers close() must remove too */
    track(name: string) {
      technicalIds.add(`shoot--${project}--${name}`);
    },
    /** creates a shoot bound to the local seed, with a node network of its own; workerless unless asked */
    async createShoot(name: string, nodesThirdOctet: number, options: { withWorkers?: boolean } = {}) {
      const shoot = exampleShoot(name, namespace);
      if (!options.withWorkers) shoot.spec.provider.workers = [];
      shoot.spec.seedName = 'local';
      shoot.spec.networking = { ...shoot.spec.networking, nodes: `10.10.${nodesThirdOctet}.0/24` };
      technicalIds.add(`shoot--${project}--${name}`);
      await resources.create(SHOOT, namespace, shoot);
      await garden.enqueue(name);
    },
    async deleteShoot(name: string) {
      await resources.patch(SHOOT, namespace, name, 'merge', {
        metadata: { annotations: { 'confirmation.gardener.cloud/deletion': 'true' } },
      });
      const shoot = await garden.read(name);
      await resources.delete(SHOOT, namespace, name);
      await queueFor(shoot.spec.seedName).enqueue({ uid: shoot.metadata.uid ?? '', namespace, name });
    },
    async close() {
      const machines = new LocalMachineDriver({ root: join(root, 'machines') });
      for (const technicalId of technicalIds) {
        for (const machine of await machines.list(technicalId).catch(() => [])) {
          await machines.delete({ name: machine.name, technicalId }).catch(() => {});
        }
        await seed.destroy(technicalId).catch(() => {});
        await removeLocalNetwork(technicalId).catch(() => {});
      }
      for (const seedQueue of queues.values()) await seedQueue.close();
      await removeKeys(redis, `${prefix}:*`);
      redis.disconnect();
      await store.close();
      await database.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
  return garden;
}

export type Garden = Awaited<ReturnType<typeof createGarden>>;
