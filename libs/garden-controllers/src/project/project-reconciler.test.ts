import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DELETION_CONFIRMATION_ANNOTATION,
  exampleCloudProfile,
  exampleProject,
  exampleShoot,
  type KubeObject,
  PROJECT_FINALIZER,
  QUOTA_API_VERSION,
  requireResourceByKind,
  SHOOT_COUNT_KEY,
} from '@gardener-ts/api';
import {
  createTestDatabase,
  NamespaceContents,
  openStore,
  ResourceService,
  type Store,
} from '@gardener-ts/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whileHoldingLock } from './pass-lock.js';
import { ProjectController } from './project-controller.js';
import { ProjectReconciler } from './project-reconciler.js';

const PROJECT = requireResourceByKind('Project');
const SHOOT = requireResourceByKind('Shoot');
const CONFIGMAP = requireResourceByKind('ConfigMap');
const QUOTA = requireResourceByKind('ProjectQuota');

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let store: Store;
let resources: ResourceService;
let reconciler: ProjectReconciler;
/** Namespaces whose service-account tokens were revoked, in order (TokenStore.revokeNamespace's calls). */
const revoked: string[] = [];
const tokens = {
  revokeNamespace: async (namespace: string) => {
    revoked.push(namespace);
    return 0;
  },
};

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'gts-projects-'));
  store = await openStore({ databaseUrl: db.url, keyFile: join(dir, 'secrets.key') });
  resources = new ResourceService(store.repository, store.watches);
  reconciler = new ProjectReconciler(resources, new NamespaceContents(store.pool), tokens);
  await resources.create(requireResourceByKind('CloudProfile'), undefined, exampleCloudProfile());
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const project = (name: string) => resources.get(PROJECT, undefined, name);
const phase = (p: KubeObject) => (p.status as { phase?: string } | undefined)?.phase;

function configMap(name: string): unknown {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' } };
}

async function markDeleted(name: string): Promise<void> {
  await resources.patch(PROJECT, undefined, name, 'merge', {
    metadata: { annotations: { [DELETION_CONFIRMATION_ANNOTATION]: 'true' } },
  });
  await resources.delete(PROJECT, undefined, name);
}

describe('ProjectReconciler', () => {
  it('holds a new project with its finalizer and makes it Ready, once', async () => {
    await resources.create(PROJECT, undefined, exampleProject('fresh'));
    // one written before projects got their finalizer on creation
    await resources.patch(PROJECT, undefined, 'fresh', 'merge', { metadata: { finalizers: null } });
    expect(await reconciler.reconcile(await project('fresh'))).toBe('ready');
    const ready = await project('fresh');
    expect(ready.metadata.finalizers).toEqual([PROJECT_FINALIZER]);
    expect(phase(ready)).toBe('Ready');
    await reconciler.reconcile(ready);
    expect((await project('fresh')).metadata.resourceVersion).toBe(ready.metadata.resourceVersion);
  });

  it('waits for the shoot delete flow, then empties the namespace and lets the project go', async () => {
    await resources.create(PROJECT, undefined, exampleProject('gone'));
    await reconciler.reconcile(await project('gone'));
    await resources.create(SHOOT, 'garden-gone', { ...exampleShoot('s', 'garden-gone') });
    await resources.patch(SHOOT, 'garden-gone', 's', 'merge', { metadata: { finalizers: ['gardener'] } });
    await resources.create(CONFIGMAP, 'garden-gone', configMap('cfg'));
    await markDeleted('gone');

    expect(await reconciler.reconcile(await project('gone'))).toBe('terminating');
    expect(revoked).toContain('garden-gone');
    expect(phase(await project('gone'))).toBe('Terminating');
    expect((await resources.get(SHOOT, 'garden-gone', 's')).metadata.deletionTimestamp).toBeDefined();
    // the shoot's flow may still need what the namespace holds
    expect((await resources.get(CONFIGMAP, 'garden-gone', 'cfg')).metadata.name).toBe('cfg');

    await resources.patch(SHOOT, 'garden-gone', 's', 'merge', { metadata: { finalizers: null } });
    expect(await reconciler.reconcile(await project('gone'))).toBe('deleted');
    await expect(project('gone')).rejects.toThrow('not found');
    expect((await resources.list(CONFIGMAP, 'garden-gone', {})).items).toEqual([]);
  });

  it('takes the quota an admin set for it along, so a new project of that name starts from the default', async () => {
    await resources.create(PROJECT, undefined, exampleProject('quota'));
    await resources.create(QUOTA, undefined, {
      apiVersion: QUOTA_API_VERSION,
      kind: 'ProjectQuota',
      metadata: { name: 'quota' },
      spec: { hard: { [SHOOT_COUNT_KEY]: '100' } },
    });
    await reconciler.reconcile(await project('quota'));
    await markDeleted('quota');
    expect(await reconciler.reconcile(await project('quota'))).toBe('deleted');
    await expect(resources.get(QUOTA, undefined, 'quota')).rejects.toThrow('not found');
  });

  it("drops its service accounts from other projects' members before the namespace is free", async () => {
    await resources.create(PROJECT, undefined, exampleProject('robots'));
    await reconciler.reconcile(await project('robots'));
    const member = (name: string, namespace?: string) => ({
      kind: 'ServiceAccount' as const,
      name,
      ...(namespace ? { namespace } : {}),
      role: 'admin',
    });
    const trusting = exampleProject('trusting');
    trusting.spec.members = [
      ...(trusting.spec.members ?? []),
      member('robot', 'garden-robots'),
      member('helper'), // its own namespace's
    ];
    await resources.create(PROJECT, undefined, trusting);
    await markDeleted('robots');
    expect(await reconciler.reconcile(await project('robots'))).toBe('deleted');
    const members = ((await project('trusting')).spec as { members: Array<Record<string, unknown>> }).members;
    expect(members.filter((m) => m.kind === 'ServiceAccount')).toEqual([member('helper')]);
    expect(members.some((m) => m.kind === 'User')).toBe(true);
  });

  it("never empties the garden's own namespace", async () => {
    await resources.create(CONFIGMAP, 'garden', configMap('seed-config'));
    await resources.create(PROJECT, undefined, { ...exampleProject('gp'), spec: { namespace: 'garden' } });
    await reconciler.reconcile(await project('gp'));
    await markDeleted('gp');
    revoked.length = 0;
    expect(await reconciler.reconcile(await project('gp'))).toBe('deleted');
    expect((await resources.get(CONFIGMAP, 'garden', 'seed-config')).metadata.name).toBe('seed-config');
    expect(revoked).toEqual([]);
  });
});

describe('ProjectController', () => {
  it('reacts to a new project without waiting for its resync', async () => {
    const errors: unknown[] = [];
    const controller = new ProjectController(
      resources,
      new NamespaceContents(store.pool),
      tokens,
      store.pool,
      {
        resyncMs: 3_600_000,
        onError: (error) => errors.push(error),
      },
    );
    await controller.start();
    try {
      await controller.idle();
      await resources.create(PROJECT, undefined, exampleProject('evented'));
      const deadline = Date.now() + 5000;
      while (phase(await project('evented')) !== 'Ready' && Date.now() < deadline) await sleep(20);
      expect(phase(await project('evented'))).toBe('Ready');
    } finally {
      await controller.stop();
    }
    expect(errors).toEqual([]);
  });

  it('runs one pass at a time across processes', async () => {
    let inner: boolean | undefined;
    const outer = await whileHoldingLock(store.pool, 'gardener-ts:project-controller', async () => {
      inner = await whileHoldingLock(store.pool, 'gardener-ts:project-controller', async () => undefined);
    });
    expect(outer).toBe(true);
    expect(inner).toBe(false);
  });
});
