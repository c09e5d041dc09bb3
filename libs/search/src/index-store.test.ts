import { randomUUID } from 'node:crypto';
import { parseLabelSelector } from '@gardener-ts/api';
import { createTestDatabase, migrate } from '@gardener-ts/store';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyBatch, type IndexBatch, parseIndexBatch } from './batch.js';
import { SearchError } from './errors.js';
import { SearchIndex, type SearchShoot } from './index-store.js';
import { type IndexedResource, indexedByKind, SHOOT_ANNOTATION } from './resources.js';
import { listJson, listOf, tableOf } from './view.js';

const POD = indexedByKind('Pod') as IndexedResource;
const NAMESPACE = indexedByKind('Namespace') as IndexedResource;

const pod = (namespace: string, name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { containers: [{ name: 'c', image: 'i' }] },
  status: { phase: 'Pending' },
});

const shoot = (namespace: string, name: string, hibernated = false): SearchShoot => ({
  uid: randomUUID(),
  namespace,
  name,
  hibernated,
});

function upserts(epoch: string, ...objects: ReturnType<typeof pod>[]): IndexBatch {
  return { ...emptyBatch(), upserts: objects.map((object) => ({ kind: 'Pod', epoch, object })) };
}

describe('the search index (PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  let index: SearchIndex;
  const a = shoot('garden-a', 'one');
  const b = shoot('garden-a', 'two', true);
  const other = shoot('garden-b', 'one');

  beforeAll(async () => {
    database = await createTestDatabase('gardener_ts_search');
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
    await migrate(pool);
    index = new SearchIndex(pool);
    await index.apply(
      a,
      upserts('e1', pod('default', 'web-1', { app: 'web' }), pod('kube-system', 'dns', { app: 'dns' })),
    );
    await index.apply(b, upserts('e1', pod('default', 'web-1', { app: 'web', tier: 'front' })));
    await index.apply(other, upserts('e1', pod('default', 'secret-web', { app: 'web' })));
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  const names = async (query: Partial<Parameters<SearchIndex['query']>[0]>) =>
    (await index.query({ resource: POD, shoots: [a, b], ...query })).rows.map(
      (r) =>
        `${r.shoot.name}/${(r.object.metadata as { namespace: string }).namespace}/${(r.object.metadata as { name: string }).name}`,
    );

  it('reads only the shoots it is given, in a stable order', async () => {
    expect(await names({})).toEqual(['one/default/web-1', 'one/kube-system/dns', 'two/default/web-1']);
    expect(await names({ shoots: [other] })).toEqual(['one/default/secret-web']);
    expect(await names({ shoots: [] })).toEqual([]);
  });

  it('selects by labels, fields and namespace', async () => {
    expect(await names({ labels: parseLabelSelector('app=web') })).toEqual([
      'one/default/web-1',
      'two/default/web-1',
    ]);
    expect(await names({ labels: parseLabelSelector('tier') })).toEqual(['two/default/web-1']);
    expect(await names({ labels: parseLabelSelector('!tier,app in (web,dns)') })).toEqual([
      'one/default/web-1',
      'one/kube-system/dns',
    ]);
    expect(await names({ labels: parseLabelSelector('app!=web') })).toEqual(['one/kube-system/dns']);
    expect(await names({ fields: [{ field: 'metadata.name', op: 'eq', value: 'dns' }] })).toEqual([
      'one/kube-system/dns',
    ]);
    expect(await names({ fields: [{ field: 'metadata.namespace', op: 'neq', value: 'default' }] })).toEqual([
      'one/kube-system/dns',
    ]);
    expect(await names({ namespace: 'default' })).toEqual(['one/default/web-1', 'two/default/web-1']);
    // a selector that is no selector is refused by the parser; values are data, never SQL
    expect(() => parseLabelSelector("app=x') OR true OR ('")).toThrow(/unable to parse/);
    expect(await names({ labels: [{ key: "a') OR true --", op: 'exists' }] })).toEqual([]);
    expect(await names({ fields: [{ field: 'metadata.name', op: 'eq', value: "' OR '1'='1" }] })).toEqual([]);
  });

  it('pages with limit and continue; a forged token is refused', async () => {
    const first = await index.query({ resource: POD, shoots: [a, b], limit: 2 });
    expect(first.rows).toHaveLength(2);
    expect(first.continue).toBeTruthy();
    const second = await index.query({ resource: POD, shoots: [a, b], limit: 2, continue: first.continue });
    expect(second.rows.map((r) => r.shoot.name)).toEqual(['two']);
    expect(second.continue).toBeUndefined();
    // a token only says where to go on: the shoots read are still the caller's
    const elsewhere = await index.query({
      resource: POD,
      shoots: [other],
      limit: 2,
      continue: first.continue,
    });
    expect(elsewhere.rows.map((r) => r.shoot)).toEqual([other]);
    await expect(index.query({ resource: POD, shoots: [a], continue: 'not-a-token' })).rejects.toBeInstanceOf(
      SearchError,
    );
    const forged = Buffer.from(JSON.stringify({ v: 1, k: [1, 2, 3, 4] })).toString('base64url');
    await expect(index.query({ resource: POD, shoots: [a], continue: forged })).rejects.toBeInstanceOf(
      SearchError,
    );
  });

  it('a finished list prunes what it did not see; deletes remove; clear empties the shoot', async () => {
    const s = shoot('garden-c', 'x');
    await index.apply(s, upserts('e1', pod('d', 'p1'), pod('d', 'p2')));
    await index.apply(s, { ...upserts('e2', pod('d', 'p2')), prunes: [{ kind: 'Pod', epoch: 'e2' }] });
    expect((await index.query({ resource: POD, shoots: [s] })).rows).toHaveLength(1);
    await index.apply(s, { ...emptyBatch(), deletes: [{ kind: 'Pod', namespace: 'd', name: 'p2' }] });
    expect((await index.query({ resource: POD, shoots: [s] })).rows).toHaveLength(0);
    await index.apply(s, upserts('e3', pod('d', 'p3')));
    await index.apply(s, { ...emptyBatch(), clear: true });
    expect((await index.query({ resource: POD, shoots: [s] })).rows).toHaveLength(0);
  });

  it('results name their shoot; a hibernated shoot is marked as last known state', async () => {
    const page = await index.query({ resource: POD, shoots: [a, b] });
    const list = listOf(POD, page) as {
      kind: string;
      items: Array<{ metadata: { annotations: Record<string, string> } }>;
    };
    expect(list.kind).toBe('PodList');
    expect(list.items.map((i) => i.metadata.annotations[SHOOT_ANNOTATION])).toEqual(['one', 'one', 'two']);
    expect(list.items[2]?.metadata.annotations['search.gardener.cloud/hibernated']).toBe('true');
    expect(list.items[0]?.metadata.annotations['search.gardener.cloud/hibernated']).toBeUndefined();
    const table = tableOf(POD, page, { apiVersion: 'meta.k8s.io/v1' }) as {
      rows: Array<{ cells: unknown[] }>;
    };
    expect(table.rows[2]?.cells).toEqual([
      'web-1',
      '0/1',
      'Pending',
      0,
      expect.any(String),
      'two (hibernated)',
    ]);
  });

  it('JSON pages made by PostgreSQL carry the same annotations and continue tokens', async () => {
    const page = await index.queryJson({ resource: POD, shoots: [a, b], limit: 2 });
    const list = JSON.parse(listJson(POD, page));
    expect(list).toMatchObject({ kind: 'PodList', apiVersion: 'v1', metadata: { continue: page.continue } });
    const rest = JSON.parse(
      listJson(POD, await index.queryJson({ resource: POD, shoots: [a, b], continue: page.continue })),
    );
    const items = [...list.items, ...rest.items] as Array<{
      metadata: { annotations: Record<string, string> };
    }>;
    expect(items.map((i) => i.metadata.annotations)).toEqual([
      { [SHOOT_ANNOTATION]: 'one', 'search.gardener.cloud/project-namespace': 'garden-a' },
      { [SHOOT_ANNOTATION]: 'one', 'search.gardener.cloud/project-namespace': 'garden-a' },
      {
        [SHOOT_ANNOTATION]: 'two',
        'search.gardener.cloud/project-namespace': 'garden-a',
        'search.gardener.cloud/hibernated': 'true',
        'search.gardener.cloud/last-synced': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      },
    ]);
    expect(rest.metadata).toEqual({});
  });

  it('rows of shoots that are gone are removed, but not those written after the shoots were read', async () => {
    const gone = shoot('garden-d', 'gone');
    await index.apply(gone, upserts('e1', pod('d', 'p')));
    const listedAt = new Date();
    const newer = shoot('garden-d', 'new');
    await index.apply(newer, upserts('e1', pod('d', 'p')));
    expect(await index.removeShootsOtherThan([a.uid, b.uid, other.uid], listedAt)).toBeGreaterThanOrEqual(1);
    expect((await index.query({ resource: POD, shoots: [gone] })).rows).toHaveLength(0);
    expect((await index.query({ resource: POD, shoots: [newer] })).rows).toHaveLength(1);
    expect((await index.query({ resource: POD, shoots: [a, b, other] })).rows).toHaveLength(4);
  });

  it('a batch is checked: kinds, names, scopes', () => {
    const valid = {
      apiVersion: 'search.gardener.cloud/v1alpha1',
      kind: 'IndexBatch',
      upserts: [{ kind: 'Pod', epoch: 'e', object: pod('d', 'p') }],
    };
    expect(parseIndexBatch(valid).upserts).toHaveLength(1);
    const bad = (change: (b: typeof valid) => unknown) => () =>
      parseIndexBatch(change(structuredClone(valid)));
    expect(bad((b) => ({ ...b, upserts: [{ ...b.upserts[0], kind: 'Secret' }] }))).toThrow(/kind/);
    expect(bad((b) => ({ ...b, upserts: [{ ...b.upserts[0], object: pod('D', 'p') }] }))).toThrow(
      /namespace/,
    );
    expect(
      bad((b) => ({ ...b, upserts: [{ kind: 'Namespace', epoch: 'e', object: pod('d', 'x') }] })),
    ).toThrow(/not namespaced/);
    expect(
      bad((b) => ({ ...b, upserts: [{ ...b.upserts[0], object: { metadata: { name: '../x' } } }] })),
    ).toThrow(/name/);
    expect(bad((b) => ({ ...b, extra: 1 }))).toThrow(/IndexBatch/);
    expect(NAMESPACE.namespaced).toBe(false);
  });
});
