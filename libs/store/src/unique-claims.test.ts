import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleProject, type KubeObject } from '@gardener-ts/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError, StoreErrorCode } from './errors.js';
import { openStore, type Store } from './store.js';
import { createTestDatabase } from './testing.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let store: Store;

beforeAll(async () => {
  db = await createTestDatabase('gts_unique_claims');
  dir = mkdtempSync(join(tmpdir(), 'gts-claims-'));
  store = await openStore({ databaseUrl: db.url, keyFile: join(dir, 'keys', 'secrets.key') });
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** A project as admission leaves it, written straight to the repository (no admission check). */
function project(name: string, namespace: string): KubeObject {
  const p = exampleProject(name);
  p.spec.namespace = namespace;
  return { ...p, metadata: { ...p.metadata, uid: crypto.randomUUID() } } as unknown as KubeObject;
}

async function outcome(write: Promise<unknown>): Promise<string> {
  try {
    await write;
    return 'created';
  } catch (error) {
    if (error instanceof StoreError) return `${error.code}: ${error.message}`;
    throw error;
  }
}

describe('one project per namespace, in the store', () => {
  it('lets one of many concurrent projects claim a namespace and tells the others why', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => outcome(store.repository.create(project(`p${i}`, 'garden-one')))),
    );
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    for (const o of outcomes.filter((o) => o !== 'created'))
      expect(o).toBe(
        `${StoreErrorCode.Conflict}: namespace "garden-one" is already claimed by another project`,
      );
  });

  it('still reports a taken name as AlreadyExists, and frees the namespace with its project', async () => {
    await store.repository.create(project('first', 'garden-two'));
    expect(await outcome(store.repository.create(project('first', 'garden-three')))).toMatch(
      /^AlreadyExists: /,
    );
    await store.repository.delete({ kind: 'Project', name: 'first' });
    expect(await outcome(store.repository.create(project('second', 'garden-two')))).toBe('created');
  });
});
