import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  exampleCloudProfile,
  exampleProject,
  exampleSeed,
  exampleShoot,
  resourceByKind,
  type Shoot,
} from '@gardener-ts/api';
import { HibernationScheduler, ShootCare } from '@gardener-ts/botanist';
import { localNetworkNames } from '@gardener-ts/infra/stacks';
import { binary } from '@gardener-ts/infra/toolchain';
import { ShootQueue } from '@gardener-ts/jobs';
import { LocalSeedBackend } from '@gardener-ts/seed';
import { createTestDatabase, openStore, ResourceService, type Store } from '@gardener-ts/store';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const type = (kind: string) => {
  const found = resourceByKind(kind);
  if (!found) throw new Error(kind);
  return found;
};
const SHOOT = type('Shoot');

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('gardenlet: a workerless local shoot from create to gone', () => {
  const id = randomBytes(3).toString('hex');
  const project = `e2e${id}`;
  const namespace = `garden-${project}`;
  const name = 'wl';
  const technicalId = `shoot--${project}--${name}`;
  let root: string;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let store: Store;
  let resources: ResourceService;
  let redis: Redis;
  let queue: ShootQueue;
  let gardenlet: INestApplicationContext;
  const prefix = `gardener-ts-e2e-${id}`;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gardener-ts-e2e-'));
    database = await createTestDatabase('gardener_ts_e2e');
    Object.assign(process.env, {
      SEED_NAME: 'local',
      GARDENER_TS_SEED_DIR: join(root, 'seed'),
    });
    const config = {
      seedName: 'local',
      redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      databaseUrl: database.url,
      keyFile: join(root, 'secrets.key'),
      tofuStateKeyFile: join(root, 'tofu-state.key'),
      tofuWorkRoot: join(root, 'tofu'),
      concurrency: 5,
      providerPackages: [],
      queuePrefix: prefix,
      careIntervalSeconds: 3600,
    };
    store = await openStore({ databaseUrl: database.url, keyFile: config.keyFile });
    resources = new ResourceService(store.repository, store.watches);
    await resources.create(type('CloudProfile'), undefined, exampleCloudProfile());
    await resources.create(type('Seed'), undefined, exampleSeed());
    await resources.create(type('Project'), undefined, exampleProject(project));
    const { GardenletModule } = await import('../apps/gardenlet/src/gardenlet.module.js');
    gardenlet = await NestFactory.createApplicationContext(GardenletModule.forRoot(config), {
      logger: false,
    });
    redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    queue = new ShootQueue({ connection: redis, seedName: 'local', prefix });
  });

  afterAll(async () => {
    await gardenlet?.close();
    await queue?.queue.obliterate({ force: true });
    await queue?.close();
    redis?.disconnect();
    await store?.close();
    await new LocalSeedBackend({ root: join(root, 'seed') }).destroy(technicalId).catch(() => {});
    await database?.drop();
    await rm(root, { recursive: true, force: true });
  });

  const read = () => resources.get(SHOOT, namespace, name) as Promise<unknown> as Promise<Shoot>;
  const enqueue = async () => {
    const shoot = await read();
    await queue.enqueue({ uid: shoot.metadata.uid ?? '', namespace, name });
  };

  it('reaches Succeeded with progress rising to 100, and its control plane answers kubectl', async () => {
    const shoot = exampleShoot(name, namespace);
    shoot.spec.provider.workers = [];
    shoot.spec.seedName = 'local';
    shoot.spec.networking = {
      ...shoot.spec.networking,
      nodes: `10.10.${100 + (Number.parseInt(id, 16) % 100)}.0/24`,
    };
    await resources.create(SHOOT, namespace, shoot);
    await enqueue();
    const progress: number[] = [];
    const done = await until(async () => {
      const current = await read();
      const op = current.status?.lastOperation;
      if (op?.state === 'Processing') progress.push(op.progress);
      return op?.state === 'Succeeded' ? current : undefined;
    }, 120_000);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(done.status).toMatchObject({
      lastOperation: { type: 'Create', state: 'Succeeded', progress: 100 },
      observedGeneration: done.metadata.generation,
      technicalID: technicalId,
      seedName: 'local',
    });
    expect(done.metadata.finalizers).toContain('gardener');
    expect(done.status?.advertisedAddresses?.[0]?.url).toMatch(/^https:\/\/10\.10\.\d+\.1:\d+$/);
    const ca = await resources.get(type('ConfigMap'), namespace, `${name}.ca-cluster`);
    expect(JSON.stringify(ca)).toContain('BEGIN CERTIFICATE');

    const seed = new LocalSeedBackend({ root: join(root, 'seed') });
    const kubeconfig = await seed.issueKubeconfig(technicalId, {
      role: 'admin',
      user: 'e2e',
      expirationSeconds: 600,
    });
    const file = join(root, 'admin.kubeconfig');
    await writeFile(file, kubeconfig.kubeconfig, { mode: 0o600 });
    const { stdout } = await run(binary('kubectl'), [
      '--kubeconfig',
      file,
      'get',
      'namespace',
      'kube-system',
      '-o',
      'name',
    ]);
    expect(stdout.trim()).toBe('namespace/kube-system');
  });

  it('rotate-ssh-keypair makes a new key pair and the annotation is removed once acted on', async () => {
    const publicKey = async () => {
      const secret = (await resources.get(type('Secret'), namespace, `${name}.ssh-keypair`)) as {
        data?: Record<string, string>;
      };
      return Buffer.from(secret.data?.['id_ed25519.pub'] ?? '', 'base64').toString();
    };
    const before = await publicKey();
    expect(before).toMatch(/^ssh-ed25519 /);
    await resources.patch(SHOOT, namespace, name, 'merge', {
      metadata: { annotations: { 'gardener.cloud/operation': 'rotate-ssh-keypair' } },
    });
    await enqueue();
    await until(async () => {
      const current = await read();
      const done =
        !current.metadata.annotations?.['gardener.cloud/operation'] &&
        current.status?.lastOperation?.state === 'Succeeded';
      return done ? true : undefined;
    }, 60_000);
    const after = await publicKey();
    expect(after).toMatch(/^ssh-ed25519 /);
    expect(after).not.toBe(before);
  });

  it('care notices a control plane that went down, and the next reconcile brings it back', async () => {
    const seed = new LocalSeedBackend({ root: join(root, 'seed') });
    const care = new ShootCare({ resources, seed, seedName: 'local' });
    const condition = async (type: string) => (await read()).status?.conditions?.find((c) => c.type === type);
    await seed.stop(technicalId);
    await care.checkAll();
    expect(await condition('ControlPlaneHealthy')).toMatchObject({
      status: 'False',
      reason: 'ComponentsUnhealthy',
    });
    expect(await condition('APIServerAvailable')).toMatchObject({
      status: 'False',
      reason: 'HealthzRequestFailed',
    });
    await enqueue();
    await until(
      async () => ((await condition('APIServerAvailable'))?.status === 'True' ? true : undefined),
      60_000,
    );
    await care.checkAll();
    expect(await condition('ControlPlaneHealthy')).toMatchObject({ status: 'True' });
  });

  it('a schedule firing hibernates it (no process left); waking up keeps its data', async () => {
    const kubectl = (...args: string[]) =>
      run(binary('kubectl'), ['--kubeconfig', join(root, 'admin.kubeconfig'), ...args]);
    await kubectl('create', 'configmap', 'keep-me', '--from-literal=hello=world');
    const settled = (enabled: boolean) =>
      until(async () => {
        const current = await read();
        const settled =
          current.status?.lastOperation?.state === 'Succeeded' && current.status.hibernated === enabled;
        return settled ? current : undefined;
      }, 120_000);
    let clock = Date.now();
    const scheduler = new HibernationScheduler({
      resources,
      seedName: 'local',
      enqueue: (shoot) => queue.enqueue({ uid: shoot.metadata.uid ?? '', namespace, name }),
      now: () => new Date(clock),
    });
    await resources.patch(SHOOT, namespace, name, 'merge', {
      spec: { hibernation: { schedules: [{ start: '* * * * *', location: 'Europe/Berlin' }] } },
    });
    clock += 61_000; // a minute later: the schedule's start has fired
    await scheduler.checkAll();
    expect((await read()).spec.hibernation?.enabled).toBe(true);
    await settled(true);
    const { stdout: processes } = await run('ps', ['-eo', 'args']);
    expect(processes).not.toContain(technicalId);
    expect(existsSync(join(root, 'seed', technicalId))).toBe(true);
    await resources.patch(SHOOT, namespace, name, 'merge', {
      spec: { hibernation: { enabled: false, schedules: [] } },
    });
    await enqueue();
    const awake = await settled(false);
    expect(awake.status?.conditions?.find((c) => c.type === 'APIServerAvailable')?.status).toBe('True');
    const { stdout } = await kubectl('get', 'configmap', 'keep-me', '-o', 'jsonpath={.data.hello}');
    expect(stdout).toBe('world');
  });

  it('deletes: the reverse flow runs, the finalizer goes last, and nothing is left behind', async () => {
    await resources.patch(SHOOT, namespace, name, 'merge', {
      metadata: { annotations: { 'confirmation.gardener.cloud/deletion': 'true' } },
    });
    const uid = (await read()).metadata.uid ?? '';
    await resources.delete(SHOOT, namespace, name);
    await queue.enqueue({ uid, namespace, name });
    await until(
      async () =>
        (await read().then(
          () => false,
          () => true,
        )) || undefined,
      60_000,
    );
    const { bridge } = localNetworkNames(technicalId);
    await expect(run('ip', ['link', 'show', bridge])).rejects.toThrow();
    expect(existsSync(join(root, 'seed', technicalId))).toBe(false);
    expect(existsSync(join(root, 'tofu', technicalId))).toBe(false);
    const { stdout } = await run('ps', ['-eo', 'args']);
    expect(stdout).not.toContain(technicalId);
  });
});
