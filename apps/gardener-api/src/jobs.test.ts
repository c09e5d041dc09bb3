import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exampleCloudProfile, exampleProject, exampleSeed, exampleShoot, type Shoot } from '@gardener-ts/api';
import { seedQueueName, startShootWorker } from '@gardener-ts/jobs';
import { createTestDatabase } from '@gardener-ts/store';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './testing/server.js';

const CORE = '/apis/core.gardener.cloud/v1beta1';
const SHOOTS = `${CORE}/namespaces/garden-dev/shoots`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let server: RunningServer;
let token: string;
const prefix = `gardener-ts-test-${randomBytes(4).toString('hex')}`;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const queue = new Queue(seedQueueName('local'), { connection: redis, prefix });

async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  type = 'application/json',
) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': type } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as T };
}

const patch = (name: string, body: unknown) =>
  call<Shoot>('PATCH', `${SHOOTS}/${name}`, body, 'application/merge-patch+json');

async function until(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(25);
  }
}

async function outboxRows(): Promise<number> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return Number((await client.query('SELECT count(*) FROM outbox')).rows[0].count);
  } finally {
    await client.end();
  }
}

const env = (extra: Record<string, string>) => ({
  PORT: '0',
  DATABASE_URL: db.url,
  GARDENER_DATA_DIR: dir,
  REDIS_URL,
  GARDENER_QUEUE_PREFIX: prefix,
  ...extra,
});

beforeAll(async () => {
  db = await createTestDatabase('gts_jobs');
  dir = mkdtempSync(join(tmpdir(), 'gts-jobs-'));
});

afterAll(async () => {
  await server?.stop();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('shoot jobs through the outbox', () => {
  let uid = '';

  it('a job still arrives when the API dies between the commit and the enqueue', async () => {
    server = await startServer(env({ GARDENER_OUTBOX_RELAY: 'off' }));
    token = readFileSync(join(dir, 'admin.token'), 'utf8').trim();
    for (const [path, body] of [
      [`${CORE}/cloudprofiles`, exampleCloudProfile()],
      [`${CORE}/seeds`, exampleSeed()],
      [`${CORE}/projects`, exampleProject()],
    ] as const)
      expect((await call('POST', path, body)).status).toBe(201);
    const created = await call<Shoot>('POST', SHOOTS, exampleShoot('web'));
    expect(created.status).toBe(201);
    uid = created.body.metadata.uid ?? '';
    expect(await outboxRows()).toBe(1);
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 0 });
    await server.stop('SIGKILL');

    server = await startServer(env({ GARDENER_SWEEP_SECONDS: '1' }));
    await until(async () => (await queue.getJob(uid)) !== undefined);
    expect((await queue.getJob(uid))?.data).toEqual({ uid, namespace: 'garden-dev', name: 'web' });
    await until(async () => (await outboxRows()) === 0);
  });

  it('a burst of 20 updates leaves one queued job, and the reconcile reads the last generation', async () => {
    for (let i = 0; i < 20; i++) {
      const answer = await patch('web', {
        spec: { provider: { workers: [{ ...exampleShoot().spec.provider.workers[0], maximum: 4 + i }] } },
      });
      expect(answer.status).toBe(200);
    }
    const last = (await call<Shoot>('GET', `${SHOOTS}/web`)).body.metadata.generation;
    expect(last).toBe(21);
    await until(async () => (await outboxRows()) === 0);
    expect(await queue.getJobCounts('waiting', 'delayed', 'active')).toEqual({
      waiting: 1,
      delayed: 0,
      active: 0,
    });

    const seen: number[] = [];
    const worker = startShootWorker({
      connection: redis,
      seedName: 'local',
      prefix,
      reconcile: async (ref) => {
        const shoot = (await call<Shoot>('GET', `${SHOOTS}/${ref.name}`)).body;
        seen.push(shoot.metadata.generation ?? 0);
        // what a gardenlet does when it is done: observedGeneration catches up
        await call(
          'PATCH',
          `${SHOOTS}/${ref.name}/status`,
          { status: { observedGeneration: shoot.metadata.generation } },
          'application/merge-patch+json',
        );
      },
    });
    try {
      await until(async () => seen.includes(21));
      await until(async () => (await queue.getJobCounts('waiting', 'delayed', 'active')).waiting === 0);
      expect(seen.length).toBeLessThanOrEqual(2);
      expect(seen.at(-1)).toBe(21);

      // an operation annotation asks for a reconcile without a spec change
      const before = seen.length;
      const annotated = await patch('web', {
        metadata: { annotations: { 'gardener.cloud/operation': 'reconcile' } },
      });
      expect(annotated.body.metadata.generation).toBe(21);
      await until(async () => seen.length > before);
    } finally {
      await worker.close();
    }
  });

  it('the sweep re-enqueues a shoot whose observedGeneration lags', async () => {
    await patch('web', { metadata: { annotations: { 'gardener.cloud/operation': null } } });
    await call(
      'PATCH',
      `${SHOOTS}/web/status`,
      { status: { observedGeneration: 20 } },
      'application/merge-patch+json',
    );
    await until(async () => (await queue.getJobCounts('waiting')).waiting === 0, 1_000).catch(
      () => undefined,
    );
    await queue.drain();
    expect(await queue.getJob(uid)).toBeUndefined();
    await until(async () => (await queue.getJob(uid)) !== undefined, 3_000).catch((e) => {
      console.log(server.output());
      throw e;
    });
  });
});
