import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiError,
  ApiErrorCode,
  exampleCloudProfile,
  exampleProject,
  exampleSeed,
  exampleShoot,
  type KubeObject,
  requireResourceByKind,
} from '@gardener-ts/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretCipher } from './cipher.js';
import { StoreError, StoreErrorCode } from './errors.js';
import { migrate } from './migrations.js';
import { ResourceService, type WatchEvent } from './resource-service.js';
import { openStore, type Store } from './store.js';
import { createTestDatabase } from './testing.js';

const SHOOT = requireResourceByKind('Shoot');
const SECRET = requireResourceByKind('Secret');
const CONFIGMAP = requireResourceByKind('ConfigMap');

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let store: Store;
let service: ResourceService;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'gts-store-'));
  store = await openStore({ databaseUrl: db.url, keyFile: join(dir, 'keys', 'secrets.key') });
  service = new ResourceService(store.repository, store.watches);
  await service.create(requireResourceByKind('CloudProfile'), undefined, exampleCloudProfile());
  await service.create(requireResourceByKind('Seed'), undefined, exampleSeed());
  for (const project of ['dev', 'sel', 'sel2', 'watch', 'other', 'resume', 'expire']) {
    await service.create(requireResourceByKind('Project'), undefined, exampleProject(project));
  }
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<ApiError | StoreError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError || error instanceof StoreError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

function configMap(
  name: string,
  data: Record<string, string> = { a: '1' },
  labels?: Record<string, string>,
): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data };
}

describe('set-up', () => {
  it('migrates once and keeps the key file private', async () => {
    expect(await migrate(store.pool)).toEqual([]);
    expect(statSync(join(dir, 'keys', 'secrets.key')).mode & 0o777).toBe(0o600);
    const open = join(dir, 'open.key');
    writeFileSync(open, `${Buffer.alloc(32, 1).toString('base64')}\n`, { mode: 0o644 });
    expect(() => SecretCipher.fromKeyFile(open)).toThrow(/must be 0600/);
  });
});

describe('CRUD for every kind', () => {
  const objects: Array<[string, string | undefined, KubeObject]> = [
    ['CloudProfile', undefined, { ...exampleCloudProfile(), metadata: { name: 'other' } } as KubeObject],
    ['Seed', undefined, { ...exampleSeed(), metadata: { name: 'seed-2' } } as KubeObject],
    ['Project', undefined, exampleProject('ops') as KubeObject],
    [
      'SecretBinding',
      'garden-dev',
      {
        apiVersion: 'core.gardener.cloud/v1beta1',
        kind: 'SecretBinding',
        metadata: { name: 'sb' },
        secretRef: { name: 'creds' },
        provider: { type: 'local' },
      },
    ],
    [
      'CredentialsBinding',
      'garden-dev',
      {
        apiVersion: 'security.gardener.cloud/v1alpha1',
        kind: 'CredentialsBinding',
        metadata: { name: 'cb' },
        credentialsRef: { apiVersion: 'v1', kind: 'Secret', name: 'creds', namespace: 'garden-dev' },
        provider: { type: 'local' },
      },
    ],
    ['Shoot', 'garden-dev', exampleShoot('crud') as KubeObject],
    [
      'Secret',
      'garden-dev',
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { token: 'abc' } },
    ],
    ['ConfigMap', 'garden-dev', configMap('crud')],
  ];

  it.each(objects)('%s: create, get, list, update, delete', async (kind, namespace, body) => {
    const type = requireResourceByKind(kind);
    const name = body.metadata.name ?? '';
    const created = await service.create(type, namespace, body);
    expect(created.metadata).toMatchObject({ name, generation: 1 });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(await service.get(type, namespace, name)).toEqual(created);
    const list = await service.list(type, namespace, {});
    expect(list.kind).toBe(`${kind}List`);
    expect(list.items.map((i) => i.metadata.name)).toContain(name);

    const changed = structuredClone(created);
    changed.metadata.labels = { touched: 'yes' };
    const updated = await service.update(type, namespace, name, changed);
    expect(BigInt(updated.metadata.resourceVersion ?? 0)).toBeGreaterThan(
      BigInt(created.metadata.resourceVersion ?? 0),
    );
    expect(updated.metadata.generation).toBe(1);

    const annotations = type.confirmDeletion ? { 'confirmation.gardener.cloud/deletion': 'true' } : {};
    await service.patch(type, namespace, name, 'merge', { metadata: { annotations } });
    const deleted = await service.delete(type, namespace, name);
    if (kind === 'Project') {
      // held by its finalizer until the project controller (libs/garden-controllers) has emptied it
      expect(deleted.metadata).toMatchObject({
        finalizers: ['gardener'],
        deletionTimestamp: expect.any(String),
      });
      await service.patch(type, namespace, name, 'merge', { metadata: { finalizers: null } });
    }
    expect((await rejection(service.get(type, namespace, name))).code).toBe(ApiErrorCode.NotFound);
  });

  it('refuses a second object of the same name', async () => {
    await service.create(CONFIGMAP, 'garden-dev', configMap('twice'));
    expect((await rejection(service.create(CONFIGMAP, 'garden-dev', configMap('twice')))).code).toBe(
      ApiErrorCode.AlreadyExists,
    );
  });
});

describe('namespaces', () => {
  it('keeps namespaced objects to project namespaces and the garden namespace', async () => {
    const error = await rejection(service.create(CONFIGMAP, 'garden-nobody', configMap('lost')));
    expect(error.code).toBe(ApiErrorCode.NotFound);
    expect(error.message).toBe('namespaces "garden-nobody" not found');
    await service.create(CONFIGMAP, 'garden', configMap('gardens-own'));
    const namespaces = await service.listNamespaces();
    expect(namespaces.items.map((n) => n.metadata.name)).toEqual(
      expect.arrayContaining(['garden', 'garden-dev', 'garden-sel']),
    );
    expect((await service.getNamespace('garden-dev')).metadata.labels).toMatchObject({
      'project.gardener.cloud/name': 'dev',
    });
  });

  it('refuses a second project claiming a namespace', async () => {
    const project = exampleProject('thief');
    project.spec.namespace = 'garden-dev';
    expect((await rejection(service.create(requireResourceByKind('Project'), undefined, project))).code).toBe(
      ApiErrorCode.Invalid,
    );
  });
});

describe('versions and generation', () => {
  it('bumps generation on spec changes only, never on metadata or status', async () => {
    const shoot = await service.create(SHOOT, 'garden-dev', exampleShoot('gen'));
    expect(shoot.metadata.generation).toBe(1);
    expect(shoot.status).toEqual({ technicalID: 'shoot--dev--gen' });
    const labelled = await service.patch(SHOOT, 'garden-dev', 'gen', 'merge', {
      metadata: { labels: { a: 'b' } },
    });
    expect(labelled.metadata.generation).toBe(1);
    const statusOnMain = await service.patch(SHOOT, 'garden-dev', 'gen', 'merge', {
      status: { hibernated: true },
    });
    expect(statusOnMain.status).toEqual({ technicalID: 'shoot--dev--gen' });
    const status = await service.patch(
      SHOOT,
      'garden-dev',
      'gen',
      'merge',
      { status: { observedGeneration: 1 }, spec: { purpose: 'testing' } },
      { subresource: 'status' },
    );
    expect(status.metadata.generation).toBe(1);
    expect((status as unknown as { spec: { purpose: string } }).spec.purpose).toBe('evaluation');
    expect(status.status).toMatchObject({ observedGeneration: 1 });
    const spec = await service.patch(SHOOT, 'garden-dev', 'gen', 'merge', { spec: { purpose: 'testing' } });
    expect(spec.metadata.generation).toBe(2);
  });

  it('refuses a stale write with Conflict and changes nothing', async () => {
    const first = await service.create(CONFIGMAP, 'garden-dev', configMap('stale'));
    await service.update(CONFIGMAP, 'garden-dev', 'stale', { ...first, data: { a: '2' } });
    const error = await rejection(
      service.update(CONFIGMAP, 'garden-dev', 'stale', { ...first, data: { a: '3' } }),
    );
    expect(error.code).toBe(StoreErrorCode.Conflict);
    expect((await service.get(CONFIGMAP, 'garden-dev', 'stale')).data).toEqual({ a: '2' });
  });

  it('lets exactly one of N writers from the same version win; the losers get Conflict', async () => {
    const base = await service.create(CONFIGMAP, 'garden-dev', configMap('race'));
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        service.update(CONFIGMAP, 'garden-dev', 'race', { ...base, data: { writer: String(i) } }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(
      lost.every((r) => r.reason instanceof StoreError && r.reason.code === StoreErrorCode.Conflict),
    ).toBe(true);
  });

  it('loses no update when N writers retry read-modify-write', async () => {
    await service.create(CONFIGMAP, 'garden-dev', configMap('counter', { n: '0' }));
    let conflicts = 0;
    const increment = async () => {
      for (;;) {
        const current = await service.get(CONFIGMAP, 'garden-dev', 'counter');
        const n = Number((current.data as Record<string, string>).n) + 1;
        try {
          return await service.update(CONFIGMAP, 'garden-dev', 'counter', {
            ...current,
            data: { n: String(n) },
          });
        } catch (error) {
          if (!(error instanceof StoreError && error.code === StoreErrorCode.Conflict)) throw error;
          conflicts++;
        }
      }
    };
    await Promise.all(Array.from({ length: 10 }, increment));
    expect((await service.get(CONFIGMAP, 'garden-dev', 'counter')).data).toEqual({ n: '10' });
    expect(conflicts).toBeGreaterThan(0);
  });

  it('retries server-side patches that name no version, so concurrent patches all land', async () => {
    await service.create(CONFIGMAP, 'garden-dev', configMap('patched', {}));
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        service.patch(CONFIGMAP, 'garden-dev', 'patched', 'merge', { data: { [`k${i}`]: 'v' } }),
      ),
    );
    expect(Object.keys((await service.get(CONFIGMAP, 'garden-dev', 'patched')).data as object)).toHaveLength(
      10,
    );
  });
});

describe('deletion', () => {
  it('keeps an object with finalizers until the last one is removed', async () => {
    await service.create(CONFIGMAP, 'garden-dev', {
      ...configMap('fin'),
      metadata: { name: 'fin', finalizers: ['gardener.cloud/test'] },
    });
    const marked = await service.delete(CONFIGMAP, 'garden-dev', 'fin');
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    const stillThere = await service.get(CONFIGMAP, 'garden-dev', 'fin');
    expect(stillThere.metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);
    const adding = await rejection(
      service.patch(CONFIGMAP, 'garden-dev', 'fin', 'merge', {
        metadata: { finalizers: ['gardener.cloud/test', 'x/y'] },
      }),
    );
    expect(adding.code).toBe(ApiErrorCode.Invalid);
    await service.patch(CONFIGMAP, 'garden-dev', 'fin', 'json', [
      { op: 'remove', path: '/metadata/finalizers' },
    ]);
    expect((await rejection(service.get(CONFIGMAP, 'garden-dev', 'fin'))).code).toBe(ApiErrorCode.NotFound);
  });

  it('checks delete preconditions', async () => {
    const cm = await service.create(CONFIGMAP, 'garden-dev', configMap('pre'));
    expect(
      (await rejection(service.delete(CONFIGMAP, 'garden-dev', 'pre', { preconditions: { uid: 'other' } })))
        .code,
    ).toBe(StoreErrorCode.Conflict);
    expect(
      (
        await rejection(
          service.delete(CONFIGMAP, 'garden-dev', 'pre', { preconditions: { resourceVersion: '1' } }),
        )
      ).code,
    ).toBe(StoreErrorCode.Conflict);
    await service.delete(CONFIGMAP, 'garden-dev', 'pre', {
      preconditions: { uid: cm.metadata.uid ?? '', resourceVersion: cm.metadata.resourceVersion ?? '' },
    });
  });

  it('refuses to delete a shoot without the confirmation annotation', async () => {
    await service.create(SHOOT, 'garden-dev', exampleShoot('keep'));
    const error = await rejection(service.delete(SHOOT, 'garden-dev', 'keep'));
    expect(error.code).toBe(ApiErrorCode.Forbidden);
    expect(error.message).toContain('confirmation.gardener.cloud/deletion');
    await service.get(SHOOT, 'garden-dev', 'keep');
  });
});

describe('dry run', () => {
  it('validates and defaults but stores nothing', async () => {
    const shoot = exampleShoot('dry');
    shoot.spec.kubernetes.version = '1.34';
    const result = await service.create(SHOOT, 'garden-dev', shoot, { dryRun: true });
    expect((result as unknown as { spec: { kubernetes: { version: string } } }).spec.kubernetes.version).toBe(
      '1.34.1',
    );
    expect((await rejection(service.get(SHOOT, 'garden-dev', 'dry'))).code).toBe(ApiErrorCode.NotFound);
    const before = await store.repository.currentResourceVersion();
    await service.create(CONFIGMAP, 'garden-dev', configMap('dry'), { dryRun: true });
    expect(await store.repository.currentResourceVersion()).toBe(before);
  });
});

describe('selectors and pagination', () => {
  beforeAll(async () => {
    for (let i = 0; i < 7; i++) {
      await service.create(
        CONFIGMAP,
        'garden-sel',
        configMap(
          `sel-${i}`,
          { i: String(i) },
          { parity: i % 2 ? 'odd' : 'even', ...(i === 0 ? { first: 'yes' } : {}) },
        ),
      );
    }
    await service.create(CONFIGMAP, 'garden-sel2', configMap('sel-0', {}, { parity: 'even' }));
  });

  const names = (list: { items: KubeObject[] }) =>
    list.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`);

  it('selects by labels', async () => {
    expect(names(await service.list(CONFIGMAP, 'garden-sel', { labelSelector: 'parity=odd' }))).toEqual([
      'garden-sel/sel-1',
      'garden-sel/sel-3',
      'garden-sel/sel-5',
    ]);
    expect(
      names(await service.list(CONFIGMAP, 'garden-sel', { labelSelector: 'parity in (even),!first' })),
    ).toEqual(['garden-sel/sel-2', 'garden-sel/sel-4', 'garden-sel/sel-6']);
    expect(names(await service.list(CONFIGMAP, 'garden-sel', { labelSelector: 'first' }))).toEqual([
      'garden-sel/sel-0',
    ]);
  });

  it('selects by metadata.name and metadata.namespace across namespaces', async () => {
    expect(names(await service.list(CONFIGMAP, undefined, { fieldSelector: 'metadata.name=sel-0' }))).toEqual(
      ['garden-sel/sel-0', 'garden-sel2/sel-0'],
    );
    expect(
      names(
        await service.list(CONFIGMAP, undefined, {
          fieldSelector: 'metadata.name=sel-0,metadata.namespace!=garden-sel',
        }),
      ),
    ).toEqual(['garden-sel2/sel-0']);
    expect((await rejection(service.list(CONFIGMAP, undefined, { fieldSelector: 'data.i=1' }))).code).toBe(
      ApiErrorCode.BadRequest,
    );
  });

  it('pages with limit and continue, every object exactly once', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await service.list(CONFIGMAP, 'garden-sel', { limit: 3, continue: token });
      seen.push(...names(page));
      token = page.metadata.continue;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `garden-sel/sel-${i}`));
    expect(
      (await rejection(service.list(CONFIGMAP, 'garden-sel', { limit: 3, continue: 'garbage' }))).code,
    ).toBe(StoreErrorCode.InvalidContinue);
  });
});

describe('watch', () => {
  function collect(): { events: WatchEvent[]; until(n: number): Promise<void> } {
    const events: WatchEvent[] = [];
    return {
      events,
      async until(n) {
        for (let i = 0; i < 200 && events.length < n; i++) await sleep(20);
        expect(events.length).toBeGreaterThanOrEqual(n);
      },
    };
  }

  it('streams live changes in order, filtered by namespace and labels', async () => {
    const sink = collect();
    const handle = await service.watch(
      CONFIGMAP,
      'garden-watch',
      { resourceVersion: String(await store.repository.currentResourceVersion()), labelSelector: 'w=1' },
      (e) => sink.events.push(e),
      () => undefined,
    );
    await service.create(CONFIGMAP, 'garden-other', configMap('w1', {}, { w: '1' }));
    await service.create(CONFIGMAP, 'garden-watch', configMap('w2', {}, { w: '2' }));
    await service.create(CONFIGMAP, 'garden-watch', configMap('w1', {}, { w: '1' }));
    await service.patch(CONFIGMAP, 'garden-watch', 'w1', 'merge', { data: { x: 'y' } });
    await service.delete(CONFIGMAP, 'garden-watch', 'w1');
    await sink.until(3);
    handle.close();
    expect(sink.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED w1',
      'MODIFIED w1',
      'DELETED w1',
    ]);
    const versions = sink.events.map((e) => BigInt(e.object.metadata.resourceVersion ?? 0));
    expect([...versions].sort((a, b) => (a < b ? -1 : 1))).toEqual(versions);
  });

  it('shows objects entering a selection as ADDED and leaving it as DELETED', async () => {
    const sink = collect();
    const from = String(await store.repository.currentResourceVersion());
    await service.create(CONFIGMAP, 'garden-watch', configMap('moving', {}, { w: '0' }));
    const handle = await service.watch(
      CONFIGMAP,
      'garden-watch',
      { resourceVersion: from, labelSelector: 'w=1' },
      (e) => sink.events.push(e),
      () => undefined,
    );
    const relabel = (w: string) =>
      service.patch(CONFIGMAP, 'garden-watch', 'moving', 'merge', { metadata: { labels: { w } } });
    await relabel('1');
    await service.patch(CONFIGMAP, 'garden-watch', 'moving', 'merge', { data: { x: '1' } });
    await relabel('2');
    await relabel('3');
    await relabel('1');
    await sink.until(4);
    handle.close();
    expect(sink.events.map((e) => `${e.type} ${e.object.metadata.labels?.w}`)).toEqual([
      'ADDED 1',
      'MODIFIED 1',
      'DELETED 2',
      'ADDED 1',
    ]);
  });

  it('resumes from a resourceVersion, replaying what happened since', async () => {
    const from = await store.repository.currentResourceVersion();
    await service.create(CONFIGMAP, 'garden-resume', configMap('r1'));
    await service.create(CONFIGMAP, 'garden-resume', configMap('r2'));
    const sink = collect();
    const handle = await service.watch(
      CONFIGMAP,
      'garden-resume',
      { resourceVersion: String(from) },
      (e) => sink.events.push(e),
      () => undefined,
    );
    await service.create(CONFIGMAP, 'garden-resume', configMap('r3'));
    await sink.until(3);
    handle.close();
    expect(sink.events.map((e) => e.object.metadata.name)).toEqual(['r1', 'r2', 'r3']);
  });

  it('starts with the current objects when no resourceVersion is given', async () => {
    const sink = collect();
    const handle = await service.watch(
      CONFIGMAP,
      'garden-resume',
      {},
      (e) => sink.events.push(e),
      () => undefined,
    );
    await sink.until(3);
    handle.close();
    expect(sink.events.every((e) => e.type === 'ADDED')).toBe(true);
  });

  it('answers Expired for a resourceVersion older than the retained history', async () => {
    const old = await store.repository.currentResourceVersion();
    await service.create(CONFIGMAP, 'garden-expire', configMap('e1'));
    await store.repository.compact(new Date(Date.now() + 1000));
    const error = await rejection(
      service.watch(
        CONFIGMAP,
        'garden-expire',
        { resourceVersion: String(old - 1n) },
        () => undefined,
        () => undefined,
      ),
    );
    expect(error.code).toBe(StoreErrorCode.Expired);
    const now = await store.repository.currentResourceVersion();
    (
      await service.watch(
        CONFIGMAP,
        'garden-expire',
        { resourceVersion: String(now) },
        () => undefined,
        () => undefined,
      )
    ).close();
  });
});

describe('secrets at rest', () => {
  it('keeps secret data encrypted in the objects and events tables and decrypts it on read', async () => {
    const plaintext = 'super-secret-token-4711';
    await service.create(SECRET, 'garden-dev', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'cloud' },
      stringData: { token: plaintext },
    });
    await service.patch(SECRET, 'garden-dev', 'cloud', 'strategic', {
      data: { other: Buffer.from(plaintext).toString('base64') },
    });
    const secret = await service.get(SECRET, 'garden-dev', 'cloud');
    expect(Buffer.from((secret.data as Record<string, string>).token ?? '', 'base64').toString()).toBe(
      plaintext,
    );
    expect(secret.stringData).toBeUndefined();
    const base64 = Buffer.from(plaintext).toString('base64');
    for (const table of ['objects', 'events']) {
      // every column of every row, bytea as hex
      const { rows } = await store.pool.query(`SELECT t::text AS raw FROM ${table} t WHERE kind = 'Secret'`);
      expect(rows.length).toBeGreaterThan(0);
      for (const { raw } of rows) {
        expect(raw).not.toContain(plaintext);
        expect(raw).not.toContain(base64);
        expect(raw).not.toContain(Buffer.from(plaintext).toString('hex'));
        expect(raw).not.toContain('token');
      }
    }
  });
});

describe('node network allocation', () => {
  it('allocates when the scheduler binds a shoot to a seed, and keeps the network afterwards', async () => {
    const shoot = exampleShoot('later');
    shoot.spec.networking = {};
    const created = await service.create(SHOOT, 'garden-dev', shoot);
    expect(
      (created as unknown as { spec: { networking: { nodes?: string } } }).spec.networking.nodes,
    ).toBeUndefined();
    const bound = await service.patch(SHOOT, 'garden-dev', 'later', 'merge', { spec: { seedName: 'local' } });
    const nodes = (bound as unknown as { spec: { networking: { nodes: string } } }).spec.networking.nodes;
    expect(nodes).toMatch(/^10\.10\.\d+\.0\/24$/);
    const listed = await service.list(SHOOT, 'garden-dev', {
      fieldSelector: 'spec.seedName=local,metadata.name=later',
    });
    expect(listed.items).toHaveLength(1);
    const moved = await rejection(
      service.patch(SHOOT, 'garden-dev', 'later', 'merge', {
        spec: { networking: { nodes: '10.10.200.0/24' } },
      }),
    );
    expect(moved.code).toBe(ApiErrorCode.Invalid);
  });

  it('gives concurrently created shoots on one seed distinct node networks', async () => {
    const shoots = await Promise.all(
      Array.from({ length: 6 }, (_, i) => {
        const shoot = exampleShoot(`net-${i}`);
        shoot.spec.seedName = 'local';
        shoot.spec.networking = {};
        return service.create(SHOOT, 'garden-dev', shoot);
      }),
    );
    const nodes = shoots.map(
      (s) => (s as unknown as { spec: { networking: { nodes: string } } }).spec.networking.nodes,
    );
    expect(new Set(nodes).size).toBe(6);
    for (const cidr of nodes) expect(cidr).toMatch(/^10\.10\.\d+\.0\/24$/);
  });

  it('tells admission the node networks of the other shoots on a seed, and only those', async () => {
    const onSeed = await service.list(SHOOT, undefined, { fieldSelector: 'spec.seedName=local' });
    const networks = (items: readonly KubeObject[]) =>
      items.map((s) => (s as unknown as { spec: { networking: { nodes?: string } } }).spec.networking.nodes);
    const others = await service.lookups.shootsOnSeed('local', { namespace: 'garden-dev', name: 'net-0' });
    const expected = networks(onSeed.items.filter((s) => s.metadata.name !== 'net-0'));
    expect(others.map((s) => s.nodes).sort()).toEqual(expected.sort());
    expect(others.length).toBe(onSeed.items.length - 1);
    expect(await service.lookups.shootsOnSeed('nowhere', { namespace: '', name: '' })).toEqual([]);
  });
});
