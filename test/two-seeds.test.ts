// Issue 17, outcome 4: two seeds, two "hosts". The second seed's gardenlet runs in a network
// namespace of its own and reaches the garden API (HTTPS), Redis and its tofu-state database only
// over a veth link, with nothing but a bootstrap kubeconfig to start from. Shoots placed on either
// seed reach Succeeded and are deleted; the far gardenlet gets nothing of the local seed's shoots.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exampleSeed, type Shoot, technicalId } from '@gardener-ts/api';
import { createTestDatabase } from '@gardener-ts/infra/testing';
import { seedRedisUser } from '@gardener-ts/jobs';
import { LocalSeedBackend } from '@gardener-ts/seed';
import type { INestApplicationContext } from '@nestjs/common';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGarden, type Garden, until } from './support/garden.js';
import { type HttpsGarden, startHttpsGarden, startTestGardenlet, tokenOf } from './support/services.js';

const run = promisify(execFile);
const CORE = '/apis/core.gardener.cloud/v1beta1';
const REPO = new URL('../', import.meta.url).pathname;

/** A TCP port on `host` that forwards to `target`: how the far host reaches the garden's services. */
async function forward(
  host: string,
  target: { host: string; port: number },
): Promise<Server & { port: number }> {
  const server = createServer((socket) => {
    const upstream = connect(target.port, target.host);
    socket.pipe(upstream).pipe(socket);
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  return Object.assign(server, { port: typeof address === 'object' && address ? address.port : 0 });
}

describe('two seeds on two hosts', () => {
  const id = randomBytes(2).toString('hex');
  const netns = `gts-far-${id}`;
  const hostSide = `gtsfh${id}`;
  // a /30 of its own per run: 10.202.<0-255>.<0,4,…>
  const octet = Number.parseInt(id, 16) % 256;
  const hostIp = `10.202.${octet}.1`;
  const farIp = `10.202.${octet}.2`;
  let garden: Garden;
  let https: HttpsGarden;
  let local: INestApplicationContext;
  let far: ChildProcess;
  let farOutput = '';
  let farState: Awaited<ReturnType<typeof createTestDatabase>>;
  const proxies: Server[] = [];
  let farToken: string;

  const call = (method: string, path: string, body?: unknown, token?: string, contentType?: string) =>
    https.call(method, path, body, { ...(token ? { token } : {}), ...(contentType ? { contentType } : {}) });
  const shoots = () => `${CORE}/namespaces/${garden.namespace}/shoots`;
  const read = async (name: string) => (await call('GET', `${shoots()}/${name}`)).body as unknown as Shoot;

  async function createShoot(name: string, seedName: string, nodesOctet: number): Promise<void> {
    garden.track(name);
    const created = await call('POST', shoots(), {
      apiVersion: 'core.gardener.cloud/v1beta1',
      kind: 'Shoot',
      metadata: { name },
      spec: {
        cloudProfileName: 'local',
        region: 'local',
        seedName,
        provider: { type: 'local' },
        kubernetes: { version: '1.34' },
        networking: { nodes: `10.10.${nodesOctet}.0/24` },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }

  async function deleteShoot(name: string): Promise<void> {
    const confirm = { metadata: { annotations: { 'confirmation.gardener.cloud/deletion': 'true' } } };
    await call('PATCH', `${shoots()}/${name}`, confirm, undefined, 'application/merge-patch+json');
    expect((await call('DELETE', `${shoots()}/${name}`)).status).toBe(200);
  }

  beforeAll(async () => {
    garden = await createGarden();
    await run('ip', ['netns', 'add', netns]);
    await run('ip', ['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    await run('ip', ['addr', 'add', `${hostIp}/30`, 'dev', hostSide]);
    await run('ip', ['link', 'set', hostSide, 'up']);
    for (const args of [
      ['addr', 'add', `${farIp}/30`, 'dev', 'eth0'],
      ['link', 'set', 'eth0', 'up'],
      ['link', 'set', 'lo', 'up'],
    ])
      await run('ip', ['netns', 'exec', netns, 'ip', ...args]);

    https = await startHttpsGarden(garden, { HOST: hostIp });
    expect(
      (await call('POST', `${CORE}/seeds`, { ...exampleSeed(), metadata: { name: 'far' } })).status,
    ).toBe(201);

    // the local seed's gardenlet, on the garden's host
    local = await startTestGardenlet(garden, { heartbeatSeconds: 2 });

    // the far host: Redis and its own database only through forwards on the link's host side
    const redisProxy = await forward(hostIp, { host: '127.0.0.1', port: 6379 });
    const postgresProxy = await forward(hostIp, { host: '127.0.0.1', port: 5432 });
    proxies.push(redisProxy, postgresProxy);
    farState = await createTestDatabase('gardener_ts_far_state');
    const farDatabase = new URL(farState.url);
    farDatabase.hostname = hostIp;
    farDatabase.port = String(postgresProxy.port);
    const bootstrapKubeconfig = join(garden.root, 'far-bootstrap.kubeconfig');
    await https.seedBootstrap('far', bootstrapKubeconfig);
    const farRoot = join(garden.root, 'far');
    far = spawn(
      'ip',
      [
        'netns',
        'exec',
        netns,
        process.execPath,
        '--import',
        join(REPO, 'scripts/dev/register-ts.mjs'),
        join(REPO, 'apps/gardenlet/src/main.ts'),
      ],
      {
        cwd: REPO,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NO_COLOR: '1',
          SEED_NAME: 'far',
          GARDEN_BOOTSTRAP_KUBECONFIG: bootstrapKubeconfig,
          GARDEN_KUBECONFIG: join(farRoot, 'garden.kubeconfig'),
          REDIS_URL: `redis://${hostIp}:${redisProxy.port}`,
          DATABASE_URL: farDatabase.toString(),
          GARDENER_QUEUE_PREFIX: garden.gardenletEnv.GARDENER_QUEUE_PREFIX,
          GARDENER_TOFU_STATE_KEY_FILE: join(farRoot, 'tofu-state.key'),
          GARDENER_TOFU_WORK_DIR: join(farRoot, 'tofu'),
          GARDENER_TS_SEED_DIR: join(farRoot, 'seed'),
          GARDENER_TS_MACHINE_DIR: join(farRoot, 'machines'),
          GARDENLET_HEARTBEAT_SECONDS: '2',
          GARDENLET_CARE_INTERVAL_SECONDS: '3600',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    far.stdout?.on('data', (chunk) => {
      farOutput += chunk;
    });
    far.stderr?.on('data', (chunk) => {
      farOutput += chunk;
    });
    await until(async () => (farOutput.includes('is processing shoots') ? true : undefined), 60_000).catch(
      () => {
        throw new Error(`the far gardenlet did not start:\n${farOutput}`);
      },
    );
    farToken = tokenOf(join(farRoot, 'garden.kubeconfig'));
  }, 180_000);

  afterAll(async () => {
    far?.kill('SIGTERM');
    await local?.close();
    for (const name of ['near', 'away']) {
      await new LocalSeedBackend({ root: join(garden.root, 'far', 'seed') })
        .destroy(technicalId(garden.namespace, name))
        .catch(() => undefined);
    }
    await run('ip', ['netns', 'delete', netns]).catch(() => undefined);
    for (const proxy of proxies) proxy.close();
    await https?.api.stop();
    const redis = new Redis();
    for (const seed of ['far', 'local'])
      await redis.call('ACL', 'DELUSER', seedRedisUser(garden.gardenletEnv.GARDENER_QUEUE_PREFIX, seed));
    redis.disconnect();
    await farState?.drop();
    await garden?.close();
  }, 60_000);

  it('keeps both seeds Ready, each by its own gardenlet', async () => {
    for (const seed of ['local', 'far']) {
      const ready = await until(async () => {
        const { body } = await call('GET', `${CORE}/seeds/${seed}`);
        const conditions = (body.status as Shoot['status'])?.conditions ?? [];
        return conditions.find((c) => c.type === 'GardenletReady' && c.status === 'True');
      }, 30_000);
      expect(ready.status).toBe('True');
    }
  });

  it('reconciles a shoot on each seed to Succeeded, then deletes both', async () => {
    await createShoot('near', 'local', 91);
    await createShoot('away', 'far', 92);
    for (const name of ['near', 'away']) {
      const succeeded = await until(async () => {
        const shoot = await read(name);
        return shoot.status?.lastOperation?.state === 'Succeeded' ? shoot : undefined;
      }, 180_000).catch(() => {
        throw new Error(`${name} did not succeed; far gardenlet:\n${farOutput.slice(-4000)}`);
      });
      expect(succeeded.status?.technicalID).toBe(technicalId(garden.namespace, name));
    }
    // the far shoot's control plane runs on the far host: its apiserver answers there, not here
    const away = await read('away');
    expect(away.status?.seedName ?? away.spec.seedName).toBe('far');

    // the far gardenlet's credential reaches nothing of the local seed
    expect((await call('GET', `${shoots()}/near`, undefined, farToken)).status).toBe(404);
    expect((await call('GET', `${shoots()}/away`, undefined, farToken)).status).toBe(200);
    const patch = { metadata: { labels: { taken: 'yes' } } };
    expect(
      (await call('PATCH', `${shoots()}/near`, patch, farToken, 'application/merge-patch+json')).status,
    ).toBe(403);
    expect(
      (
        await call(
          'GET',
          `/api/v1/namespaces/${garden.namespace}/secrets/near.ssh-keypair`,
          undefined,
          farToken,
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await call(
          'PATCH',
          `${CORE}/seeds/local/status`,
          { status: {} },
          farToken,
          'application/merge-patch+json',
        )
      ).status,
    ).toBe(403);

    await deleteShoot('near');
    await deleteShoot('away');
    for (const name of ['near', 'away'])
      await until(
        async () => ((await call('GET', `${shoots()}/${name}`)).status === 404 ? true : undefined),
        120_000,
      );
  }, 480_000);
});
