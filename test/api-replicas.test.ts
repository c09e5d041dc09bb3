// Issue 17, outcome 5: two garden API processes behind one address serve at once. Shoots are
// created through the shared address while one replica is killed with SIGKILL; afterwards every
// shoot that exists is scheduled once and has exactly one job on its seed's queue, and the outbox
// is empty: the relay (SKIP LOCKED rows), the sweep and the scheduler act once per event.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exampleCloudProfile, exampleProject, exampleSeed, exampleShoot } from '@gardener-ts/api';
import { createTestDatabase, queryRows } from '@gardener-ts/infra/testing';
import { seedQueueName } from '@gardener-ts/jobs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../apps/gardener-api/src/testing/server.js';
import { until } from './support/garden.js';

const CORE = '/apis/core.gardener.cloud/v1beta1';
const SHOOTS = 120;
const KILL_AFTER = 40;

/** Round-robin TCP over the replicas that are still up: the "one address" clients use. */
async function balancer(
  targets: () => string[],
): Promise<Server & { url: string; served: Map<string, number> }> {
  let next = 0;
  const served = new Map<string, number>();
  const server = createServer((socket: Socket) => {
    const live = targets();
    const url = live[next++ % live.length] ?? 'http://127.0.0.1:1';
    served.set(url, (served.get(url) ?? 0) + 1);
    const target = new URL(url);
    const upstream = connect(Number(target.port), target.hostname);
    socket.pipe(upstream).pipe(socket);
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return Object.assign(server, { url: `http://127.0.0.1:${port}`, served });
}

describe('two API replicas behind one address', () => {
  const prefix = `gts-replicas-${randomBytes(3).toString('hex')}`;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataDir: string;
  const replicas: RunningServer[] = [];
  let killed: RunningServer | undefined;
  let front: Awaited<ReturnType<typeof balancer>>;
  let token: string;

  const call = async (method: string, path: string, body?: unknown) => {
    // a connection per request (reset), so that the front balances requests, not kept-alive sockets
    const response = await request(`${front.url}${path}`, {
      method: method as 'GET' | 'POST',
      reset: true,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.statusCode, text: await response.body.text() };
  };

  /** A create through the front, tried again while a replica dies under it; 409 means an earlier try landed. */
  const create = async (name: string): Promise<void> => {
    const shoot = exampleShoot(name, 'garden-dev') as unknown as {
      spec: { networking: Record<string, unknown> };
    };
    delete shoot.spec.networking.nodes;
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await call('POST', `${CORE}/namespaces/garden-dev/shoots`, shoot);
        if (answer.status === 201 || answer.status === 409) return;
        if (answer.status < 500 || attempt > 20) throw new Error(`${name}: ${answer.status} ${answer.text}`);
      } catch (error) {
        if (attempt > 20) throw error;
      }
      await sleep(100);
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase('gardener_ts_replicas');
    dataDir = await mkdtemp(join(tmpdir(), 'gts-replicas-'));
    const env = {
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: database.url,
      GARDENER_DATA_DIR: dataDir,
      GARDENER_TLS: 'off',
      GARDENER_QUEUE_PREFIX: prefix,
      GARDENER_PROJECT_QUOTA_SHOOTS: '1000',
    };
    // one after the other: the first makes the admin token and CA the second then reads
    replicas.push(await startServer(env));
    replicas.push(await startServer(env));
    token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
    front = await balancer(() => replicas.filter((r) => r !== killed).map((r) => r.url));
    for (const [path, body] of [
      [`${CORE}/cloudprofiles`, exampleCloudProfile()],
      [`${CORE}/seeds`, { ...exampleSeed(), spec: { ...exampleSeed().spec, capacity: { shoots: 1000 } } }],
      [`${CORE}/projects`, exampleProject('dev')],
    ] as const)
      expect((await call('POST', path, body)).status).toBe(201);
    await until(async () => {
      const answer = await call('GET', `${CORE}/projects/dev`);
      return answer.text.includes('"phase":"Ready"') ? true : undefined;
    }, 20_000);
  }, 120_000);

  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    front?.close();
    const redis = new Redis();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('loses no shoot, scheduling or job when one replica is killed mid-load', async () => {
    const names = Array.from({ length: SHOOTS }, (_, i) => `s${i}`);
    let started = 0;
    const running: Promise<void>[] = [];
    for (const name of names) {
      running.push(create(name));
      started++;
      if (started === KILL_AFTER) {
        killed = replicas[0];
        const before = front.served.get(killed?.url ?? '') ?? 0;
        await killed?.stop('SIGKILL');
        // it had taken its share of the load when it died
        expect(before).toBeGreaterThan(KILL_AFTER / 3);
      }
      await sleep(5);
    }
    await Promise.all(running);

    // every shoot scheduled, once, by whichever replica is left
    const scheduled = await until(async () => {
      const rows = await queryRows<{ name: string; seed: string | null }>(
        database.url,
        `SELECT name, body #>> '{spec,seedName}' AS seed FROM objects WHERE kind = 'Shoot'`,
      );
      return rows.length === SHOOTS && rows.every((r) => r.seed === 'local') ? rows : undefined;
    }, 60_000);
    expect(scheduled.map((r) => r.name).sort()).toEqual([...names].sort());

    // one job per shoot on the seed's queue, keyed by its uid, and nothing left in the outbox
    const redis = new Redis({ maxRetriesPerRequest: null });
    const queue = new Queue(seedQueueName('local'), { connection: redis, prefix });
    try {
      const uids = (
        await queryRows<{ uid: string }>(
          database.url,
          `SELECT body #>> '{metadata,uid}' AS uid FROM objects WHERE kind = 'Shoot'`,
        )
      ).map((r) => r.uid);
      const jobs = await until(async () => {
        const waiting = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
        return waiting.length >= SHOOTS ? waiting : undefined;
      }, 30_000);
      expect(jobs.map((job) => job.id).sort()).toEqual([...uids].sort());
      const outbox = await until(async () => {
        const [row] = await queryRows<{ count: string }>(database.url, 'SELECT count(*) FROM outbox');
        return row?.count === '0' ? row : undefined;
      }, 30_000);
      expect(outbox.count).toBe('0');
    } finally {
      await queue.close();
      redis.disconnect();
    }
    // the replica left serves on
    expect((await call('GET', `${CORE}/namespaces/garden-dev/shoots?limit=1`)).status).toBe(200);
  }, 180_000);
});
