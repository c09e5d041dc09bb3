import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShootLeases } from './lease.js';
import { type ShootRef, seedQueueName, shootJobId } from './names.js';
import { ShootQueue } from './shoot-queue.js';
import { type ShootWorkerOptions, startShootWorker } from './shoot-worker.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(25);
  }
}

afterAll(() => redis.quit());

const shoot = (name = 'demo'): ShootRef => ({ uid: randomUUID(), namespace: 'garden-dev', name });

describe('shoot jobs on BullMQ', () => {
  let prefix: string;
  let queue: ShootQueue;
  const workers: Worker[] = [];
  const worker = (options: Pick<ShootWorkerOptions, 'reconcile' | 'isFinal' | 'backoff'>) => {
    const started = startShootWorker({
      connection: redis,
      seedName: 'local',
      prefix,
      backoff: { initialMs: 20, maxMs: 100 },
      ...options,
    });
    workers.push(started);
    return started;
  };

  beforeEach(() => {
    prefix = `gardener-ts-test-${randomBytes(4).toString('hex')}`;
    queue = new ShootQueue({ connection: redis, seedName: 'local', prefix });
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    await queue.queue.obliterate({ force: true });
    await queue.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  });

  it('names queues and jobs without ":" and refuses names that have one', () => {
    expect(seedQueueName('local')).toBe('shoots.local');
    expect(() => shootJobId('a:b')).toThrow(/cannot name a queue or job/);
  });

  it('a shoot enqueued twice while its job waits has one job', async () => {
    const ref = shoot();
    await queue.enqueue(ref);
    await queue.enqueue(ref);
    expect(await queue.queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
  });

  it('a job backing off is run at once for a change, but keeps its backoff for a sweep', async () => {
    const ref = shoot();
    let runs = 0;
    worker({
      // a long backoff, so only a promotion can bring the second run early
      backoff: { initialMs: 60_000, maxMs: 60_000 },
      reconcile: async () => {
        runs++;
        throw new Error('not yet');
      },
    });
    await queue.enqueue(ref);
    await until(() => runs === 1);
    const delayed = async () => (await queue.queue.getJobCounts('delayed')).delayed === 1;
    await until(delayed);
    await queue.enqueue(ref, { promote: false });
    await sleep(50);
    expect(await delayed()).toBe(true);
    await queue.enqueue(ref);
    await until(() => runs === 2);
  });

  it('a change while the job runs is not lost: one more run follows, and a burst adds only one', async () => {
    const ref = shoot();
    const runs: number[] = [];
    let release: () => void = () => {};
    worker({
      reconcile: async () => {
        runs.push(Date.now());
        if (runs.length === 1) await new Promise<void>((r) => (release = r));
      },
    });
    await queue.enqueue(ref);
    await until(() => runs.length === 1);
    for (let i = 0; i < 20; i++) await queue.enqueue(ref);
    release();
    await until(() => runs.length === 2);
    await sleep(300);
    expect(runs).toHaveLength(2);
  });

  it('retries a failing reconcile with backoff; a final error stops at once', async () => {
    const flaky = shoot('flaky');
    const broken = shoot('broken');
    const attempts = new Map<string, number>();
    worker({
      reconcile: async (ref, { attempt }) => {
        attempts.set(ref.name, attempt);
        if (ref.name === 'broken') throw Object.assign(new Error('unauthorized'), { final: true });
        if (attempt < 3) throw new Error('not yet');
      },
      isFinal: (error) => (error as { final?: boolean }).final === true,
    });
    await queue.enqueue(flaky);
    await queue.enqueue(broken);
    await until(() => attempts.get('flaky') === 3);
    await sleep(300);
    expect(attempts.get('broken')).toBe(1);
  });

  it('a worker killed with -9 mid-reconcile loses nothing: another takes the job over', async () => {
    const script = new URL('../dist/testing/blocking-worker.js', import.meta.url).pathname;
    expect(existsSync(script), 'run `npm run build` first').toBe(true);
    const child = spawn('node', [script, REDIS_URL, prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ref = shoot('survivor');
    await queue.enqueue(ref);
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGKILL');
    const done: string[] = [];
    workers.push(
      startShootWorker({
        connection: redis,
        seedName: 'local',
        prefix,
        lockDurationMs: 1_000,
        stalledIntervalMs: 1_000,
        reconcile: async (r) => void done.push(r.uid),
      }),
    );
    await until(() => done.length > 0, 15_000);
    expect(done).toEqual([ref.uid]);
  });

  it('two workers on one queue never reconcile the same shoot at once', async () => {
    const ref = shoot();
    let running = 0;
    let overlap = false;
    let runs = 0;
    const reconcile = async () => {
      running++;
      if (running > 1) overlap = true;
      await sleep(50);
      running--;
      runs++;
    };
    worker({ reconcile });
    worker({ reconcile });
    for (let i = 0; i < 10; i++) {
      await queue.enqueue(ref);
      await sleep(15);
    }
    await until(
      async () => runs > 0 && (await queue.queue.getJobCounts('waiting', 'active', 'delayed')).waiting === 0,
    );
    expect(overlap).toBe(false);
  });
});

describe('ShootLeases', () => {
  const prefix = `gardener-ts-test-${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  });

  it('is held by one holder at a time and free again once released', async () => {
    const leases = new ShootLeases(redis, prefix, 5_000);
    const first = await leases.acquire('shoot-a', 'gardenlet-1');
    expect(first).toBeDefined();
    expect(await leases.acquire('shoot-a', 'gardenlet-2')).toBeUndefined();
    await first?.release();
    const second = await leases.acquire('shoot-a', 'gardenlet-2');
    expect(await leases.holder('shoot-a')).toBe('gardenlet-2');
    await second?.release();
  });

  it('is renewed while held, and a holder that lost it learns so through its signal', async () => {
    const leases = new ShootLeases(redis, prefix, 300);
    const lease = await leases.acquire('shoot-b', 'gardenlet-1');
    await sleep(700);
    expect(await leases.holder('shoot-b')).toBe('gardenlet-1');
    await redis.set(`${prefix}:lease:shoot-b`, 'someone-else');
    await until(() => lease?.signal.aborted === true, 2_000);
    await lease?.release();
    expect(await leases.holder('shoot-b')).toBe('someone-else');
  });
});
