import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MachineControllerError, MachineControllerErrorCode } from './errors.js';
import { BullOperationQueue } from './queue.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const prefix = `gts-machine-queue-${randomBytes(4).toString('hex')}`;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe('BullOperationQueue.exclusive (the shared Redis lease)', () => {
  const queue = (lockTtlMs = 300, lockWaitMs = 5_000) =>
    new BullOperationQueue(
      { connection: redis, prefix, name: 'machines' },
      { initialMs: 10, maxMs: 10 },
      lockTtlMs,
      lockWaitMs,
    );

  it('runs one pass per key at a time, under the queue’s own key, renewed past its TTL', async () => {
    const [a, b] = [queue(), queue()];
    const running: string[] = [];
    let overlap = false;
    const pass = (name: string) => async () => {
      if (running.length) overlap = true;
      running.push(name);
      expect(await redis.get(`${prefix}:machines:pass:shoot-1`)).toBeTruthy();
      await sleep(500); // longer than the TTL: only renewal keeps others out
      running.pop();
      return name;
    };
    expect(await Promise.all([a.exclusive('shoot-1', pass('a')), b.exclusive('shoot-1', pass('b'))])).toEqual(
      ['a', 'b'],
    );
    expect(overlap).toBe(false);
    expect(await redis.exists(`${prefix}:machines:pass:shoot-1`)).toBe(0);
    await Promise.all([a.close(), b.close()]);
  });

  it('gives up with Busy when another pass holds the key for too long', async () => {
    const q = queue(5_000, 100);
    await redis.set(`${prefix}:machines:pass:shoot-2`, 'someone-else', 'PX', 5_000);
    const error = await q.exclusive('shoot-2', async () => 'ran').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MachineControllerError);
    expect((error as MachineControllerError).code).toBe(MachineControllerErrorCode.Busy);
    expect(await redis.get(`${prefix}:machines:pass:shoot-2`)).toBe('someone-else');
    await q.close();
  });
});
