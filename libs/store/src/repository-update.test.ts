import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exampleProject, type KubeObject, requireResourceByKind } from '@gardener-ts/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError, StoreErrorCode } from './errors.js';
import { ResourceService } from './resource-service.js';
import { openStore, type Store } from './store.js';
import { createTestDatabase } from './testing.js';

/**
 * An update that names the version it replaces is one statement (no explicit transaction): these
 * check that it still behaves as the locked read-then-write did under races and bad preconditions.
 */

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let store: Store;
const NAMESPACE = 'garden-upd';

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'gts-update-'));
  store = await openStore({ databaseUrl: db.url, keyFile: join(dir, 'secrets.key') });
  const service = new ResourceService(store.repository, store.watches);
  await service.create(requireResourceByKind('Project'), undefined, exampleProject('upd'));
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function configMap(name: string): Promise<KubeObject> {
  return store.repository.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: NAMESPACE, uid: crypto.randomUUID() },
    data: { n: '0' },
  } as KubeObject);
}

function withData(obj: KubeObject, n: number): KubeObject {
  return { ...obj, data: { n: String(n) } } as KubeObject;
}

async function failure(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof StoreError)) throw new Error(`expected a StoreError, got ${String(error)}`);
  return error;
}

describe('an update that names the version it replaces', () => {
  it('lets exactly one of many concurrent writers of the same version win; the rest get Conflict', async () => {
    const stored = await configMap('race');
    const version = stored.metadata.resourceVersion ?? '';
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => store.repository.update(withData(stored, i + 1), version)),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((o) => (o.reason as StoreError).code)).toEqual(Array(11).fill(StoreErrorCode.Conflict));
    const now = await store.repository.get({ kind: 'ConfigMap', namespace: NAMESPACE, name: 'race' });
    expect(now?.metadata.resourceVersion).toBe(
      (won[0] as PromiseFulfilledResult<KubeObject>).value.metadata.resourceVersion,
    );
  });

  it('says NotFound for a missing object, Conflict for a stale version or another uid, and takes no version', async () => {
    const stored = await configMap('pre');
    const before = await store.repository.currentResourceVersion();
    const missing = { ...stored, metadata: { ...stored.metadata, name: 'gone' } };
    expect((await failure(store.repository.update(missing, '1'))).code).toBe(StoreErrorCode.NotFound);
    expect((await failure(store.repository.update(stored, '1'))).code).toBe(StoreErrorCode.Conflict);
    expect((await failure(store.repository.update(stored, 'not-a-version'))).code).toBe(
      StoreErrorCode.Conflict,
    );
    const otherUid = { ...stored, metadata: { ...stored.metadata, uid: 'not-a-uuid' } };
    const uidError = await failure(store.repository.update(otherUid, stored.metadata.resourceVersion));
    expect(uidError.message).toMatch(/^Precondition failed: UID in precondition: not-a-uuid/);
    expect(await store.repository.currentResourceVersion()).toBe(before);
  });

  it('writes the event a watcher replays, with the body it replaced', async () => {
    const stored = await configMap('event');
    const updated = await store.repository.update(withData(stored, 7), stored.metadata.resourceVersion);
    const events = await store.repository.eventsSince(
      ['ConfigMap'],
      BigInt(stored.metadata.resourceVersion ?? '0'),
    );
    expect(events).toEqual([
      expect.objectContaining({
        type: 'MODIFIED',
        resourceVersion: BigInt(updated.metadata.resourceVersion ?? '0'),
        object: expect.objectContaining({ data: { n: '7' } }),
        previous: expect.objectContaining({ data: { n: '0' } }),
      }),
    ]);
  });
});

describe('writes of a kind this process committed (what a cache of that kind checks)', () => {
  it('counts a one-statement write at once, a transaction’s only after its commit, a rolled-back one never', async () => {
    const repository = store.repository;
    const start = repository.writesOf('ConfigMap');
    await configMap('counted-1');
    expect(repository.writesOf('ConfigMap')).toBe(start + 1);
    let inside = -1;
    await repository.withLock('test:writes', async () => {
      await configMap('counted-2');
      inside = repository.writesOf('ConfigMap');
    });
    expect(inside).toBe(start + 1);
    expect(repository.writesOf('ConfigMap')).toBe(start + 2);
    await expect(
      repository.withLock('test:writes', async () => {
        await configMap('rolled-back');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(repository.writesOf('ConfigMap')).toBe(start + 2);
    expect(
      await repository.get({ kind: 'ConfigMap', namespace: NAMESPACE, name: 'rolled-back' }),
    ).toBeUndefined();
  });
});

describe('withRowLock', () => {
  it('lets one holder of a row at a time in, and reads the row inside from the lock', async () => {
    const stored = await configMap('locked');
    const key = { kind: 'ConfigMap', namespace: NAMESPACE, name: 'locked' };
    const log: string[] = [];
    const hold = (who: string) =>
      store.repository.withRowLock(key, async () => {
        log.push(`${who} in`);
        const read = await store.repository.get(key);
        await sleep(150);
        log.push(`${who} out`);
        return read?.metadata.resourceVersion;
      });
    const [a, b] = await Promise.all([hold('a'), hold('b')]);
    expect([a, b]).toEqual([stored.metadata.resourceVersion, stored.metadata.resourceVersion]);
    expect(log).toEqual(
      log[0] === 'a in' ? ['a in', 'a out', 'b in', 'b out'] : ['b in', 'b out', 'a in', 'a out'],
    );
  });
});
