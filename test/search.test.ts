/**
 * Issue 21, outcome 2 (search, Clusterpedia's model) with its roles: a real shoot kube-apiserver
 * (local seed), the real garden API process on a database of its own, the gardenlet's syncer with
 * the seed's credential writing the index through the API, and users reading it with the pinned
 * kubectl under the search prefix.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exampleSeed, exampleShoot } from '@gardener-ts/api';
import { GardenClient, HttpTransport } from '@gardener-ts/client';
import { binary } from '@gardener-ts/infra/toolchain';
import { seedRedisUser } from '@gardener-ts/jobs';
import { apiIndexWriter, emptyBatch, type SearchSync } from '@gardener-ts/search';
import { LocalSeedBackend } from '@gardener-ts/seed';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../apps/gardener-api/src/testing/server.js';
import {
  type Answer,
  AUTH,
  CORE,
  startTenantGarden,
  type TenantGarden,
} from '../apps/gardener-api/src/testing/tenant-garden.js';
import { createSearchSync } from '../apps/gardenlet/src/search-sync.js';
import { run } from '../libs/seed/src/testing/tools.js';

const PREFIX = `gts-search-${process.pid}`;
const SEARCH = '/apis/search.gardener.cloud/v1alpha1';
const DEV = 'garden-dev';
const OTHER = 'garden-other';
const TECHNICAL_ID = 'shoot--dev--a';
const REPO = new URL('..', import.meta.url).pathname;

let g: TenantGarden;
/** a second API replica on the same database, serving HTTPS for kubectl */
let https: RunningServer;
let seedToken: string;
let seed: LocalSeedBackend;
let sync: SearchSync;
let root: string;
let shootKubeconfig: string;

const searchIn = (projectNamespace: string, shoot = '*') =>
  `${SEARCH}/namespaces/${projectNamespace}/shoots/${shoot}`;

async function expectStatus(answer: Promise<Answer>, status: number): Promise<Answer> {
  const settled = await answer;
  expect(settled.status, settled.text).toBe(status);
  return settled;
}

function shootOn(seedName: string, name: string, namespace: string) {
  const shoot = exampleShoot(name, namespace) as unknown as {
    spec: { seedName?: string; networking: Record<string, unknown>; provider: { workers: unknown[] } };
  };
  delete shoot.spec.networking.nodes;
  shoot.spec.seedName = seedName;
  shoot.spec.provider.workers = [];
  return shoot;
}

/** The garden admin writes what the gardenlet would report: the shoot's technical ID, hibernation. */
async function setStatus(namespace: string, name: string, status: Record<string, unknown>): Promise<void> {
  const path = `${CORE}/namespaces/${namespace}/shoots/${name}`;
  const current = (await expectStatus(g.call('admin', 'GET', path), 200)).body;
  await expectStatus(
    g.call('admin', 'PUT', `${path}/status`, {
      ...current,
      status: { ...(current.status as object), ...status },
    }),
    200,
  );
}

/**
 * The pinned kubectl as a user of the garden, with the search prefix as its server: over HTTPS
 * (kubectl sends no token over plain HTTP), with the garden kubeconfig's CA and the user's token.
 */
function kubectl(token: string, server: string, ...args: string[]) {
  return run(binary('kubectl'), [
    '--kubeconfig',
    join(g.dataDir, 'garden.kubeconfig'),
    '--cache-dir',
    join(root, 'kube-cache'),
    `--server=${https.url}${server}`,
    `--token=${token}`,
    ...args,
  ]);
}

function shootKubectl(...args: string[]) {
  return run(binary('kubectl'), ['--kubeconfig', shootKubeconfig, ...args]);
}

const podNames = (answer: Answer) =>
  (
    (answer.body.items ?? []) as Array<{ metadata: { name: string; annotations: Record<string, string> } }>
  ).map((item) => `${item.metadata.annotations['search.gardener.cloud/shoot']}/${item.metadata.name}`);

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(50);
  }
}

/** A raw request, path not normalised (fetch would resolve `..`). */
function rawGet(path: string, token: string): Promise<{ status: number; text: string }> {
  const url = new URL(g.server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gts-search-'));
  g = await startTenantGarden('search', { GARDENER_QUEUE_PREFIX: PREFIX });
  https = await startServer({
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: g.databaseUrl,
    GARDENER_DATA_DIR: g.dataDir,
    GARDENER_TLS: 'on',
    GARDENER_QUEUE_PREFIX: PREFIX,
  });
  await expectStatus(
    g.call('admin', 'POST', `${CORE}/seeds`, { ...exampleSeed(), metadata: { name: 'far' } }),
    201,
  );
  await expectStatus(
    g.call('admin', 'POST', `${CORE}/namespaces/${DEV}/shoots`, shootOn('local', 'a', DEV)),
    201,
  );
  await expectStatus(
    g.call('admin', 'POST', `${CORE}/namespaces/${OTHER}/shoots`, shootOn('local', 'c', OTHER)),
    201,
  );
  await expectStatus(
    g.call('admin', 'POST', `${CORE}/namespaces/${DEV}/shoots`, shootOn('far', 'f', DEV)),
    201,
  );
  await setStatus(DEV, 'a', { technicalID: TECHNICAL_ID, hibernated: false });
  const bootstrap = await expectStatus(
    g.call('admin', 'POST', `${AUTH}/seedbootstraptokens`, { spec: { seedName: 'local' } }),
    201,
  );
  const credential = await expectStatus(
    g.call((bootstrap.body.status as { token: string }).token, 'POST', `${AUTH}/seedcredentials`, {}),
    201,
  );
  seedToken = (credential.body.status as { token: string }).token;

  seed = new LocalSeedBackend({ root: join(root, 'seed') });
  await seed.deploy({ id: TECHNICAL_ID, listenAddress: '127.0.0.1', serviceCidr: '10.96.0.0/12' });
  await seed.waitReady(TECHNICAL_ID, { timeoutMs: 120_000 });
  shootKubeconfig = join(root, 'shoot.kubeconfig');
  const admin = await seed.issueKubeconfig(TECHNICAL_ID, { role: 'admin', user: 'tester' });
  writeFileSync(shootKubeconfig, admin.kubeconfig, { mode: 0o600 });

  // the gardenlet's syncer, as it runs in the gardenlet: the seed's credential, through the API
  const transport = new HttpTransport({ server: g.server.url, token: seedToken });
  sync = createSearchSync({
    client: new GardenClient(transport),
    seed,
    seedName: 'local',
    write: apiIndexWriter((method, path, body) => transport.request(method, path, body)),
    indexer: { flushDelayMs: 20 },
  });
  // another project's shoot on the same seed, its index written by the same seed
  const c = await expectStatus(g.call('admin', 'GET', `${CORE}/namespaces/${OTHER}/shoots/c`), 200);
  await transport.request('POST', `${searchIn(OTHER, 'c')}/index`, {
    ...emptyBatch(),
    upserts: [
      {
        kind: 'Pod',
        epoch: 'e1',
        object: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'secret-pod', namespace: 'shop', labels: { app: 'web' } },
        },
      },
    ],
  });
  expect((c.body.metadata as { uid: string }).uid).toBeTruthy();
}, 240_000);

afterAll(async () => {
  await sync?.close();
  await https?.stop();
  await seed?.destroy(TECHNICAL_ID).catch(() => undefined);
  const redis = new Redis();
  await redis.call('ACL', 'DELUSER', seedRedisUser(PREFIX, 'local')).catch(() => undefined);
  // the jobs the API's relay queued for the shoots (no gardenlet runs here)
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}:*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
  await g?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('search across shoots', () => {
  it('indexes the shoot by list+watch; a project viewer lists with the pinned kubectl under the search prefix', async () => {
    expect((await shootKubectl('create', 'namespace', 'shop')).code).toBe(0);
    // the controller manager makes the namespace's default service account, which pods need
    await until(async () =>
      (await shootKubectl('get', 'serviceaccount', 'default', '-n', 'shop')).code === 0 ? true : undefined,
    );
    for (const [name, labels] of [
      ['web-1', 'app=web,tier=front'],
      ['web-2', 'app=web'],
      ['db-1', 'app=db'],
    ] as const) {
      const created = await shootKubectl(
        'run',
        name,
        '-n',
        'shop',
        '--image=registry.example/x:1',
        `--labels=${labels}`,
      );
      expect(created.code, created.stderr).toBe(0);
    }
    await sync.sync();
    const listed = await until(async () => {
      const answer = await g.call('dev-viewer', 'GET', `${searchIn(DEV)}/api/v1/namespaces/shop/pods`);
      return answer.status === 200 && podNames(answer).length === 3 ? answer : undefined;
    });
    expect(podNames(listed)).toEqual(['a/db-1', 'a/web-1', 'a/web-2']);

    const viewer = g.tokens['dev-viewer'] ?? '';
    const all = await kubectl(viewer, searchIn(DEV), 'get', 'pods', '-A');
    expect(all.stderr).toBe('');
    expect(all.stdout).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+SHOOT/);
    expect(all.stdout).toMatch(/shop\s+web-1\s+0\/1\s+Pending\s+0\s+\S+\s+a\n/);
    expect(all.stdout).not.toContain('secret-pod');

    const selected = await kubectl(
      viewer,
      searchIn(DEV),
      'get',
      'pods',
      '-n',
      'shop',
      '-l',
      'app=web,tier',
      '-o',
      'name',
    );
    expect(selected.stdout.trim()).toBe('pod/web-1');
    const byField = await kubectl(
      viewer,
      searchIn(DEV),
      'get',
      'pods',
      '-A',
      '--field-selector',
      'metadata.name=db-1',
      '-o',
      'name',
    );
    expect(byField.stdout.trim()).toBe('pod/db-1');
    const paged = await kubectl(
      viewer,
      searchIn(DEV, 'a'),
      'get',
      'pods',
      '-n',
      'shop',
      '--chunk-size=1',
      '-o',
      'name',
    );
    expect(paged.stdout.trim().split('\n')).toEqual(['pod/db-1', 'pod/web-1', 'pod/web-2']);
    const one = await kubectl(
      viewer,
      searchIn(DEV, 'a'),
      'get',
      'pod',
      'web-2',
      '-n',
      'shop',
      '-o',
      'jsonpath={.metadata.annotations}',
    );
    expect(JSON.parse(one.stdout)).toMatchObject({
      'search.gardener.cloud/shoot': 'a',
      'search.gardener.cloud/project-namespace': DEV,
    });
    const namespaces = await kubectl(viewer, searchIn(DEV), 'get', 'namespaces', '-o', 'name');
    expect(namespaces.stdout).toContain('namespace/shop');
    expect(namespaces.stdout).toContain('namespace/kube-system');
    const services = await kubectl(viewer, searchIn(DEV), 'get', 'svc', '-A');
    expect(services.stdout).toMatch(/default\s+kubernetes\s+ClusterIP/);
  }, 60_000);

  it('a change in the shoot reaches the index within 2 s; a deleted object leaves it', async () => {
    const path = `${searchIn(DEV, 'a')}/api/v1/namespaces/shop/pods`;
    const started = Date.now();
    await shootKubectl('label', 'pod', 'db-1', '-n', 'shop', 'tier=back');
    await until(async () => {
      const answer = await g.call('dev-viewer', 'GET', `${path}?labelSelector=tier%3Dback`);
      return podNames(answer).length === 1 ? true : undefined;
    }, 5_000);
    expect(Date.now() - started).toBeLessThan(2_000 + 1_000); // kubectl's own start is in the figure
    await shootKubectl('delete', 'pod', 'web-2', '-n', 'shop', '--wait=false');
    await until(async () => {
      const answer = await g.call('dev-viewer', 'GET', path);
      return podNames(answer).includes('a/web-2') ? undefined : true;
    }, 5_000);
  }, 30_000);

  it('viewers read their project only: other projects, strangers, wildcards and path tricks get nothing', async () => {
    const pods = '/api/v1/pods';
    await expectStatus(g.call('stranger', 'GET', `${searchIn(DEV)}${pods}`), 403);
    await expectStatus(g.call('other-viewer', 'GET', `${searchIn(DEV)}${pods}`), 403);
    await expectStatus(g.call('dev-viewer', 'GET', `${searchIn(OTHER)}${pods}`), 403);
    await expectStatus(g.call('dev-viewer', 'GET', `${searchIn(OTHER, 'c')}${pods}`), 403);
    await expectStatus(g.call(undefined, 'GET', `${searchIn(DEV)}${pods}`), 401);
    // another project's shoot named under one's own project: not there
    await expectStatus(g.call('dev-viewer', 'GET', `${searchIn(DEV, 'c')}${pods}`), 404);
    // wildcards are for shoots only, never projects
    await expectStatus(g.call('dev-viewer', 'GET', `${SEARCH}/namespaces/*/shoots/*${pods}`), 400);
    await expectStatus(g.call('dev-viewer', 'GET', `${SEARCH}/namespaces/garden-*/shoots/*${pods}`), 400);
    for (const trick of [
      `${SEARCH}/namespaces/${DEV}%2F..%2F${OTHER}/shoots/*${pods}`,
      `${SEARCH}/namespaces/${DEV}/shoots/..%2F..%2F${OTHER}%2Fshoots%2Fc${pods}`,
      `${SEARCH}/namespaces/${DEV}/shoots/*/../../${OTHER}/shoots/*${pods}`,
      `${SEARCH}/namespaces/${DEV}/shoots/a%00${pods}`,
    ]) {
      const answer = await rawGet(trick, g.tokens['dev-viewer'] ?? '');
      expect([400, 403, 404], `${trick}: ${answer.text}`).toContain(answer.status);
      expect(answer.text).not.toContain('secret-pod');
    }
    // selectors select objects in the visible shoots; they cannot widen which shoots are read
    const narrowed = await expectStatus(
      g.call(
        'dev-viewer',
        'GET',
        `${searchIn(DEV)}${pods}?fieldSelector=metadata.namespace%3Dshop&labelSelector=app%3Dweb`,
      ),
      200,
    );
    expect(podNames(narrowed)).toEqual(['a/web-1']);
    await expectStatus(
      g.call('dev-viewer', 'GET', `${searchIn(DEV)}${pods}?labelSelector=app%20in%20(web)%20OR%201%3D1`),
      400,
    );
    await expectStatus(
      g.call('dev-viewer', 'GET', `${searchIn(DEV)}${pods}?fieldSelector=spec.shoot%3Dc`),
      400,
    );
    await expectStatus(g.call('dev-viewer', 'GET', `${searchIn(DEV)}/api/v1/secrets`), 404);
    // a continue token only says where to go on: the other project's token read by a dev viewer
    const first = await expectStatus(g.call('other-viewer', 'GET', `${searchIn(OTHER)}${pods}?limit=1`), 200);
    expect(podNames(first)).toEqual(['c/secret-pod']);
    const forged = Buffer.from(JSON.stringify({ v: 1, k: ['garden-a', '', '', ''] })).toString('base64url');
    const continued = await expectStatus(
      g.call('dev-viewer', 'GET', `${searchIn(DEV)}${pods}?continue=${forged}`),
      200,
    );
    expect(podNames(continued)).not.toContain('c/secret-pod');
    await expectStatus(g.call('dev-viewer', 'GET', `${searchIn(DEV)}${pods}?continue=bogus!`), 400);
    await expectStatus(g.call('dev-viewer', 'GET', `${searchIn(DEV)}${pods}?watch=true`), 405);
  });

  it('only the shoot’s seed writes its index; seeds read no search results', async () => {
    const batch = emptyBatch();
    for (const user of ['dev-owner', 'dev-admin', 'dev-viewer', 'stranger'])
      await expectStatus(g.call(user, 'POST', `${searchIn(DEV, 'a')}/index`, batch), 403);
    // shoot f is on seed far: seed local may not write its index
    await expectStatus(g.call(seedToken, 'POST', `${searchIn(DEV, 'f')}/index`, batch), 403);
    await expectStatus(g.call(seedToken, 'POST', `${searchIn(DEV, '*')}/index`, batch), 400);
    await expectStatus(g.call(seedToken, 'GET', `${searchIn(DEV)}/api/v1/pods`), 403);
    const secret = {
      ...batch,
      upserts: [{ kind: 'Secret', epoch: 'e', object: { metadata: { name: 's', namespace: 'shop' } } }],
    };
    await expectStatus(g.call(seedToken, 'POST', `${searchIn(DEV, 'a')}/index`, secret), 422);
    await expectStatus(
      g.call(seedToken, 'POST', `${searchIn(DEV, 'a')}/index`, { ...batch, clear: 'yes' }),
      422,
    );
  });

  it('gardenctl get pods --all-shoots reads the targeted project from the index, as a viewer', async () => {
    const built = await run(
      'npm',
      ['run', 'build', '--silent', '-w', '@gardener-ts/search', '-w', '@gardener-ts/gardenctl'],
      { timeoutMs: 120_000 },
    );
    expect(built.code, built.stderr).toBe(0);
    const kubeconfig = join(root, 'viewer.kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'garden', cluster: { server: g.server.url } }],
        users: [{ name: 'viewer', user: { token: g.tokens['dev-viewer'] } }],
        contexts: [{ name: 'garden', context: { cluster: 'garden', user: 'viewer' } }],
        'current-context': 'garden',
      }),
      { mode: 0o600 },
    );
    const env = {
      ...process.env,
      GCTL_HOME: join(root, 'gctl'),
      GCTL_SESSION_ID: 'search',
      TMPDIR: root,
      NO_COLOR: '1',
    };
    const gctl = (...args: string[]) =>
      run(process.execPath, [join(REPO, 'apps/gardenctl/dist/main.js'), ...args], { env });
    expect((await gctl('config', 'set-garden', 'g', '--kubeconfig', kubeconfig)).code).toBe(0);
    expect((await gctl('target', 'garden', 'g')).code).toBe(0);
    expect((await gctl('target', 'project', 'dev')).code).toBe(0);
    const pods = await gctl('get', 'pods', '--all-shoots', '-n', 'shop');
    expect(pods.stderr).toBe('');
    expect(pods.stdout).toMatch(/^SHOOT\s+NAMESPACE\s+NAME\s+STATUS\s+AGE\n/);
    expect(pods.stdout).toMatch(/\na\s+shop\s+web-1\s+Pending\s+\S+\n/);
    const json = await gctl('get', 'po', '--all-shoots', '-l', 'tier=front', '-o', 'json');
    expect(JSON.parse(json.stdout).items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(
      ['web-1'],
    );
    const noShoot = await gctl('get', 'pods');
    expect(noShoot.code).toBe(1);
    expect(noShoot.stderr).toMatch(/no shoot targeted/);
    const unknown = await gctl('get', 'secrets', '--all-shoots');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no resource "secrets"/);
    const elsewhere = await gctl('get', 'pods', '--all-shoots', '--project', 'other');
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stdout).not.toContain('secret-pod');
  }, 180_000);

  it('a hibernated shoot answers from its last known state, marked as such', async () => {
    await setStatus(DEV, 'a', { hibernated: true });
    await seed.stop(TECHNICAL_ID);
    await sync.sync();
    expect(
      sync.indexerOf(
        (
          (await g.call('admin', 'GET', `${CORE}/namespaces/${DEV}/shoots/a`)).body.metadata as {
            uid: string;
          }
        ).uid,
      ),
    ).toBeUndefined();
    const answer = await expectStatus(
      g.call('dev-viewer', 'GET', `${searchIn(DEV)}/api/v1/namespaces/shop/pods`),
      200,
    );
    const items = answer.body.items as unknown as Array<{
      metadata: { annotations: Record<string, string> };
    }>;
    expect(items.length).toBe(2);
    for (const item of items) {
      expect(item.metadata.annotations['search.gardener.cloud/hibernated']).toBe('true');
      expect(item.metadata.annotations['search.gardener.cloud/last-synced']).toMatch(/^\d{4}-.*Z$/);
    }
    const table = await kubectl(g.tokens['dev-viewer'] ?? '', searchIn(DEV), 'get', 'pods', '-n', 'shop');
    expect(table.stdout).toMatch(/web-1\s+0\/1\s+Pending\s+0\s+\S+\s+a \(hibernated\)/);
  }, 60_000);
});
