import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleProject, exampleShoot, type KubeObject } from '@gardener-ts/api';
import { GardenClient, HttpTransport } from '@gardener-ts/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CORE, created, type HttpsGarden, startHttpsGarden } from './testing/https-garden.js';

const APPLY = 'application/apply-patch+yaml';
const CONFIGMAPS = '/api/v1/namespaces/garden-dev/configmaps';
const SHOOTS = `${CORE}/namespaces/garden-dev/shoots`;

let garden: HttpsGarden;

beforeAll(async () => {
  garden = await startHttpsGarden('ssa');
});

afterAll(async () => {
  await garden?.stop();
});

type Entry = {
  manager: string;
  operation: string;
  apiVersion: string;
  time?: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
  subresource?: string;
};

function entries(obj: Record<string, unknown>): Entry[] {
  return ((obj.metadata as KubeObject['metadata'] | undefined)?.managedFields ?? []) as Entry[];
}

function entryOf(obj: Record<string, unknown>, manager: string, operation?: string): Entry | undefined {
  return entries(obj).find((e) => e.manager === manager && (!operation || e.operation === operation));
}

function configMap(name: string, data: Record<string, string>, labels?: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(labels ? { labels } : {}) },
    data,
  };
}

function shootManifest(name: string) {
  const shoot = exampleShoot(name) as unknown as KubeObject & { spec: Record<string, unknown> };
  (shoot.spec.kubernetes as { version: string }).version = '1.34.1';
  delete (shoot.spec.networking as { nodes?: string }).nodes;
  return shoot;
}

function manifest(name: string, object: unknown): string {
  const file = join(garden.dir, `${name}.yaml`);
  writeFileSync(file, stringify(object));
  return file;
}

async function get(path: string) {
  const answer = await garden.call('admin', 'GET', path);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

describe('server-side apply over HTTP', () => {
  it('creates with 201, records an Apply manager, and a repeated apply changes nothing', async () => {
    const body = configMap('ssa-create', { a: '1' });
    const first = await garden.call(
      'dev-admin',
      'PATCH',
      `${CONFIGMAPS}/ssa-create?fieldManager=ci`,
      body,
      APPLY,
    );
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(entryOf(first.body, 'ci')).toMatchObject({
      operation: 'Apply',
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': { 'f:a': {} } },
    });
    expect(entryOf(first.body, 'ci')?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const again = await garden.call(
      'dev-admin',
      'PATCH',
      `${CONFIGMAPS}/ssa-create?fieldManager=ci`,
      body,
      APPLY,
    );
    expect(again.status).toBe(200);
    expect((again.body.metadata as { resourceVersion: string }).resourceVersion).toBe(
      (first.body.metadata as { resourceVersion: string }).resourceVersion,
    );
  });

  it("lets whoever may create an object create it by applying it, with the create route's checks", async () => {
    const project = exampleProject('ssap') as unknown as KubeObject & { spec: Record<string, unknown> };
    delete project.spec.owner;
    project.spec.createdBy = { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'mallory' };
    const answer = await garden.call(
      'stranger',
      'PATCH',
      `${CORE}/projects/ssap?fieldManager=kubectl`,
      project,
      APPLY,
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body.spec).toMatchObject({ createdBy: { name: 'stranger' }, owner: { name: 'stranger' } });
    const viewer = await garden.call(
      'dev-viewer',
      'PATCH',
      `${CONFIGMAPS}/ssa-viewer?fieldManager=x`,
      configMap('ssa-viewer', {}),
      APPLY,
    );
    expect(viewer.status).toBe(403);
    expect((await garden.call('admin', 'GET', `${CONFIGMAPS}/ssa-viewer`)).status).toBe(404);
    const anonymous = await garden.call(
      'nobody-token',
      'PATCH',
      `${CONFIGMAPS}/ssa-anon`,
      configMap('ssa-anon', {}),
      APPLY,
    );
    expect(anonymous.status).toBe(401);
  });

  it('takes YAML bodies', async () => {
    const yaml = Buffer.from(stringify(configMap('ssa-yaml', { x: 'y' })));
    const answer = await garden.call(
      'dev-admin',
      'PATCH',
      `${CONFIGMAPS}/ssa-yaml?fieldManager=ci`,
      yaml,
      APPLY,
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body.data).toEqual({ x: 'y' });
  });

  it('refuses bad PatchOptions and bodies as kube-apiserver does, changing nothing', async () => {
    const body = configMap('ssa-bad', { a: '1' });
    const noManager = await garden.call('dev-admin', 'PATCH', `${CONFIGMAPS}/ssa-bad`, body, APPLY);
    expect(noManager.status).toBe(422);
    expect(noManager.body).toMatchObject({
      reason: 'Invalid',
      message:
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    });
    const force = await garden.call(
      'dev-admin',
      'PATCH',
      `${CONFIGMAPS}/ssa-create?force=true`,
      { data: {} },
      'application/merge-patch+json',
    );
    expect(force.status).toBe(422);
    expect(force.body.message).toMatch(/force: Forbidden: may not be specified for non-apply patch/);
    const long = await garden.call(
      'dev-admin',
      'PATCH',
      `${CONFIGMAPS}/ssa-bad?fieldManager=${'m'.repeat(129)}`,
      body,
      APPLY,
    );
    expect(long.status).toBe(422);
    const withManaged = { ...body, metadata: { ...body.metadata, managedFields: [] } };
    const managed = await garden.call(
      'dev-admin',
      'PATCH',
      `${CONFIGMAPS}/ssa-bad?fieldManager=ci`,
      withManaged,
      APPLY,
    );
    expect(managed.status).toBe(400);
    expect(managed.body.message).toBe('metadata.managedFields must be nil');
    const wrongKind = { ...body, kind: 'Secret' };
    expect(
      (await garden.call('dev-admin', 'PATCH', `${CONFIGMAPS}/ssa-bad?fieldManager=ci`, wrongKind, APPLY))
        .status,
    ).toBe(400);
    const otherName = await garden.call(
      'dev-admin',
      'PATCH',
      `${CONFIGMAPS}/ssa-other?fieldManager=ci`,
      body,
      APPLY,
    );
    expect(otherName.status).toBe(400);
    const notYaml = await garden.call(
      'dev-admin',
      'PATCH',
      `${CONFIGMAPS}/ssa-bad?fieldManager=ci`,
      Buffer.from('a: [b'),
      APPLY,
    );
    expect(notYaml.status).toBe(400);
    expect((await garden.call('admin', 'GET', `${CONFIGMAPS}/ssa-bad`)).status).toBe(404);
  });

  it('records the manager of updates: ?fieldManager=, else the User-Agent product', async () => {
    await created(
      garden.call(
        'dev-admin',
        'POST',
        `${CONFIGMAPS}?fieldManager=maker`,
        configMap('ssa-upd', { a: '1', b: '1' }),
      ),
    );
    const patched = await garden.call(
      'dev-admin',
      'PATCH',
      `${CONFIGMAPS}/ssa-upd`,
      { data: { b: '2' } },
      'application/merge-patch+json',
    );
    expect(patched.status).toBe(200);
    expect(entryOf(patched.body, 'maker')).toMatchObject({
      operation: 'Update',
      fieldsV1: { 'f:data': { 'f:a': {} } },
    });
    // node's https client sends no User-Agent: the manager is empty, as kube-apiserver would record it
    expect(
      entries(patched.body)
        .map((e) => e.manager)
        .sort(),
    ).toEqual(['', 'maker']);
  });

  it('a tenant cannot write status, system fields or forged ownership through apply', async () => {
    const name = 'ssa-hostile';
    const shoot = shootManifest(name);
    const made = await garden.call('dev-admin', 'PATCH', `${SHOOTS}/${name}?fieldManager=ci`, shoot, APPLY);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    // the gardenlet's finalizer, as it adds it (no gardenlet runs here)
    const finalizer = [{ op: 'add', path: '/metadata/finalizers', value: ['gardener'] }];
    const fin = await garden.call(
      'admin',
      'PATCH',
      `${SHOOTS}/${name}`,
      finalizer,
      'application/json-patch+json',
    );
    expect(fin.status, JSON.stringify(fin.body)).toBe(200);
    const before = await get(`${SHOOTS}/${name}`);
    const hostile = {
      ...shoot,
      metadata: {
        name,
        uid: 'forged-uid',
        creationTimestamp: '2000-01-01T00:00:00Z',
        generation: 99,
        deletionTimestamp: '2026-01-01T00:00:00Z',
        finalizers: [],
        labels: { owned: 'yes' },
      },
      status: {
        lastOperation: {
          type: 'Reconcile',
          state: 'Succeeded',
          progress: 100,
          description: 'forged',
          lastUpdateTime: '2026-01-01T00:00:00Z',
        },
        technicalID: 'shoot--other--x',
        seedName: 'elsewhere',
      },
    };
    const applied = await garden.call(
      'dev-admin',
      'PATCH',
      `${SHOOTS}/${name}?fieldManager=gardenlet&force=true`,
      hostile,
      APPLY,
    );
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const after = await get(`${SHOOTS}/${name}`);
    expect(after.status).toEqual(before.status);
    const meta = after.metadata as KubeObject['metadata'];
    const was = before.metadata as KubeObject['metadata'];
    expect([meta.uid, meta.creationTimestamp, meta.generation]).toEqual([
      was.uid,
      was.creationTimestamp,
      was.generation,
    ]);
    expect(meta.finalizers).toEqual(['gardener']);
    expect(meta.deletionTimestamp).toBeUndefined();
    // who may not write the shoot at all may not apply it either
    for (const user of ['dev-viewer', 'stranger', 'other-admin']) {
      const refused = await garden.call(
        user,
        'PATCH',
        `${SHOOTS}/${name}?fieldManager=x&force=true`,
        hostile,
        APPLY,
      );
      expect(refused.status, user).toBe(403);
    }
    expect((await get(`${SHOOTS}/${name}`)).metadata).toEqual(after.metadata);
    expect(JSON.stringify(entries(after))).not.toMatch(/f:status/);
    // dropping the system finalizer by applying it once and then leaving it out is refused too
    const withFinalizer = { ...shoot, metadata: { name, finalizers: ['gardener'] } };
    expect(
      (await garden.call('dev-admin', 'PATCH', `${SHOOTS}/${name}?fieldManager=fin`, withFinalizer, APPLY))
        .status,
    ).toBe(200);
    const without = await garden.call(
      'dev-admin',
      'PATCH',
      `${SHOOTS}/${name}?fieldManager=fin`,
      shoot,
      APPLY,
    );
    expect((await get(`${SHOOTS}/${name}`)).metadata).toMatchObject({ finalizers: ['gardener'] });
    expect(without.status, JSON.stringify(without.body)).toBe(200); // another manager (who added it) still owns it
    // the status subresource is the system's, by apply too
    const statusApply = await garden.call(
      'dev-admin',
      'PATCH',
      `${SHOOTS}/${name}/status?fieldManager=gardenlet`,
      hostile,
      APPLY,
    );
    expect(statusApply.status).toBe(403);
    // forged managedFields claiming status (or a status-subresource entry) through a merge patch do not stick
    const forged = [
      {
        manager: 'gardenlet',
        operation: 'Update',
        apiVersion: 'core.gardener.cloud/v1beta1',
        fieldsType: 'FieldsV1',
        subresource: 'status',
        fieldsV1: { 'f:status': { 'f:seedName': {} } },
      },
      {
        manager: 'mallory',
        operation: 'Apply',
        apiVersion: 'core.gardener.cloud/v1beta1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:status': {}, 'f:spec': { 'f:purpose': {} } },
      },
    ];
    const patch = await garden.call(
      'dev-admin',
      'PATCH',
      `${SHOOTS}/${name}`,
      { metadata: { managedFields: forged } },
      'application/merge-patch+json',
    );
    expect(patch.status, JSON.stringify(patch.body)).toBe(200);
    const final = await get(`${SHOOTS}/${name}`);
    expect(final.status).toEqual(before.status);
    expect(JSON.stringify(entries(final))).not.toMatch(/f:status/);
    expect(entries(final).some((e) => e.subresource === 'status')).toBe(false);
    // and entries that are no managedFields at all are a 422
    const bad = await garden.call(
      'dev-admin',
      'PATCH',
      `${SHOOTS}/${name}`,
      {
        metadata: {
          managedFields: [
            { manager: 'x', operation: 'Take', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } },
          ],
        },
      },
      'application/merge-patch+json',
    );
    expect(bad.status).toBe(422);
  });

  it("records the gardenlet's status writes under its own manager, shown by kubectl --show-managed-fields", async () => {
    const name = 'ssa-status';
    await created(
      garden.call('dev-admin', 'POST', `${SHOOTS}?fieldManager=kubectl-create`, shootManifest(name)),
    );
    const token = await garden.seedCredential('local');
    const client = new GardenClient(
      new HttpTransport({ server: garden.server.url, token, caPem: garden.ca, fieldManager: 'gardenlet' }),
    );
    await client.updateStatus('Shoot', { namespace: 'garden-dev', name }, (status) => {
      (status as Record<string, unknown>).lastOperation = {
        type: 'Create',
        state: 'Processing',
        progress: 10,
        description: 'Creating',
        lastUpdateTime: '2026-12-07T10:00:00Z',
      };
    });
    const shoot = await get(`${SHOOTS}/${name}`);
    expect(entryOf(shoot, 'gardenlet')).toMatchObject({
      operation: 'Update',
      subresource: 'status',
      fieldsV1: { 'f:status': { 'f:lastOperation': { 'f:description': {}, 'f:state': {} } } },
    });
    expect(entryOf(shoot, 'kubectl-create')?.fieldsV1).toHaveProperty('f:spec');
    // a garden admin may apply status too: an Apply entry for the status subresource; spec in the body is ignored
    const statusBody = {
      apiVersion: 'core.gardener.cloud/v1beta1',
      kind: 'Shoot',
      metadata: { name },
      spec: { purpose: 'production' },
      status: { hibernated: true },
    };
    const statusApply = await garden.call(
      'admin',
      'PATCH',
      `${SHOOTS}/${name}/status?fieldManager=ops`,
      statusBody,
      APPLY,
    );
    expect(statusApply.status, JSON.stringify(statusApply.body)).toBe(200);
    expect((statusApply.body.status as { hibernated: boolean }).hibernated).toBe(true);
    expect((statusApply.body.spec as { purpose: string }).purpose).toBe('evaluation');
    expect(entryOf(statusApply.body, 'ops', 'Apply')).toMatchObject({
      subresource: 'status',
      fieldsV1: { 'f:status': { 'f:hibernated': {} } },
    });
    // an apply that creates an event is checked as the create route checks it: about a shoot of its seed, by uid
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const uid = (shoot.metadata as { uid: string }).uid;
    const event = (about: string) => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${name}.ssa`, labels: { 'shoot.gardener.cloud/name': name } },
      involvedObject: {
        apiVersion: 'core.gardener.cloud/v1beta1',
        kind: 'Shoot',
        namespace: 'garden-dev',
        name,
        uid: about,
      },
      type: 'Normal',
      reason: 'Reconciling',
      message: 'Reconciling',
      source: { component: 'gardenlet' },
      reportingComponent: 'gardenlet',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
    const eventPath = `/api/v1/namespaces/garden-dev/events/${name}.ssa?fieldManager=gardenlet`;
    const stale = await garden.call(
      token,
      'PATCH',
      eventPath,
      event('00000000-0000-0000-0000-000000000000'),
      APPLY,
    );
    expect(stale.status, JSON.stringify(stale.body)).toBe(403);
    expect((await garden.call('dev-admin', 'PATCH', eventPath, event(uid), APPLY)).status).toBe(403);
    const recorded = await garden.call(token, 'PATCH', eventPath, event(uid), APPLY);
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
    const yaml = await garden.kubectl(
      'dev-viewer',
      'get',
      'shoot',
      name,
      '-o',
      'yaml',
      '--show-managed-fields',
    );
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(yaml.stdout).toMatch(/manager: gardenlet\n\s+operation: Update\n\s+subresource: status/);
  });
});

describe('server-side apply with the pinned kubectl', () => {
  async function kubectl(user: string, ...args: string[]) {
    return garden.kubectl(user, ...args);
  }

  it('applies every kind the garden stores, and a second apply leaves the object as it was', async () => {
    const quotaKey = 'count/shoots.core.gardener.cloud';
    const objects: Array<[string, Record<string, unknown>]> = [
      [
        'admin',
        {
          apiVersion: 'core.gardener.cloud/v1beta1',
          kind: 'CloudProfile',
          metadata: { name: 'local', labels: { ssa: 'applied' } },
        },
      ],
      [
        'admin',
        {
          apiVersion: 'core.gardener.cloud/v1beta1',
          kind: 'Seed',
          metadata: { name: 'local', labels: { ssa: 'applied' } },
        },
      ],
      [
        'dev-owner',
        {
          apiVersion: 'core.gardener.cloud/v1beta1',
          kind: 'Project',
          metadata: { name: 'dev', labels: { ssa: 'applied' } },
        },
      ],
      [
        'admin',
        {
          apiVersion: 'quota.gardener-ts.io/v1alpha1',
          kind: 'ProjectQuota',
          metadata: { name: 'dev' },
          spec: { hard: { [quotaKey]: '30' } },
        },
      ],
      [
        'dev-admin',
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'ssa-cloud' },
          type: 'Opaque',
          stringData: { token: 'x' },
        },
      ],
      ['dev-admin', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa-cm' }, data: { a: '1' } }],
      [
        'dev-admin',
        {
          apiVersion: 'core.gardener.cloud/v1beta1',
          kind: 'SecretBinding',
          metadata: { name: 'ssa-sb' },
          secretRef: { name: 'ssa-cloud' },
          provider: { type: 'local' },
        },
      ],
      [
        'dev-admin',
        {
          apiVersion: 'security.gardener.cloud/v1alpha1',
          kind: 'CredentialsBinding',
          metadata: { name: 'ssa-cb' },
          credentialsRef: { apiVersion: 'v1', kind: 'Secret', name: 'ssa-cloud', namespace: 'garden-dev' },
          provider: { type: 'local' },
        },
      ],
      ['dev-admin', shootManifest('ssa-kinds')],
    ];
    for (const [user, object] of objects) {
      const file = manifest(`kind-${String(object.kind)}`, object);
      const first = await kubectl(user, 'apply', '--server-side', '-f', file);
      expect(first.code, `${String(object.kind)}: ${first.stderr}`).toBe(0);
      expect(first.stdout).toMatch(/ serverside-applied$/m);
      const read = await kubectl(user, 'get', '-f', file, '-o', 'json', '--show-managed-fields');
      const stored = JSON.parse(read.stdout) as Record<string, unknown>;
      expect(entryOf(stored, 'kubectl', 'Apply'), String(object.kind)).toBeDefined();
      const again = await kubectl(user, 'apply', '--server-side', '-f', file);
      expect(again.code, again.stderr).toBe(0);
      const reread = JSON.parse((await kubectl(user, 'get', '-f', file, '-o', 'json')).stdout) as KubeObject;
      expect(reread.metadata.resourceVersion, String(object.kind)).toBe(
        (stored as KubeObject).metadata.resourceVersion,
      );
    }
  });

  it('reports a conflict with client-side apply as kube-apiserver does; --force-conflicts takes the field', async () => {
    const shoot = shootManifest('ssa-conflict');
    const file = manifest('ssa-conflict', shoot);
    expect((await kubectl('dev-admin', 'apply', '-f', file)).stdout).toMatch(/created/);
    const changed = manifest('ssa-conflict-2', { ...shoot, spec: { ...shoot.spec, purpose: 'testing' } });
    const refused = await kubectl('dev-admin', 'apply', '--server-side', '--field-manager=ci', '-f', changed);
    expect(refused.code).not.toBe(0);
    const message =
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using core.gardener.cloud/v1beta1: .spec.purpose';
    expect(refused.stderr).toContain(message);
    // the Status itself
    const body = { ...shoot, spec: { ...shoot.spec, purpose: 'testing' } };
    const answer = await garden.call(
      'dev-admin',
      'PATCH',
      `${SHOOTS}/ssa-conflict?fieldManager=ci`,
      body,
      APPLY,
    );
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      message,
      details: {
        causes: [
          {
            reason: 'FieldManagerConflict',
            field: '.spec.purpose',
            message: 'conflict with "kubectl-client-side-apply" using core.gardener.cloud/v1beta1',
          },
        ],
      },
    });
    expect(((await get(`${SHOOTS}/ssa-conflict`)).spec as { purpose: string }).purpose).toBe('evaluation');
    const dry = await kubectl(
      'dev-admin',
      'apply',
      '--server-side',
      '--field-manager=ci',
      '--force-conflicts',
      '--dry-run=server',
      '-f',
      changed,
    );
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/serverside-applied \(server dry run\)/);
    expect(((await get(`${SHOOTS}/ssa-conflict`)).spec as { purpose: string }).purpose).toBe('evaluation');
    const forced = await kubectl(
      'dev-admin',
      'apply',
      '--server-side',
      '--field-manager=ci',
      '--force-conflicts',
      '-f',
      changed,
    );
    expect(forced.code, forced.stderr).toBe(0);
    const after = await get(`${SHOOTS}/ssa-conflict`);
    expect((after.spec as { purpose: string }).purpose).toBe('testing');
    expect(entryOf(after, 'ci', 'Apply')?.fieldsV1).toHaveProperty(['f:spec', 'f:purpose']);
    // kubectl then moves client-side apply's remaining fields to its applier (a JSON patch of managedFields)
    expect(entryOf(after, 'kubectl-client-side-apply')).toBeUndefined();
    // client-side apply keeps working on it
    const csa = await kubectl('dev-admin', 'apply', '-f', changed);
    expect(csa.code, csa.stderr).toBe(0);
  });

  it('removes what the applier no longer applies; other managers keep theirs', async () => {
    const cm = (data: Record<string, string>) => configMap('ssa-prune', data, { app: 'x' });
    expect(
      (
        await kubectl(
          'dev-admin',
          'apply',
          '--server-side',
          '-f',
          manifest('prune-1', cm({ a: '1', b: '2' })),
        )
      ).code,
    ).toBe(0);
    const label = await kubectl('dev-admin', 'label', 'configmap', 'ssa-prune', 'team=blue');
    expect(label.code, label.stderr).toBe(0);
    const second = await kubectl(
      'dev-admin',
      'apply',
      '--server-side',
      '-f',
      manifest('prune-2', configMap('ssa-prune', { a: '1' })),
    );
    expect(second.code, second.stderr).toBe(0);
    const stored = await get(`${CONFIGMAPS}/ssa-prune`);
    expect(stored.data).toEqual({ a: '1' });
    expect((stored.metadata as KubeObject['metadata']).labels).toEqual({ team: 'blue' });
    expect(entryOf(stored, 'kubectl-label')).toMatchObject({
      operation: 'Update',
      fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } },
    });
  });

  it('records kubectl edit under kubectl-edit, owning what the edit changed', async () => {
    await created(
      garden.call(
        'dev-admin',
        'POST',
        `${CONFIGMAPS}?fieldManager=maker`,
        configMap('ssa-edit', { a: '1', e: 'edit-me' }),
      ),
    );
    const editor = process.env.KUBE_EDITOR;
    process.env.KUBE_EDITOR = 'sed -i -e s/edit-me/edited/';
    const edit = await kubectl('dev-admin', 'edit', 'configmap', 'ssa-edit').finally(() => {
      if (editor === undefined) delete process.env.KUBE_EDITOR;
      else process.env.KUBE_EDITOR = editor;
    });
    expect(edit.code, edit.stderr).toBe(0);
    const stored = await get(`${CONFIGMAPS}/ssa-edit`);
    expect(stored.data).toEqual({ a: '1', e: 'edited' });
    expect(entryOf(stored, 'kubectl-edit')).toMatchObject({
      operation: 'Update',
      fieldsV1: { 'f:data': { 'f:e': {} } },
    });
    expect(entryOf(stored, 'maker')?.fieldsV1).toEqual({ 'f:data': { 'f:a': {} } });
  });

  it('records kubectl patch, annotate and client-side apply under their managers; a second client-side apply is unchanged', async () => {
    const file = manifest('csa', configMap('ssa-csa', { a: '1' }));
    expect((await kubectl('dev-admin', 'apply', '-f', file)).stdout).toMatch(/configmap\/ssa-csa created/);
    expect((await kubectl('dev-admin', 'apply', '-f', file)).stdout).toMatch(/configmap\/ssa-csa unchanged/);
    expect(
      (
        await kubectl(
          'dev-admin',
          'patch',
          'configmap',
          'ssa-csa',
          '--type',
          'merge',
          '-p',
          '{"data":{"b":"2"}}',
        )
      ).code,
    ).toBe(0);
    expect((await kubectl('dev-admin', 'annotate', 'configmap', 'ssa-csa', 'note=x')).code).toBe(0);
    const yaml = await kubectl(
      'dev-admin',
      'get',
      'configmap',
      'ssa-csa',
      '-o',
      'yaml',
      '--show-managed-fields',
    );
    expect(yaml.stdout).toMatch(/manager: kubectl-client-side-apply\n\s+operation: Update/);
    expect(yaml.stdout).toMatch(/manager: kubectl-patch/);
    expect(yaml.stdout).toMatch(/manager: kubectl-annotate/);
    expect(yaml.stdout).toMatch(/fieldsType: FieldsV1/);
    expect((await kubectl('dev-admin', 'get', 'configmap', 'ssa-csa', '-o', 'yaml')).stdout).not.toMatch(
      /managedFields/,
    );
    // server-side apply with kubectl's own manager takes client-side apply's fields over (kubectl migrates them)
    const ssa = await kubectl('dev-admin', 'apply', '--server-side', '-f', file);
    expect(ssa.code, ssa.stderr).toBe(0);
    expect(entryOf(await get(`${CONFIGMAPS}/ssa-csa`), 'kubectl', 'Apply')?.fieldsV1).toHaveProperty([
      'f:data',
      'f:a',
    ]);
  });
});
