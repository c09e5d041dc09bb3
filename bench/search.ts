/**
 * Search across shoots (issue 21, outcome 6): search latency over 100,000 indexed objects through
 * the real garden API as a project viewer (target p99 ≤ 50 ms), and the index lag after a change in
 * a real shoot kube-apiserver until the search answers with it (target p99 ≤ 2 s), with the
 * gardenlet's syncer writing through the API with the seed's credential.
 *
 *   flock /tmp/heavy.lock npm run bench -- bench/search.ts [--objects 100000] [--queries 300] [--changes 50] [--no-lag]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { exampleShoot } from '@gardener-ts/api';
import { GardenClient, HttpTransport } from '@gardener-ts/client';
import { seedRedisUser } from '@gardener-ts/jobs';
import {
  apiIndexWriter,
  emptyBatch,
  type IndexBatch,
  type IndexedResource,
  indexedByKind,
  listJson,
  SearchIndex,
} from '@gardener-ts/search';
import { LocalSeedBackend } from '@gardener-ts/seed';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Agent, fetch } from 'undici';
import {
  AUTH,
  CORE,
  startTenantGarden,
  type TenantGarden,
} from '../apps/gardener-api/src/testing/tenant-garden.js';
import { createSearchSync } from '../apps/gardenlet/src/search-sync.js';
import { removeKeys } from '../test/support/garden.js';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '300' },
    changes: { type: 'string', default: '50' },
    'no-lag': { type: 'boolean', default: false },
  },
});
const OBJECTS = Number(values.objects);
const QUERIES = Number(values.queries);
const CHANGES = Number(values.changes);
const SHOOTS_PER_PROJECT = 10;
const SEARCH = '/apis/search.gardener.cloud/v1alpha1';
const PREFIX = `gts-bench-search-${process.pid}`;

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

function summary(name: string, times: number[], targetMs: number): void {
  const sorted = [...times].sort((a, b) => a - b);
  const p99 = quantile(sorted, 0.99);
  console.log(
    `${name.padEnd(58)} p50 ${fmt(quantile(sorted, 0.5)).padStart(9)}  p99 ${fmt(p99).padStart(9)}  max ${fmt(sorted.at(-1) ?? 0).padStart(9)}  target ${targetMs} ms: ${p99 <= targetMs ? 'met' : 'MISSED'} (${(p99 / targetMs).toFixed(2)}×)`,
  );
}

async function expectOk(answer: Promise<{ status: number; text: string }>, what: string) {
  const settled = await answer;
  if (settled.status >= 300) throw new Error(`${what}: ${settled.status} ${settled.text.slice(0, 300)}`);
  return settled;
}

function shoot(name: string, namespace: string) {
  const s = exampleShoot(name, namespace) as unknown as {
    spec: { seedName?: string; networking: Record<string, unknown>; provider: { workers: unknown[] } };
  };
  delete s.spec.networking.nodes;
  s.spec.seedName = 'local';
  s.spec.provider.workers = [];
  return s;
}

function pod(namespace: string, name: string, app: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      uid: `00000000-0000-4000-8000-${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`,
      labels: { app, 'pod-template-hash': 'abc123' },
      creationTimestamp: '2026-12-01T00:00:00Z',
    },
    spec: {
      containers: [{ name: 'main', image: `registry.example/${app}:1.0`, ports: [{ containerPort: 8080 }] }],
    },
    status: { phase: 'Running', podIP: '10.64.0.1' },
  };
}

/** 100,000 objects: 20 shoots in two projects, 10 namespaces each, 100 apps. */
async function fill(g: TenantGarden): Promise<void> {
  const perShoot = Math.ceil(OBJECTS / (2 * SHOOTS_PER_PROJECT));
  const started = Date.now();
  for (const tenant of ['dev', 'other']) {
    for (let s = 0; s < SHOOTS_PER_PROJECT; s++) {
      const name = `s${s}`;
      await expectOk(
        g.call(
          'admin',
          'POST',
          `${CORE}/namespaces/garden-${tenant}/shoots`,
          shoot(name, `garden-${tenant}`),
        ),
        'create shoot',
      );
      for (let offset = 0; offset < perShoot; offset += 2000) {
        const batch: IndexBatch = emptyBatch();
        for (let i = offset; i < Math.min(perShoot, offset + 2000); i++)
          batch.upserts.push({
            kind: 'Pod',
            epoch: 'e1',
            object: pod(`ns-${i % 10}`, `pod-${i}`, `app-${i % 100}`),
          });
        await expectOk(
          g.call('admin', 'POST', `${SEARCH}/namespaces/garden-${tenant}/shoots/${name}/index`, batch),
          'index batch',
        );
      }
    }
  }
  // what autovacuum does soon after a bulk load; measured is the steady state, not the first minute
  const pool = new pg.Pool({ connectionString: g.databaseUrl, max: 1 });
  await pool.query('ANALYZE search_objects');
  await pool.end();
  console.log(
    `indexed ${perShoot * 2 * SHOOTS_PER_PROJECT} pods in ${2 * SHOOTS_PER_PROJECT} shoots of 2 projects in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

async function timeQueries(
  g: TenantGarden,
  path: (i: number) => string,
  accept = 'application/json',
): Promise<number[]> {
  const agent = new Agent({ connections: 1 });
  const token = g.tokens['dev-viewer'] ?? '';
  const times: number[] = [];
  for (let i = 0; i < QUERIES + 20; i++) {
    const started = performance.now();
    const response = await fetch(`${g.server.url}${path(i)}`, {
      dispatcher: agent,
      headers: { authorization: `Bearer ${token}`, accept },
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${path(i)}: ${response.status}`);
    if (i >= 20) times.push(performance.now() - started); // the first 20 warm up
  }
  await agent.close();
  return times;
}

async function searchLatency(g: TenantGarden): Promise<void> {
  const all = `${SEARCH}/namespaces/garden-dev/shoots/*`;
  const page = await fetch(`${g.server.url}${all}/api/v1/pods?limit=500`, {
    headers: { authorization: `Bearer ${g.tokens['dev-viewer']}` },
  });
  const token = ((await page.json()) as { metadata: { continue: string } }).metadata.continue;
  console.log(
    `\nsearch as a project viewer over HTTP, ${QUERIES} sequential queries each (the project's 10 shoots hold half the objects):`,
  );
  summary(
    'all shoots, pods, limit=500 (first page)',
    await timeQueries(g, () => `${all}/api/v1/pods?limit=500`),
    50,
  );
  summary(
    'all shoots, pods, limit=500, as kubectl Table',
    await timeQueries(
      g,
      () => `${all}/api/v1/pods?limit=500`,
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    ),
    50,
  );
  summary(
    'all shoots, next page (continue)',
    await timeQueries(g, () => `${all}/api/v1/pods?limit=500&continue=${token}`),
    50,
  );
  summary(
    'all shoots, labelSelector app=app-N (500 of 50,000)',
    await timeQueries(g, (i) => `${all}/api/v1/pods?labelSelector=app%3Dapp-${i % 100}`),
    50,
  );
  summary(
    'all shoots, fieldSelector metadata.name=pod-N',
    await timeQueries(g, (i) => `${all}/api/v1/pods?fieldSelector=metadata.name%3Dpod-${i * 7}`),
    50,
  );
  summary(
    'one shoot, one namespace, limit=100',
    await timeQueries(
      g,
      (i) =>
        `${SEARCH}/namespaces/garden-dev/shoots/s${i % 10}/api/v1/namespaces/ns-${i % 10}/pods?limit=100`,
    ),
    50,
  );
  summary(
    'all shoots, label !exists (no match, full filter)',
    await timeQueries(g, () => `${all}/api/v1/pods?labelSelector=nothere&limit=500`),
    50,
  );
}

/** The index alone (libs/search on the same database, no HTTP, no authorization): its share of the above. */
async function indexLatency(g: TenantGarden): Promise<void> {
  const pool = new pg.Pool({ connectionString: g.databaseUrl, max: 1 });
  const index = new SearchIndex(pool);
  const listed = await g.call('admin', 'GET', `${CORE}/namespaces/garden-dev/shoots`);
  const shoots = ((listed.body.items ?? []) as Array<{ metadata: { uid: string; name: string } }>).map(
    (s) => ({
      uid: s.metadata.uid,
      namespace: 'garden-dev',
      name: s.metadata.name,
      hibernated: false,
    }),
  );
  const resource = indexedByKind('Pod') as IndexedResource;
  const time = async (query: (i: number) => Parameters<SearchIndex['queryJson']>[0]) => {
    const times: number[] = [];
    for (let i = 0; i < QUERIES + 20; i++) {
      const started = performance.now();
      listJson(resource, await index.queryJson(query(i)));
      if (i >= 20) times.push(performance.now() - started);
    }
    return times;
  };
  console.log('\nthe index alone (SearchIndex.queryJson + listJson on one connection, no HTTP):');
  summary('all shoots, pods, limit=500', await time(() => ({ resource, shoots, limit: 500 })), 50);
  summary(
    'all shoots, labelSelector app=app-N',
    await time((i) => ({ resource, shoots, labels: [{ key: 'app', op: 'in', values: [`app-${i % 100}`] }] })),
    50,
  );
  await pool.end();
}

/** Changes in a real shoot kube-apiserver until the search shows them. */
async function indexLag(g: TenantGarden, root: string): Promise<void> {
  const technicalId = 'shoot--dev--lag';
  await expectOk(
    g.call('admin', 'POST', `${CORE}/namespaces/garden-dev/shoots`, shoot('lag', 'garden-dev')),
    'create shoot',
  );
  const current = (await expectOk(g.call('admin', 'GET', `${CORE}/namespaces/garden-dev/shoots/lag`), 'get'))
    .text;
  const object = JSON.parse(current);
  await expectOk(
    g.call('admin', 'PUT', `${CORE}/namespaces/garden-dev/shoots/lag/status`, {
      ...object,
      status: { ...object.status, technicalID: technicalId },
    }),
    'status',
  );
  const bootstrap = await expectOk(
    g.call('admin', 'POST', `${AUTH}/seedbootstraptokens`, { spec: { seedName: 'local' } }),
    'bootstrap',
  );
  const credential = await expectOk(
    g.call(JSON.parse(bootstrap.text).status.token, 'POST', `${AUTH}/seedcredentials`, {}),
    'credential',
  );
  const seedToken = JSON.parse(credential.text).status.token as string;
  const seed = new LocalSeedBackend({ root: join(root, 'seed') });
  try {
    await seed.deploy({ id: technicalId, listenAddress: '127.0.0.1', serviceCidr: '10.96.0.0/12' });
    await seed.waitReady(technicalId, { timeoutMs: 120_000 });
    const transport = new HttpTransport({ server: g.server.url, token: seedToken });
    const sync = createSearchSync({
      client: new GardenClient(transport),
      seed,
      seedName: 'local',
      write: apiIndexWriter((method, path, body) => transport.request(method, path, body)),
    });
    // the bench's own client of the shoot: the same kind of certificate the syncer holds
    const endpoint = await seed.endpoint(technicalId);
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromString((await seed.issueKubeconfig(technicalId, { role: 'admin', user: 'bench' })).kubeconfig);
    const user = kc.getCurrentUser();
    const shootAgent = new Agent({
      connect: {
        ca: endpoint.caPem,
        cert: Buffer.from(user?.certData ?? '', 'base64').toString(),
        key: Buffer.from(user?.keyData ?? '', 'base64').toString(),
      },
    });
    const shootApi = (method: string, path: string, body?: unknown, type = 'application/json') =>
      fetch(`${endpoint.url}${path}`, {
        method,
        dispatcher: shootAgent,
        headers: { 'content-type': type },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    // the controller manager makes the namespace's default service account, which pods need
    for (let tries = 0; ; tries++) {
      const created = await shootApi('POST', '/api/v1/namespaces/default/pods', {
        metadata: { name: 'lag', labels: { round: '0' } },
        spec: { containers: [{ name: 'c', image: 'registry.example/x:1' }] },
      });
      if (created.ok) break;
      if (tries > 100) throw new Error(`creating the pod: ${created.status} ${await created.text()}`);
      await sleep(200);
    }
    await sync.sync();
    const viewer = new Agent({ connections: 1 });
    const seen = async (round: number) => {
      const response = await fetch(
        `${g.server.url}${SEARCH}/namespaces/garden-dev/shoots/lag/api/v1/namespaces/default/pods?labelSelector=round%3D${round}`,
        { dispatcher: viewer, headers: { authorization: `Bearer ${g.tokens['dev-viewer']}` } },
      );
      return ((await response.json()) as { items: unknown[] }).items.length === 1;
    };
    const deadline = (ms: number) => {
      const end = Date.now() + ms;
      return () => {
        if (Date.now() > end) throw new Error('the change did not reach the search in time');
      };
    };
    for (const check = deadline(60_000); !(await seen(0)); check()) await sleep(20);
    const lags: number[] = [];
    for (let round = 1; round <= CHANGES; round++) {
      const started = performance.now();
      const patched = await shootApi(
        'PATCH',
        '/api/v1/namespaces/default/pods/lag',
        { metadata: { labels: { round: String(round) } } },
        'application/merge-patch+json',
      );
      if (!patched.ok) throw new Error(`patch: ${patched.status}`);
      for (const check = deadline(30_000); !(await seen(round)); check()) await sleep(5);
      lags.push(performance.now() - started);
      await sleep(100 + Math.random() * 200);
    }
    console.log(
      `\nindex lag: a label changed in the shoot's kube-apiserver → the search answers with it (${CHANGES} changes, polled every 5 ms):`,
    );
    summary('lag (watch → syncer batch → garden API → PostgreSQL → search)', lags, 2000);
    await sync.close();
    await viewer.close();
    await shootAgent.close();
  } finally {
    await seed.destroy(technicalId).catch(() => undefined);
  }
}

const root = mkdtempSync(join(tmpdir(), 'gts-bench-search-'));
const g = await startTenantGarden('benchsearch', { GARDENER_QUEUE_PREFIX: PREFIX, LOG_LEVEL: 'warn' });
try {
  await fill(g);
  await searchLatency(g);
  await indexLatency(g);
  if (!values['no-lag']) await indexLag(g, root);
} finally {
  const redis = new Redis();
  await redis.call('ACL', 'DELUSER', seedRedisUser(PREFIX, 'local')).catch(() => undefined);
  await removeKeys(redis, `${PREFIX}:*`);
  redis.disconnect();
  await g.stop();
  rmSync(root, { recursive: true, force: true });
}
