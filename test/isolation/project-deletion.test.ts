import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exampleShoot, type KubeObject, requireResourceByKind } from '@gardener-ts/api';
import { openStore, ResourceService, type Store } from '@gardener-ts/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUTH,
  CORE,
  MACHINES,
  OPERATIONS,
  startTenantGarden,
  type TenantGarden,
} from '../../apps/gardener-api/src/testing/tenant-garden.js';
import { sshKey } from '../support/ssh-key.js';

/**
 * Issue 15, outcome 5: a deleted project takes its objects with it. The project controller in the
 * garden API marks the namespace's shoots and bastions for deletion (the gardenlet runs their
 * delete flows and drops their finalizers: here the test plays the gardenlet through an
 * in-process ResourceService on the same database), then deletes everything else, revokes the
 * project's service-account tokens and only then lets the project go. Until the namespace is
 * empty, no new project can claim it.
 */

const MERGE = 'application/merge-patch+json';
/** libs/machine's MACHINE_FINALIZER: the per-shoot machine controller's */
const MACHINE_FINALIZER = 'machine.sapcloud.io/machine-controller-manager';
const CONFIRM = { metadata: { annotations: { 'confirmation.gardener.cloud/deletion': 'true' } } };
const SHOOT = requireResourceByKind('Shoot');
const BASTION = requireResourceByKind('Bastion');
const PROJECT = requireResourceByKind('Project');
const MACHINE = requireResourceByKind('Machine');
const MACHINE_CLASS = requireResourceByKind('MachineClass');

let g: TenantGarden;
let store: Store;
/** The gardenlet's path to the garden: in-process, no HTTP, no authorization. */
let gardenlet: ResourceService;

beforeAll(async () => {
  g = await startTenantGarden('projdel');
  store = await openStore({ databaseUrl: g.databaseUrl, keyFile: join(g.dataDir, 'secrets.key') });
  gardenlet = new ResourceService(store.repository, store.watches);
});

afterAll(async () => {
  await store?.close();
  await g?.stop();
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(25);
  }
}

const ns = (project: string) => `garden-${project}`;
const path = {
  project: (name: string) => `${CORE}/projects/${name}`,
  shoots: (project: string) => `${CORE}/namespaces/${ns(project)}/shoots`,
  secrets: (project: string) => `/api/v1/namespaces/${ns(project)}/secrets`,
  configmaps: (project: string) => `/api/v1/namespaces/${ns(project)}/configmaps`,
  bindings: (project: string) =>
    `/apis/security.gardener.cloud/v1alpha1/namespaces/${ns(project)}/credentialsbindings`,
  bastions: (project: string) => `${OPERATIONS}/namespaces/${ns(project)}/bastions`,
  machines: (project: string) => `${MACHINES}/namespaces/${ns(project)}/machines`,
  machineClasses: (project: string) => `${MACHINES}/namespaces/${ns(project)}/machineclasses`,
  tokens: (project: string) => `${AUTH}/namespaces/${ns(project)}/serviceaccounttokens`,
};

function projectBody(name: string, owner?: string) {
  return {
    apiVersion: 'core.gardener.cloud/v1beta1',
    kind: 'Project',
    metadata: { name },
    spec: {
      namespace: ns(name),
      ...(owner ? { owner: { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: owner } } : {}),
    },
  };
}

/** A project owned by a new user of the same name plus `-owner`; returns that user. */
async function newProject(name: string): Promise<string> {
  const owner = `${name}-owner`;
  await g.issueUser(owner);
  const created = await g.call(owner, 'POST', `${CORE}/projects`, projectBody(name));
  expect(created.status, created.text).toBe(201);
  await g.projectReady(name);
  return owner;
}

/** A project named `claim` (or given) that asks for another project's namespace. */
function claim(user: string, namespace: string, name = 'claim') {
  return g.call(user, 'POST', `${CORE}/projects`, {
    ...projectBody(name),
    spec: { namespace },
  });
}

function shootBody(name: string) {
  const shoot = exampleShoot(name, '');
  delete (shoot.metadata as { namespace?: string }).namespace;
  delete (shoot.spec.networking as { nodes?: string }).nodes; // the seed allocates one
  return shoot;
}

/** Creates as the garden admin and expects 201. */
async function adminCreates(collection: string, body: unknown): Promise<void> {
  const answer = await g.call('admin', 'POST', collection, body);
  expect(answer.status, answer.text).toBe(201);
}

/** The gardenlet's finalizer on a shoot or bastion, as its controllers add it. */
async function holdWithFinalizer(type: typeof SHOOT, namespace: string, name: string): Promise<void> {
  await gardenlet.patch(type, namespace, name, 'merge', { metadata: { finalizers: ['gardener'] } });
}

/** Plays the gardenlet: once the object is marked for deletion, its delete flow ends and the finalizer goes. */
async function finishDeletionFlow(type: typeof SHOOT, namespace: string, name: string): Promise<void> {
  await until(async () => {
    const obj = await gardenlet.get(type, namespace, name);
    return Boolean(obj.metadata.deletionTimestamp);
  });
  await gardenlet.patch(type, namespace, name, 'merge', { metadata: { finalizers: null } });
}

async function deleteProject(user: string, name: string) {
  const confirmed = await g.call(user, 'PATCH', path.project(name), CONFIRM, MERGE);
  expect(confirmed.status, confirmed.text).toBe(200);
  return g.call(user, 'DELETE', path.project(name));
}

async function projectGone(name: string): Promise<void> {
  await until(async () => (await g.call('admin', 'GET', path.project(name))).status === 404);
}

async function names(collection: string): Promise<string[]> {
  const answer = await g.call('admin', 'GET', collection);
  expect(answer.status, answer.text).toBe(200);
  return (answer.body.items ?? []).map((o) => o.metadata.name);
}

async function issueRobotToken(user: string, project: string): Promise<string> {
  const issued = await g.call(user, 'POST', path.tokens(project), { spec: { serviceAccountName: 'robot' } });
  expect(issued.status, issued.text).toBe(201);
  return (issued.body.status as { token: string }).token;
}

describe('a new project', () => {
  it('carries the gardener finalizer and becomes Ready', async () => {
    await until(async () => {
      const project = (await g.call('admin', 'GET', path.project('other'))).body as KubeObject;
      return (project.status as { phase?: string } | undefined)?.phase === 'Ready';
    });
    const project = (await g.call('other-owner', 'GET', path.project('other'))).body as KubeObject;
    expect(project.metadata.finalizers).toContain('gardener');
  });
});

describe('who may delete a project', () => {
  it('refuses viewers and uams (403), and a deletion without confirmation', async () => {
    for (const user of ['other-viewer', 'other-uam', 'stranger', 'dev-owner']) {
      expect((await g.call(user, 'DELETE', path.project('other'))).status, user).toBe(403);
      expect((await g.call(user, 'PATCH', path.project('other'), CONFIRM, MERGE)).status, user).toBe(403);
    }
    const unconfirmed = await g.call('other-owner', 'DELETE', path.project('other'));
    expect(unconfirmed.status).toBe(403);
    expect(unconfirmed.body.message).toContain('confirmation.gardener.cloud/deletion');
    const project = (await g.call('admin', 'GET', path.project('other'))).body as KubeObject;
    expect(project.metadata.deletionTimestamp).toBeUndefined();
  });
});

describe("the project's finalizer", () => {
  it('is there from creation, and no member strips it (merge, JSON patch, PUT)', async () => {
    const owner = await newProject('keep');
    const current = (await g.call('admin', 'GET', path.project('keep'))).body as KubeObject;
    expect(current.metadata.finalizers).toContain('gardener');
    const put = { ...current, metadata: { ...current.metadata, finalizers: [] } };
    for (const [body, type] of [
      [{ metadata: { finalizers: null } }, MERGE],
      [[{ op: 'remove', path: '/metadata/finalizers/0' }], 'application/json-patch+json'],
      [put, 'application/json'],
    ] as const) {
      const method = type === 'application/json' ? 'PUT' : 'PATCH';
      const answer = await g.call(owner, method, path.project('keep'), body, type);
      expect(answer.status, `${method} ${answer.text}`).toBe(403);
    }
    const after = (await g.call('admin', 'GET', path.project('keep'))).body as KubeObject;
    expect(after.metadata.finalizers).toContain('gardener');
  });
});

describe('deleting a project', () => {
  it('takes its shoots, bastions, secrets, configmaps, bindings, machines and tokens with it', async () => {
    const namespace = ns('dev');
    // what the tenant has: a shoot the gardenlet holds, a bastion to it, credentials, config
    await adminCreates(path.shoots('dev'), shootBody('web'));
    await holdWithFinalizer(SHOOT, namespace, 'web');
    await adminCreates(path.secrets('dev'), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds' },
      stringData: { token: 'tenant-secret' },
    });
    await adminCreates(path.configmaps('dev'), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg' },
      data: { a: 'b' },
    });
    await adminCreates(path.bindings('dev'), {
      apiVersion: 'security.gardener.cloud/v1alpha1',
      kind: 'CredentialsBinding',
      metadata: { name: 'cb' },
      credentialsRef: { apiVersion: 'v1', kind: 'Secret', name: 'creds', namespace },
      provider: { type: 'local' },
    });
    await adminCreates(path.bastions('dev'), {
      apiVersion: 'operations.gardener.cloud/v1alpha1',
      kind: 'Bastion',
      metadata: { name: 'cli-x' },
      spec: {
        shootRef: { name: 'web' },
        sshPublicKey: sshKey(),
        ingress: [{ ipBlock: { cidr: '10.0.0.1/32' } }],
      },
    });
    await holdWithFinalizer(BASTION, namespace, 'cli-x');
    // machine objects as the gardenlet's machine controller writes them, one the flow forgot
    await gardenlet.create(MACHINE_CLASS, namespace, {
      apiVersion: 'machine.sapcloud.io/v1alpha1',
      kind: 'MachineClass',
      metadata: { name: 'web-class', labels: { 'shoot.gardener.cloud/name': 'web' } },
      provider: 'local',
      providerSpec: {},
    });
    await gardenlet.create(MACHINE, namespace, {
      apiVersion: 'machine.sapcloud.io/v1alpha1',
      kind: 'Machine',
      metadata: {
        name: 'web-m1',
        labels: { 'shoot.gardener.cloud/name': 'web' },
        finalizers: [MACHINE_FINALIZER],
      },
      spec: { class: { kind: 'MachineClass', name: 'web-class' } },
    });
    const robot = await issueRobotToken('dev-owner', 'dev');
    expect((await g.call(robot, 'GET', `${CORE}/cloudprofiles`)).status).toBe(200);

    const deleted = await deleteProject('dev-owner', 'dev');
    expect(deleted.status, deleted.text).toBe(200);

    // Terminating at once; the service account is dead at once
    await until(async () => {
      const project = (await g.call('admin', 'GET', path.project('dev'))).body as KubeObject;
      return (project.status as { phase?: string } | undefined)?.phase === 'Terminating';
    });
    expect((await g.call(robot, 'GET', `${CORE}/cloudprofiles`)).status).toBe(401);

    // the shoot and the bastion are marked, so the gardenlet runs their delete flows ...
    await until(async () =>
      Boolean((await gardenlet.get(SHOOT, namespace, 'web')).metadata.deletionTimestamp),
    );
    await until(async () =>
      Boolean((await gardenlet.get(BASTION, namespace, 'cli-x')).metadata.deletionTimestamp),
    );
    // ... and the shoot's credentials stay while its flow may still need them
    expect(await names(path.secrets('dev'))).toContain('creds');
    // nobody claims the namespace meanwhile
    const early = await claim('stranger', namespace);
    expect([409, 422], early.text).toContain(early.status);
    expect(early.body.message).toContain(namespace);

    await finishDeletionFlow(BASTION, namespace, 'cli-x');
    await finishDeletionFlow(SHOOT, namespace, 'web');
    await projectGone('dev');

    expect((await g.call('admin', 'GET', `/api/v1/namespaces/${namespace}`)).status).toBe(404);
    for (const collection of [
      path.shoots('dev'),
      path.bastions('dev'),
      path.secrets('dev'),
      path.configmaps('dev'),
      path.bindings('dev'),
      path.machines('dev'),
      path.machineClasses('dev'),
    ]) {
      expect(await names(collection), collection).toEqual([]);
    }
    const tokens = await g.call('admin', 'GET', path.tokens('dev'));
    expect(tokens.body.items ?? []).toEqual([]);

    // the namespace is free: a stranger's new project takes it and finds nothing of the old one
    const claimed = await claim('stranger', namespace);
    expect(claimed.status, claimed.text).toBe(201);
    expect(await names(path.secrets('dev'))).toEqual([]);
    expect((await g.call('stranger', 'GET', `${path.secrets('dev')}/creds`)).status).toBe(404);
    expect(await names(path.configmaps('dev'))).toEqual([]);
    expect(await names(path.machines('dev'))).toEqual([]);
    // the old project's service account does not come back with the namespace
    expect((await g.call(robot, 'GET', path.configmaps('dev'))).status).toBe(401);
    expect((await g.call(robot, 'GET', `${CORE}/cloudprofiles`)).status).toBe(401);
  });

  it('refuses new content in a terminating namespace, to everyone, and refuses claims of it', async () => {
    const owner = await newProject('term');
    const namespace = ns('term');
    await adminCreates(path.shoots('term'), shootBody('stay'));
    await holdWithFinalizer(SHOOT, namespace, 'stay');
    await adminCreates(path.configmaps('term'), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'old' },
      data: { a: 'b' },
    });
    expect((await deleteProject(owner, 'term')).status).toBe(200);

    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' }, data: { a: 'b' } };
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'late' }, stringData: { a: 'b' } };
    for (const user of [owner, 'admin']) {
      for (const [collection, body] of [
        [path.configmaps('term'), configMap],
        [path.secrets('term'), secret],
        [path.shoots('term'), shootBody('late')],
      ] as const) {
        const answer = await g.call(user, 'POST', collection, body);
        expect(answer.status, `${user} ${collection}: ${answer.text}`).toBe(403);
        expect(answer.body.reason).toBe('Forbidden');
        expect(answer.body.message).toContain(`namespace ${namespace} because it is being terminated`);
      }
    }
    const token = await g.call(owner, 'POST', path.tokens('term'), { spec: { serviceAccountName: 'late' } });
    expect(token.status, token.text).toBe(403);
    // dry runs say the same
    expect((await g.call(owner, 'POST', `${path.configmaps('term')}?dryRun=All`, configMap)).status).toBe(
      403,
    );

    for (const user of ['stranger', owner]) {
      const refused = await claim(user, namespace, 'termnew');
      expect([409, 422], refused.text).toContain(refused.status);
    }

    await finishDeletionFlow(SHOOT, namespace, 'stay');
    await projectGone('term');
    expect((await claim('stranger', namespace, 'termnew')).status).toBe(201);
    expect(await names(path.configmaps('term'))).toEqual([]);
  });

  it('is idempotent: a second delete changes nothing and the first one completes', async () => {
    const owner = await newProject('twice');
    await adminCreates(path.shoots('twice'), shootBody('s'));
    await holdWithFinalizer(SHOOT, ns('twice'), 's');
    const first = await deleteProject(owner, 'twice');
    expect(first.status).toBe(200);
    const marked = (await g.call('admin', 'GET', path.project('twice'))).body as KubeObject;
    const second = await g.call(owner, 'DELETE', path.project('twice'));
    expect(second.status, second.text).toBe(200);
    expect((second.body as KubeObject).metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);
    await finishDeletionFlow(SHOOT, ns('twice'), 's');
    await projectGone('twice');
    // gone: the garden admin learns so; the former owner has no role left in it, and a user
    // without one never learns whether a project exists (as with Gardener's per-project RBAC)
    expect((await g.call('admin', 'DELETE', path.project('twice'))).status).toBe(404);
    expect((await g.call(owner, 'DELETE', path.project('twice'))).status).toBe(403);
  });

  it('resumes a half-done deletion after the API process restarts', async () => {
    const owner = await newProject('rst');
    const namespace = ns('rst');
    await adminCreates(path.shoots('rst'), shootBody('s'));
    await holdWithFinalizer(SHOOT, namespace, 's');
    await adminCreates(path.configmaps('rst'), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'left' },
      data: { a: 'b' },
    });
    expect((await deleteProject(owner, 'rst')).status).toBe(200);
    await until(async () => Boolean((await gardenlet.get(SHOOT, namespace, 's')).metadata.deletionTimestamp));

    // the API stops while the shoot's flow runs; the flow ends while no API process is up
    await g.server.stop();
    await gardenlet.patch(SHOOT, namespace, 's', 'merge', { metadata: { finalizers: null } });
    expect((await gardenlet.get(PROJECT, undefined, 'rst')).metadata.finalizers).toContain('gardener');
    await g.restart();

    await projectGone('rst');
    expect((await gardenlet.list(requireResourceByKind('ConfigMap'), namespace, {})).items).toEqual([]);
    expect((await claim('stranger', namespace, 'rstnew')).status).toBe(201);
  });

  it('cleans up what a project removed behind its controller left, and keeps its namespace until then', async () => {
    const owner = await newProject('orph');
    const namespace = ns('orph');
    await adminCreates(path.shoots('orph'), shootBody('s'));
    await holdWithFinalizer(SHOOT, namespace, 's');
    await adminCreates(path.secrets('orph'), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds' },
      stringData: { a: 'b' },
    });
    expect((await g.call(owner, 'PATCH', path.project('orph'), CONFIRM, MERGE)).status).toBe(200);
    // the project goes without its controller: removed from the store directly, finalizer and all
    // (two API writes, dropping the finalizer then deleting, would race the controller re-adding it)
    await store.repository.delete({ kind: 'Project', name: 'orph' });
    await projectGone('orph');

    // the leftovers still block the namespace, and the shoot is marked for its delete flow
    const refused = await claim('stranger', namespace, 'orphnew');
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.message).toContain(namespace);
    await finishDeletionFlow(SHOOT, namespace, 's');
    await until(
      async () => (await gardenlet.list(requireResourceByKind('Secret'), namespace, {})).items.length === 0,
    );
    expect((await claim('stranger', namespace, 'orphnew')).status).toBe(201);
    expect(await names(path.secrets('orph'))).toEqual([]);
  });
});

describe('the namespace claim in the store', () => {
  it('refuses a project whose namespace still holds objects, even past admission', async () => {
    const namespace = ns('raw');
    // a shoot held by the gardenlet's finalizer, left in a namespace whose project went without
    // its controller (as a crash or an older version could leave it); the store takes new objects
    // only into a namespace a project owns, so the stray goes in while one does
    await gardenlet.create(PROJECT, undefined, { ...projectBody('rawold'), spec: { namespace } });
    const stray = exampleShoot('stray', namespace) as unknown as KubeObject;
    stray.metadata.uid = '00000000-0000-4000-8000-000000000001';
    stray.metadata.finalizers = ['gardener'];
    await store.repository.create(stray);
    await store.repository.delete({ kind: 'Project', name: 'rawold' });
    const refused = await claim('stranger', namespace, 'raw');
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.message).toContain(`namespace "${namespace}"`);
    // the store itself refuses, whoever writes
    const project = {
      ...projectBody('raw'),
      metadata: { name: 'raw', uid: '00000000-0000-4000-8000-000000000002' },
    };
    await expect(store.repository.create(project as KubeObject)).rejects.toThrow(namespace);
    await finishDeletionFlow(SHOOT, namespace, 'stray');
    await until(async () => (await claim('stranger', namespace, 'raw')).status === 201);
  });
});
