import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { exampleSeed, exampleShoot, SHOOT_LABEL } from '@gardener-ts/api';
import { ShootQueue, seedRedisUser, startShootWorker } from '@gardener-ts/jobs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Answer,
  AUTH,
  CORE,
  MACHINES,
  OPERATIONS,
  startTenantGarden,
  type TenantGarden,
} from '../../apps/gardener-api/src/testing/tenant-garden.js';
import { sshKey } from '../support/ssh-key.js';

/**
 * Issue 17, outcome 2: a seed's identity. A garden admin issues a bootstrap token; the gardenlet
 * trades it once for its seed credential. With it, a gardenlet reaches only what belongs to the
 * shoots on its seed, its own Seed's status and CloudProfiles; in Redis, only its seed's queues.
 * Every attack is played through the real API and a real Redis with the credential of seed `local`.
 */

const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const DEV = 'garden-dev';
const OTHER = 'garden-other';
const shootsIn = (ns: string) => `${CORE}/namespaces/${ns}/shoots`;
const secretsIn = (ns: string) => `/api/v1/namespaces/${ns}/secrets`;
const configMapsIn = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;
const machinesIn = (ns: string) => `${MACHINES}/namespaces/${ns}/machines`;
const bastionsIn = (ns: string) => `${OPERATIONS}/namespaces/${ns}/bastions`;
const PREFIX = `gts-seedauth-${randomBytes(3).toString('hex')}`;

let g: TenantGarden;
/** The credential of seed `local`, whose shoots are dev/mine and other/also-mine; dev/theirs is on seed `far`. */
let seedToken: string;

function shootOn(seedName: string, name: string, namespace: string) {
  const shoot = exampleShoot(name, namespace) as unknown as {
    spec: { seedName?: string; networking: Record<string, unknown> };
  };
  delete shoot.spec.networking.nodes;
  shoot.spec.seedName = seedName;
  return shoot;
}

function machine(name: string, shootName: string) {
  return {
    apiVersion: 'machine.sapcloud.io/v1alpha1',
    kind: 'Machine',
    metadata: { name, labels: { [SHOOT_LABEL]: shootName } },
    spec: { class: { kind: 'MachineClass', name: `${shootName}-pool-z1` } },
  };
}

function secret(name: string, data: Record<string, string> = {}) {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  );
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name }, data: encoded };
}

async function expectStatus(answer: Promise<Answer>, status: number): Promise<Answer> {
  const settled = await answer;
  expect(settled.status, settled.text).toBe(status);
  return settled;
}

const asSeed = (method: string, path: string, body?: unknown, contentType?: string) =>
  g.call(seedToken, method, path, body, contentType);

async function bootstrapToken(seedName: string): Promise<string> {
  const answer = await expectStatus(
    g.call('admin', 'POST', `${AUTH}/seedbootstraptokens`, { spec: { seedName } }),
    201,
  );
  return (answer.body.status as { token: string }).token;
}

async function exchange(bootstrap: string): Promise<Answer> {
  return g.call(bootstrap, 'POST', `${AUTH}/seedcredentials`, {});
}

beforeAll(async () => {
  g = await startTenantGarden('seedauth', { GARDENER_QUEUE_PREFIX: PREFIX });
  await expectStatus(
    g.call('admin', 'POST', `${CORE}/seeds`, { ...exampleSeed(), metadata: { name: 'far' } }),
    201,
  );
  await expectStatus(g.call('admin', 'POST', shootsIn(DEV), shootOn('local', 'mine', DEV)), 201);
  await expectStatus(g.call('admin', 'POST', shootsIn(OTHER), shootOn('local', 'also-mine', OTHER)), 201);
  await expectStatus(g.call('admin', 'POST', shootsIn(DEV), shootOn('far', 'theirs', DEV)), 201);
  await expectStatus(
    g.call('admin', 'POST', secretsIn(DEV), secret('theirs.ssh-keypair', { id_ed25519: 'far-private' })),
    201,
  );
  await expectStatus(
    g.call('admin', 'POST', secretsIn(DEV), secret('cloud-credentials', { key: 'tenant secret' })),
    201,
  );
  await expectStatus(g.call('admin', 'POST', machinesIn(DEV), machine('theirs-pool-z1-a-b', 'theirs')), 201);
  await expectStatus(
    g.call('admin', 'POST', bastionsIn(DEV), {
      apiVersion: 'operations.gardener.cloud/v1alpha1',
      kind: 'Bastion',
      metadata: { name: 'cli-theirs' },
      spec: {
        shootRef: { name: 'theirs' },
        sshPublicKey: sshKey(),
        ingress: [{ ipBlock: { cidr: '10.0.0.1/32' } }],
      },
    }),
    201,
  );
  const credential = await expectStatus(exchange(await bootstrapToken('local')), 201);
  seedToken = (credential.body.status as { token: string }).token;
}, 120_000);

afterAll(async () => {
  const redis = new Redis();
  for (const seed of ['local', 'far']) await redis.call('ACL', 'DELUSER', seedRedisUser(PREFIX, seed));
  redis.disconnect();
  await g?.stop();
});

describe('the seed bootstrap', () => {
  it('is issued by garden admins only, and strictly read', async () => {
    for (const user of ['dev-owner', 'stranger'])
      await expectStatus(
        g.call(user, 'POST', `${AUTH}/seedbootstraptokens`, { spec: { seedName: 'local' } }),
        403,
      );
    await expectStatus(
      g.call(seedToken, 'POST', `${AUTH}/seedbootstraptokens`, { spec: { seedName: 'far' } }),
      403,
    );
    for (const spec of [
      { seedName: 'Local!' },
      { seedName: 'local', expirationSeconds: 10 ** 7 },
      { seedName: 'local', extra: 1 },
    ])
      await expectStatus(g.call('admin', 'POST', `${AUTH}/seedbootstraptokens`, { spec }), 422);
  });

  it('is traded once: a second exchange, or one with another token, is refused', async () => {
    const bootstrap = await bootstrapToken('far');
    await expectStatus(g.call(bootstrap, 'GET', `${CORE}/namespaces/${DEV}/shoots/theirs`), 403);
    const credential = await expectStatus(exchange(bootstrap), 201);
    expect((credential.body.spec as { seedName: string }).seedName).toBe('far');
    await expectStatus(exchange(bootstrap), 401);
    for (const user of ['admin', 'dev-owner', seedToken])
      await expectStatus(g.call(user, 'POST', `${AUTH}/seedcredentials`, {}), 403);
    const farToken = (credential.body.status as { token: string }).token;
    await expectStatus(exchange(farToken), 403);
    // the far gardenlet sees its shoot, not local's
    await expectStatus(g.call(farToken, 'GET', `${shootsIn(DEV)}/theirs`), 200);
    await expectStatus(g.call(farToken, 'GET', `${shootsIn(DEV)}/mine`), 404);
  });

  it('rotates: a new bootstrap of the same seed revokes its earlier credential', async () => {
    const first = (await expectStatus(exchange(await bootstrapToken('far')), 201)).body.status as {
      token: string;
    };
    const second = (await expectStatus(exchange(await bootstrapToken('far')), 201)).body.status as {
      token: string;
    };
    await expectStatus(g.call(first.token, 'GET', `${CORE}/seeds/far`), 401);
    await expectStatus(g.call(second.token, 'GET', `${CORE}/seeds/far`), 200);
  });
});

describe("a gardenlet's API access (SeedAuthorizer)", () => {
  it('reads and writes its own shoots, and only those', async () => {
    await expectStatus(asSeed('GET', `${shootsIn(DEV)}/mine`), 200);
    await expectStatus(asSeed('GET', `${shootsIn(OTHER)}/also-mine`), 200);
    // another seed's shoot reads as one that does not exist (as a deleted one would)
    const theirs = await expectStatus(asSeed('GET', `${shootsIn(DEV)}/theirs`), 404);
    const nowhere = await expectStatus(asSeed('GET', `${shootsIn(DEV)}/nowhere`), 404);
    expect(theirs.body.message).toBe('shoots.core.gardener.cloud "theirs" not found');
    expect(nowhere.body.message).toBe('shoots.core.gardener.cloud "nowhere" not found');
    await expectStatus(asSeed('GET', `${shootsIn(DEV)}/theirs/status`), 403);
    const all = await expectStatus(asSeed('GET', `${CORE}/shoots`), 200);
    expect(all.body.items?.map((s) => s.metadata.name).sort()).toEqual(['also-mine', 'mine']);
    const selected = await expectStatus(
      asSeed('GET', `${CORE}/shoots?fieldSelector=spec.seedName%3Dfar`),
      200,
    );
    expect(selected.body.items).toEqual([]);
    const lastOperation = {
      type: 'Create',
      state: 'Processing',
      progress: 10,
      description: 'seed authorizer test',
      lastUpdateTime: new Date().toISOString(),
    };
    const status = { status: { lastOperation } };
    await expectStatus(asSeed('PATCH', `${shootsIn(DEV)}/mine/status`, status, MERGE), 200);
    await expectStatus(asSeed('PATCH', `${shootsIn(DEV)}/theirs/status`, status, MERGE), 403);
    await expectStatus(
      asSeed('PATCH', `${shootsIn(DEV)}/theirs`, { metadata: { labels: { x: 'y' } } }, MERGE),
      403,
    );
  });

  it('cannot move a shoot to another seed, claim one, create or delete shoots', async () => {
    // moving is refused whichever check comes first (spec.seedName is immutable, and the seed may not)
    const moves = [
      asSeed('PATCH', `${shootsIn(DEV)}/mine`, { spec: { seedName: 'far' } }, MERGE),
      asSeed(
        'PATCH',
        `${shootsIn(DEV)}/mine`,
        [{ op: 'replace', path: '/spec/seedName', value: 'far' }],
        JSON_PATCH,
      ),
      asSeed('PATCH', `${shootsIn(DEV)}/mine`, { spec: { seedName: 'far' } }, STRATEGIC),
      asSeed('PATCH', `${shootsIn(DEV)}/mine`, 'spec:\n  seedName: far\n', 'application/merge-patch+json'),
    ];
    for (const move of await Promise.all(moves)) expect([400, 403, 422], move.text).toContain(move.status);
    const mine = await g.call('admin', 'GET', `${shootsIn(DEV)}/mine`);
    expect((mine.body.spec as { seedName: string }).seedName).toBe('local');
    await expectStatus(
      asSeed('PATCH', `${shootsIn(DEV)}/theirs`, { spec: { seedName: 'local' } }, MERGE),
      403,
    );
    await expectStatus(asSeed('POST', shootsIn(DEV), shootOn('local', 'planted', DEV)), 403);
    await expectStatus(asSeed('DELETE', `${shootsIn(DEV)}/mine`), 403);
    const theirs = await g.call('admin', 'GET', `${shootsIn(DEV)}/theirs`);
    expect((theirs.body.spec as { seedName: string }).seedName).toBe('far');
  });

  it("keeps to its shoots' <shoot>.* secrets and config maps", async () => {
    const keypair = secret('mine.ssh-keypair', { k: 'v' });
    await expectStatus(asSeed('POST', secretsIn(DEV), keypair), 201);
    await expectStatus(asSeed('GET', `${secretsIn(DEV)}/mine.ssh-keypair`), 200);
    await expectStatus(
      asSeed('POST', configMapsIn(OTHER), {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'also-mine.ca-cluster' },
        data: {},
      }),
      201,
    );
    for (const name of ['theirs.ssh-keypair', 'cloud-credentials', 'mine', '.ssh-keypair', 'theirs..x'])
      await expectStatus(asSeed('GET', `${secretsIn(DEV)}/${encodeURIComponent(name)}`), 403);
    // a name is a name: no path in it reaches another object
    await expectStatus(
      asSeed('GET', `${secretsIn(DEV)}/${encodeURIComponent('mine.x/../theirs.ssh-keypair')}`),
      404,
    );
    // the same name in a namespace where the seed has no shoot of that name
    await expectStatus(asSeed('GET', `${secretsIn(OTHER)}/mine.ssh-keypair`), 403);
    await expectStatus(asSeed('POST', secretsIn(OTHER), { ...keypair }), 403);
    await expectStatus(asSeed('POST', secretsIn(DEV), secret('theirs.planted')), 403);
    await expectStatus(
      asSeed('PUT', `${secretsIn(DEV)}/theirs.ssh-keypair`, secret('theirs.ssh-keypair')),
      403,
    );
    await expectStatus(asSeed('DELETE', `${secretsIn(DEV)}/theirs.ssh-keypair`), 403);
    await expectStatus(asSeed('DELETE', `${secretsIn(DEV)}/cloud-credentials`), 403);
    // a body that names another object than the path is refused before anything is read
    const renamed = await asSeed('PUT', `${secretsIn(DEV)}/mine.ssh-keypair`, secret('theirs.ssh-keypair'));
    expect(renamed.status).toBeGreaterThanOrEqual(400);
    for (const path of [secretsIn(DEV), '/api/v1/secrets', `${secretsIn(DEV)}?watch=1`])
      await expectStatus(asSeed('GET', path), 403);
    const stored = await g.call('admin', 'GET', `${secretsIn(DEV)}/theirs.ssh-keypair`);
    expect(Buffer.from((stored.body.data as { id_ed25519: string }).id_ed25519, 'base64').toString()).toBe(
      'far-private',
    );
  });

  it("keeps to its shoots' machines", async () => {
    await expectStatus(asSeed('POST', machinesIn(DEV), machine('mine-pool-z1-a-b', 'mine')), 201);
    await expectStatus(asSeed('POST', machinesIn(DEV), machine('planted-pool-z1-a-b', 'theirs')), 403);
    await expectStatus(asSeed('POST', machinesIn(OTHER), machine('mine-pool-z1-c-d', 'mine')), 403);
    const list = await expectStatus(asSeed('GET', machinesIn(DEV)), 200);
    expect(list.body.items?.map((m) => m.metadata.name)).toEqual(['mine-pool-z1-a-b']);
    await expectStatus(asSeed('GET', `${machinesIn(DEV)}/theirs-pool-z1-a-b`), 403);
    await expectStatus(asSeed('DELETE', `${machinesIn(DEV)}/theirs-pool-z1-a-b`), 403);
    const relabel = { metadata: { labels: { [SHOOT_LABEL]: 'theirs' } } };
    await expectStatus(asSeed('PATCH', `${machinesIn(DEV)}/mine-pool-z1-a-b`, relabel, MERGE), 403);
    await expectStatus(
      asSeed(
        'PATCH',
        `${machinesIn(DEV)}/theirs-pool-z1-a-b`,
        { metadata: { labels: { [SHOOT_LABEL]: 'mine' } } },
        MERGE,
      ),
      403,
    );
    await expectStatus(
      asSeed(
        'PATCH',
        `${machinesIn(DEV)}/theirs-pool-z1-a-b/status`,
        { status: { currentStatus: { phase: 'Failed' } } },
        MERGE,
      ),
      403,
    );
    await expectStatus(asSeed('GET', `${machinesIn(DEV)}?watch=1`), 403);
    await expectStatus(g.call('admin', 'GET', `${machinesIn(DEV)}/theirs-pool-z1-a-b`), 200);
  });

  it("keeps to its shoots' bastions and makes none", async () => {
    const bastions = await expectStatus(asSeed('GET', bastionsIn(DEV)), 200);
    expect(bastions.body.items).toEqual([]);
    await expectStatus(asSeed('GET', `${bastionsIn(DEV)}/cli-theirs`), 403);
    await expectStatus(
      asSeed(
        'PATCH',
        `${bastionsIn(DEV)}/cli-theirs/status`,
        { status: { ingress: { ip: '1.2.3.4' } } },
        MERGE,
      ),
      403,
    );
    await expectStatus(asSeed('DELETE', `${bastionsIn(DEV)}/cli-theirs`), 403);
    await expectStatus(
      asSeed('POST', bastionsIn(DEV), {
        kind: 'Bastion',
        apiVersion: 'operations.gardener.cloud/v1alpha1',
        metadata: { name: 'cli-mine' },
        spec: {
          shootRef: { name: 'mine' },
          sshPublicKey: sshKey(),
          ingress: [{ ipBlock: { cidr: '10.0.0.1/32' } }],
        },
      }),
      403,
    );
  });

  it("watches its shoots' bastions only, those of a shoot scheduled after the watch opened too", async () => {
    const names: string[] = [];
    const aborter = new AbortController();
    const response = await fetch(`${g.server.url}${OPERATIONS}/bastions?watch=1`, {
      headers: { authorization: `Bearer ${seedToken}` },
      signal: aborter.signal,
    });
    expect(response.status).toBe(200);
    const reading = (async () => {
      let pending = '';
      for await (const chunk of response.body ?? []) {
        pending += Buffer.from(chunk).toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines.filter(Boolean))
          names.push((JSON.parse(line) as { object: { metadata: { name: string } } }).object.metadata.name);
      }
    })().catch(() => undefined);
    await expectStatus(g.call('admin', 'POST', shootsIn(DEV), shootOn('local', 'late', DEV)), 201);
    await sleep(6_000); // the watch's access check (every 5 s) reads the scope again
    const bastion = (name: string, shoot: string) => ({
      apiVersion: 'operations.gardener.cloud/v1alpha1',
      kind: 'Bastion',
      metadata: { name },
      spec: {
        shootRef: { name: shoot },
        sshPublicKey: sshKey(),
        ingress: [{ ipBlock: { cidr: '10.0.0.1/32' } }],
      },
    });
    await expectStatus(g.call('admin', 'POST', bastionsIn(DEV), bastion('cli-theirs-2', 'theirs')), 201);
    await expectStatus(g.call('admin', 'POST', bastionsIn(DEV), bastion('cli-late', 'late')), 201);
    const deadline = Date.now() + 5_000;
    while (!names.includes('cli-late') && Date.now() < deadline) await sleep(100);
    aborter.abort();
    await reading;
    expect(names).toEqual(['cli-late']);
  });

  it('writes its own Seed status only, and reads CloudProfiles and Seeds', async () => {
    const beat = { status: { conditions: [] } };
    await expectStatus(asSeed('PATCH', `${CORE}/seeds/local/status`, beat, MERGE), 200);
    await expectStatus(asSeed('PATCH', `${CORE}/seeds/far/status`, beat, MERGE), 403);
    await expectStatus(asSeed('PATCH', `${CORE}/seeds/local`, { spec: { taints: [] } }, MERGE), 403);
    await expectStatus(asSeed('DELETE', `${CORE}/seeds/local`), 403);
    await expectStatus(asSeed('GET', `${CORE}/seeds/far`), 200);
    await expectStatus(asSeed('GET', `${CORE}/cloudprofiles/local`), 200);
    await expectStatus(asSeed('POST', `${CORE}/cloudprofiles`, { metadata: { name: 'x' } }), 403);
  });

  it('gets 403 for everything else', async () => {
    for (const path of [
      `${CORE}/projects`,
      `${CORE}/projects/dev`,
      '/api/v1/namespaces',
      `${AUTH}/usertokens`,
      `${AUTH}/namespaces/${DEV}/serviceaccounttokens`,
      `${CORE}/namespaces/${DEV}/secretbindings`,
    ])
      await expectStatus(asSeed('GET', path), 403);
    await expectStatus(
      asSeed('POST', `${shootsIn(DEV)}/mine/adminkubeconfig`, { spec: { expirationSeconds: 600 } }),
      403,
    );
    await expectStatus(asSeed('POST', `${AUTH}/usertokens`, { spec: { user: 'evil' } }), 403);
  });
});

describe("a gardenlet's Redis access", () => {
  let seedRedis: Redis;
  let admin: Redis;

  beforeAll(async () => {
    admin = new Redis({ maxRetriesPerRequest: null });
    seedRedis = new Redis({
      username: seedRedisUser(PREFIX, 'local'),
      password: seedToken,
      maxRetriesPerRequest: null,
    });
    await admin.set(`${PREFIX}:shoots.far:meta`, 'far queue');
  });

  afterAll(() => {
    seedRedis?.disconnect();
    admin?.disconnect();
  });

  it("runs its own seed's shoot jobs with BullMQ", async () => {
    const seen: string[] = [];
    const worker = startShootWorker({
      connection: seedRedis,
      seedName: 'local',
      prefix: PREFIX,
      reconcile: async (ref) => {
        seen.push(ref.name);
      },
    });
    const queue = new ShootQueue({ connection: admin, seedName: 'local', prefix: PREFIX });
    await queue.enqueue({ uid: '0b6f5c1e-1', namespace: DEV, name: 'mine' });
    const deadline = Date.now() + 15_000;
    while (!seen.includes('mine') && Date.now() < deadline) await sleep(100);
    await worker.close();
    await queue.close();
    expect(seen).toContain('mine');
  });

  it("cannot read, write or drop another seed's keys, nor reach the server", async () => {
    const refused = async (command: string, ...args: (string | number)[]) => {
      await expect(seedRedis.call(command, ...args), `${command} ${args.join(' ')}`).rejects.toThrow(
        /NOPERM|The user executing the script can't access/,
      );
    };
    await refused('GET', `${PREFIX}:shoots.far:meta`);
    await refused('DEL', `${PREFIX}:shoots.far:meta`);
    await refused('SET', `${PREFIX}:seed.far:pending:x`, '1');
    await refused('LRANGE', `${PREFIX}:shoots.far:wait`, 0, -1);
    await refused('RENAME', `${PREFIX}:shoots.local:x`, `${PREFIX}:shoots.far:x`);
    await refused('EVAL', "return redis.call('del', KEYS[1])", 1, `${PREFIX}:shoots.far:meta`);
    await refused('EVAL', `return redis.call('get', '${PREFIX}:shoots.far:meta')`, 0);
    await refused('KEYS', '*');
    await refused('SCAN', 0);
    await refused('FLUSHALL');
    await refused('FLUSHDB');
    await refused('CONFIG', 'GET', '*');
    await refused('ACL', 'LIST');
    await refused('CLIENT', 'LIST');
    await refused('SELECT', 1);
    await refused('PUBLISH', 'x', 'y');
    await refused('SCRIPT', 'FLUSH');
    await refused('FUNCTION', 'FLUSH');
    expect(await admin.get(`${PREFIX}:shoots.far:meta`)).toBe('far queue');
  });

  it('loses its Redis access when the seed is bootstrapped again', async () => {
    const far = (await expectStatus(exchange(await bootstrapToken('far')), 201)).body.status as {
      token: string;
    };
    const farRedis = new Redis({
      username: seedRedisUser(PREFIX, 'far'),
      password: far.token,
      lazyConnect: true,
    });
    await farRedis.connect();
    expect(await farRedis.get(`${PREFIX}:shoots.far:meta`)).toBe('far queue');
    farRedis.disconnect();
    await expectStatus(exchange(await bootstrapToken('far')), 201);
    const stale = admin.duplicate();
    await expect(stale.call('AUTH', seedRedisUser(PREFIX, 'far'), far.token)).rejects.toThrow(/WRONGPASS/);
    stale.disconnect();
  });
});

describe('a deleted seed', () => {
  it('cannot be bootstrapped before its Seed is registered', async () => {
    const answer = await expectStatus(
      g.call('admin', 'POST', `${AUTH}/seedbootstraptokens`, { spec: { seedName: 'unregistered' } }),
      404,
    );
    expect(answer.body.message).toMatch(/seed "unregistered" is not registered: create its Seed first/);
  });

  it('takes its credential, its unused bootstrap token and its Redis user with it', async () => {
    await expectStatus(
      g.call('admin', 'POST', `${CORE}/seeds`, { ...exampleSeed(), metadata: { name: 'gone' } }),
      201,
    );
    const { token } = (await expectStatus(exchange(await bootstrapToken('gone')), 201)).body.status as {
      token: string;
    };
    const unused = await bootstrapToken('gone');
    await expectStatus(g.call(token, 'GET', `${CORE}/seeds/gone`), 200);
    const goneRedis = new Redis({
      username: seedRedisUser(PREFIX, 'gone'),
      password: token,
      lazyConnect: true,
    });
    await goneRedis.connect();
    expect(await goneRedis.call('PING')).toBe('PONG');
    goneRedis.disconnect();

    await expectStatus(g.call('admin', 'DELETE', `${CORE}/seeds/gone`), 200);
    const deadline = Date.now() + 10_000;
    while ((await g.call(token, 'GET', `${CORE}/seeds/gone`)).status !== 401 && Date.now() < deadline)
      await sleep(200);
    await expectStatus(g.call(token, 'GET', `${CORE}/cloudprofiles`), 401);
    await expectStatus(exchange(unused), 401);
    const stale = new Redis({ lazyConnect: true });
    await expect(stale.call('AUTH', seedRedisUser(PREFIX, 'gone'), token)).rejects.toThrow(/WRONGPASS/);
    stale.disconnect();
  });
});
