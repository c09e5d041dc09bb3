import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleShoot, requireResourceByKind } from '@gardener-ts/api';
import { createCertificateAuthority } from '@gardener-ts/pki';
import { openStore, ResourceService } from '@gardener-ts/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type Answer,
  AUTH,
  CORE,
  MACHINES,
  OPERATIONS,
  startTenantGarden,
  type TenantGarden,
} from '../../apps/gardener-api/src/testing/tenant-garden.js';

/**
 * Issue 15, outcomes 2 and 3: what the gardenlet decides (status, machines, the `gardener`
 * finalizer) only the gardenlet (and a garden admin) writes, and kubeconfigs are issued for the
 * cluster the shoot's own identity names. Every attack is played by project members through the
 * real API; the garden admin (or the in-process ResourceService, as the gardenlet uses it) stands
 * in for the gardenlet.
 */

const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const DEV_SHOOTS = `${CORE}/namespaces/garden-dev/shoots`;
const OTHER_SHOOTS = `${CORE}/namespaces/garden-other/shoots`;
const DEV_BASTIONS = `${OPERATIONS}/namespaces/garden-dev/bastions`;
const DEV_CONFIGMAPS = '/api/v1/namespaces/garden-dev/configmaps';
const CONFIRM = { metadata: { annotations: { 'confirmation.gardener.cloud/deletion': 'true' } } };
const VICTIM_ID = 'shoot--other--victim';
/** Project members that write in garden-dev (the viewer and others are refused before anything else). */
const WRITERS = ['dev-owner', 'dev-admin', 'dev-robot'] as const;
const MEMBERS = [...WRITERS, 'dev-viewer', 'dev-uam', 'dev-serviceaccountmanager'] as const;

let g: TenantGarden;
let seedDir: string;

function ed25519PublicKey(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const withLength = (data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, data]);
  };
  return `ssh-ed25519 ${Buffer.concat([withLength(Buffer.from('ssh-ed25519')), withLength(raw)]).toString('base64')} me@laptop`;
}

/** What a deployed control plane leaves on the seed for kubeconfigs: its state and its cluster CA. */
async function fakeControlPlane(id: string): Promise<void> {
  const dir = join(seedDir, id);
  mkdirSync(join(dir, 'pki'), { recursive: true, mode: 0o700 });
  const ca = await createCertificateAuthority({ commonName: `${id}-ca` });
  writeFileSync(join(dir, 'pki', 'ca.crt'), ca.certPem);
  writeFileSync(join(dir, 'pki', 'ca.key'), ca.keyPem, { mode: 0o600 });
  const spec = { id, listenAddress: '127.0.0.1', serviceCidr: '100.104.0.0/13' };
  writeFileSync(
    join(dir, 'state.json'),
    JSON.stringify({ spec, clusterName: id, ports: { apiServer: 6443 } }),
  );
}

function shootBody(name: string, namespace = 'garden-dev'): Record<string, unknown> {
  const shoot = exampleShoot(name, namespace) as unknown as { spec: { networking: Record<string, unknown> } };
  delete shoot.spec.networking.nodes;
  return shoot as unknown as Record<string, unknown>;
}

async function created(user: string, path: string, body: unknown): Promise<Answer> {
  const answer = await g.call(user, 'POST', path, body);
  expect(answer.status, answer.text).toBe(201);
  return answer;
}

async function get(path: string): Promise<Answer['body']> {
  const answer = await g.call('admin', 'GET', path);
  expect(answer.status, answer.text).toBe(200);
  return answer.body;
}

/** The cluster a kubeconfig response is for. */
function clusterOf(answer: Answer): string {
  const status = answer.body.status as { kubeconfig: string };
  const config = parse(Buffer.from(status.kubeconfig, 'base64').toString()) as {
    clusters: Array<{ name: string }>;
  };
  return config.clusters[0]?.name ?? '';
}

beforeAll(async () => {
  seedDir = mkdtempSync(join(tmpdir(), 'gts-system-owned-seed-'));
  g = await startTenantGarden('system_owned', { GARDENER_TS_SEED_DIR: seedDir });
  // a project service account with the admin role: its tokens act as a member like any other
  const project = await get(`${CORE}/projects/dev`);
  const members = [
    ...((project.spec as { members: unknown[] }).members ?? []),
    { kind: 'ServiceAccount', name: 'robot', namespace: 'garden-dev', role: 'admin' },
  ];
  const patched = await g.call('dev-owner', 'PATCH', `${CORE}/projects/dev`, { spec: { members } }, MERGE);
  expect(patched.status, patched.text).toBe(200);
  const token = await created('dev-owner', `${AUTH}/namespaces/garden-dev/serviceaccounttokens`, {
    spec: { serviceAccountName: 'robot' },
  });
  g.tokens['dev-robot'] = (token.body.status as { token: string }).token;
  await created('dev-admin', DEV_SHOOTS, shootBody('mine'));
  await created('other-admin', OTHER_SHOOTS, shootBody('victim', 'garden-other'));
  await fakeControlPlane('shoot--dev--mine');
  await fakeControlPlane(VICTIM_ID);
});

afterAll(async () => {
  await g?.stop();
  if (seedDir) rmSync(seedDir, { recursive: true, force: true });
});

describe('status is the gardenlet’s', () => {
  const STATUS = `${DEV_SHOOTS}/mine/status`;
  const attacks: Array<[string, string, unknown, string?]> = [
    ['merge patch', 'PATCH', { status: { technicalID: VICTIM_ID } }, MERGE],
    ['json patch', 'PATCH', [{ op: 'replace', path: '/status/technicalID', value: VICTIM_ID }], JSON_PATCH],
    ['json patch add', 'PATCH', [{ op: 'add', path: '/status/seedName', value: 'elsewhere' }], JSON_PATCH],
    ['strategic patch', 'PATCH', { status: { technicalID: VICTIM_ID } }, STRATEGIC],
  ];

  it('refuses every member every write of shoots/status, and the status stays', async () => {
    const shoot = await get(`${DEV_SHOOTS}/mine`);
    const put = { ...shoot, status: { technicalID: VICTIM_ID } };
    const outcomes: string[] = [];
    for (const user of MEMBERS) {
      for (const [name, method, body, type] of [...attacks, ['put', 'PUT', put] as const]) {
        const answer = await g.call(user, method, STATUS, body, type);
        if (answer.status !== 403) outcomes.push(`${user} ${name}: ${answer.status}`);
      }
    }
    expect(outcomes).toEqual([]);
    expect((await get(`${DEV_SHOOTS}/mine`)).status).toEqual(shoot.status);
  });

  it('refuses status writes on every kind that has one (projects, bastions), and across tenants', async () => {
    const refused = async (user: string, path: string) =>
      (await g.call(user, 'PATCH', path, { status: { phase: 'Ready' } }, MERGE)).status;
    expect(await refused('dev-owner', `${CORE}/projects/dev/status`)).toBe(403);
    expect(await refused('dev-uam', `${CORE}/projects/dev/status`)).toBe(403);
    expect(await refused('dev-admin', `${OTHER_SHOOTS}/victim/status`)).toBe(403);
    expect(await refused('dev-owner', `${CORE}/seeds/local/status`)).toBe(403);
    await created('dev-admin', DEV_BASTIONS, bastionBody('b-status'));
    const bastionStatus = { status: { ingress: { ip: '10.0.0.1' }, sshHostKeys: ['ssh-ed25519 AAAA'] } };
    for (const user of WRITERS) {
      const path = `${DEV_BASTIONS}/b-status/status`;
      expect((await g.call(user, 'PATCH', path, bastionStatus, MERGE)).status).toBe(403);
    }
    expect((await get(`${DEV_BASTIONS}/b-status`)).status).toBeUndefined();
    // reading status stays allowed
    expect((await g.call('dev-viewer', 'GET', STATUS)).status).toBe(200);
  });

  it('drops status and server-owned metadata from create and update bodies', async () => {
    const body = shootBody('sneaky');
    Object.assign(body, { status: { technicalID: VICTIM_ID, seedName: 'x', hibernated: true } });
    Object.assign(body.metadata as object, {
      uid: 'chosen-uid',
      generation: 42,
      creationTimestamp: '2000-01-01T00:00:00Z',
      deletionTimestamp: '2000-01-01T00:00:00Z',
    });
    const shoot = (await created('dev-admin', DEV_SHOOTS, body)).body;
    expect(shoot.status).toEqual({ technicalID: 'shoot--dev--sneaky' });
    const meta = shoot.metadata as Record<string, unknown>;
    expect(meta.uid).not.toBe('chosen-uid');
    expect(meta.generation).toBe(1);
    expect(meta.deletionTimestamp).toBeUndefined();
    const path = `${DEV_SHOOTS}/sneaky`;
    const put = {
      ...shoot,
      metadata: { ...meta, uid: 'other', generation: 7, deletionTimestamp: '2000-01-01T00:00:00Z' },
      status: { technicalID: VICTIM_ID },
    };
    const updates: Array<[string, unknown, string?]> = [
      ['PUT', put],
      ['PATCH', { status: { technicalID: VICTIM_ID } }, MERGE],
      ['PATCH', { status: { technicalID: VICTIM_ID } }, STRATEGIC],
      ['PATCH', [{ op: 'replace', path: '/status/technicalID', value: VICTIM_ID }], JSON_PATCH],
      [
        'PATCH',
        [{ op: 'add', path: '/metadata/deletionTimestamp', value: '2000-01-01T00:00:00Z' }],
        JSON_PATCH,
      ],
    ];
    for (const [method, update, type] of updates) {
      const answer = await g.call('dev-admin', method, path, update, type);
      expect(answer.status, answer.text).toBe(200);
    }
    const after = await get(path);
    expect(after.status).toEqual({ technicalID: 'shoot--dev--sneaky' });
    expect(after.metadata).toMatchObject({ uid: meta.uid, generation: 1 });
    expect((after.metadata as Record<string, unknown>).deletionTimestamp).toBeUndefined();
    // the same for a Project's and a Bastion's status
    const project = await created('stranger', `${CORE}/projects`, {
      apiVersion: 'core.gardener.cloud/v1beta1',
      kind: 'Project',
      metadata: { name: 'statusy' },
      status: { phase: 'Ready' },
    });
    expect(project.body.status).toBeUndefined();
    const bastion = bastionBody('b-body');
    Object.assign(bastion, { status: { ingress: { ip: '10.0.0.1' } } });
    // an owner reference to another tenant's shoot is replaced by the bastion's own shoot
    const victim = (await get(`${OTHER_SHOOTS}/victim`)).metadata as { uid: string };
    const ownerReferences = [
      { apiVersion: 'core.gardener.cloud/v1beta1', kind: 'Shoot', name: 'victim', uid: victim.uid },
    ];
    Object.assign(bastion.metadata as object, { ownerReferences });
    const stored = (await created('dev-admin', DEV_BASTIONS, bastion)).body;
    expect(stored.status).toBeUndefined();
    const mine = (await get(`${DEV_SHOOTS}/mine`)).metadata as { uid: string };
    expect((stored.metadata as { ownerReferences: unknown[] }).ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Shoot', name: 'mine', uid: mine.uid }),
    ]);
  });
});

describe('kubeconfigs name the shoot’s own cluster', () => {
  it('issues the cluster of namespace and name, whatever status.technicalID says', async () => {
    // the attack of the issue: a project admin points its shoot's status at another tenant's cluster
    await g.call(
      'dev-admin',
      'PATCH',
      `${DEV_SHOOTS}/mine/status`,
      { status: { technicalID: VICTIM_ID } },
      MERGE,
    );
    // and even a status that says so (written by whoever may) does not move the kubeconfig
    const forged = await g.call(
      'admin',
      'PATCH',
      `${DEV_SHOOTS}/mine/status`,
      { status: { technicalID: VICTIM_ID } },
      MERGE,
    );
    expect(forged.status, forged.text).toBe(200);
    const labelled = { metadata: { labels: { 'shoot.gardener.cloud/technical-id': VICTIM_ID } } };
    expect((await g.call('dev-admin', 'PATCH', `${DEV_SHOOTS}/mine`, labelled, MERGE)).status).toBe(200);
    for (const [user, kind] of [
      ['dev-admin', 'adminkubeconfig'],
      ['dev-owner', 'adminkubeconfig'],
      ['dev-robot', 'adminkubeconfig'],
      ['dev-viewer', 'viewerkubeconfig'],
    ] as const) {
      const answer = await g.call(user, 'POST', `${DEV_SHOOTS}/mine/${kind}`, {});
      expect(answer.status, `${user} ${kind}: ${answer.text}`).toBe(201);
      expect(clusterOf(answer), `${user} ${kind}`).toBe('shoot--dev--mine');
    }
  });

  it('refuses kubeconfigs outside the caller’s roles', async () => {
    const refused: Array<[string, string]> = [
      ['dev-viewer', `${DEV_SHOOTS}/mine/adminkubeconfig`],
      ['dev-uam', `${DEV_SHOOTS}/mine/adminkubeconfig`],
      ['dev-serviceaccountmanager', `${DEV_SHOOTS}/mine/adminkubeconfig`],
      ['dev-admin', `${OTHER_SHOOTS}/victim/adminkubeconfig`],
      ['dev-owner', `${OTHER_SHOOTS}/victim/viewerkubeconfig`],
      ['stranger', `${DEV_SHOOTS}/mine/viewerkubeconfig`],
    ];
    for (const [user, path] of refused)
      expect((await g.call(user, 'POST', path, {})).status, `${user} ${path}`).toBe(403);
  });
});

describe('machines are the gardenlet’s', () => {
  const MACHINE_NS = `${MACHINES}/namespaces/garden-dev`;
  const objects: Record<string, Record<string, unknown>> = {
    machineclasses: {
      apiVersion: 'machine.sapcloud.io/v1alpha1',
      kind: 'MachineClass',
      metadata: { name: 'mine-pool-z1' },
      provider: 'local',
      providerSpec: { infrastructure: { bridge: 'gts-br-1', nodes: '10.10.0.0/24' } },
    },
    machinedeployments: {
      apiVersion: 'machine.sapcloud.io/v1alpha1',
      kind: 'MachineDeployment',
      metadata: { name: 'mine-pool-z1' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { pool: 'z1' } },
        template: {
          metadata: { labels: { pool: 'z1' } },
          spec: { class: { kind: 'MachineClass', name: 'mine-pool-z1' } },
        },
      },
    },
    machinesets: {
      apiVersion: 'machine.sapcloud.io/v1alpha1',
      kind: 'MachineSet',
      metadata: { name: 'mine-pool-z1-abc' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { pool: 'z1' } },
        template: {
          metadata: { labels: { pool: 'z1' } },
          spec: { class: { kind: 'MachineClass', name: 'mine-pool-z1' } },
        },
      },
    },
    machines: {
      apiVersion: 'machine.sapcloud.io/v1alpha1',
      kind: 'Machine',
      metadata: { name: 'mine-pool-z1-abc-xyz', labels: { pool: 'z1' } },
      spec: { class: { kind: 'MachineClass', name: 'mine-pool-z1' } },
    },
  };

  beforeAll(async () => {
    for (const [plural, body] of Object.entries(objects))
      await created('admin', `${MACHINE_NS}/${plural}`, body);
  });

  it('lets members read their machines', async () => {
    for (const user of ['dev-viewer', 'dev-admin', 'dev-owner']) {
      for (const [plural, body] of Object.entries(objects)) {
        const name = (body.metadata as { name: string }).name;
        expect((await g.call(user, 'GET', `${MACHINE_NS}/${plural}`)).status).toBe(200);
        expect((await g.call(user, 'GET', `${MACHINE_NS}/${plural}/${name}`)).status).toBe(200);
      }
    }
  });

  it('refuses members every write (create, update, each patch, delete, status), and nothing changes', async () => {
    const before: Record<string, unknown> = {};
    const accepted: string[] = [];
    for (const [plural, body] of Object.entries(objects)) {
      const name = (body.metadata as { name: string }).name;
      const item = `${MACHINE_NS}/${plural}/${name}`;
      before[plural] = await get(item);
      const stored = before[plural] as Record<string, unknown>;
      const writes: Array<[string, string, string, unknown?, string?]> = [
        ['create', 'POST', `${MACHINE_NS}/${plural}`, { ...body, metadata: { name: `${name}-new` } }],
        ['put', 'PUT', item, { ...stored, spec: { ...(stored.spec as object), replicas: 50 } }],
        ['merge', 'PATCH', item, { spec: { replicas: 50 }, providerSpec: { bridge: 'docker0' } }, MERGE],
        ['json', 'PATCH', item, [{ op: 'add', path: '/metadata/labels', value: { x: 'y' } }], JSON_PATCH],
        ['strategic', 'PATCH', item, { metadata: { labels: { x: 'y' } } }, STRATEGIC],
        ['delete', 'DELETE', item],
      ];
      if (plural !== 'machineclasses')
        writes.push(
          ['status put', 'PUT', `${item}/status`, { ...stored, status: { replicas: 9 } }],
          ['status patch', 'PATCH', `${item}/status`, { status: { replicas: 9 } }, MERGE],
        );
      for (const user of [...WRITERS, 'dev-viewer', 'other-admin']) {
        for (const [what, method, path, update, type] of writes) {
          const answer = await g.call(user, method, path, update, type);
          if (answer.status !== 403) accepted.push(`${user} ${what} ${plural}: ${answer.status}`);
        }
      }
    }
    expect(accepted).toEqual([]);
    for (const [plural, body] of Object.entries(objects)) {
      const name = (body.metadata as { name: string }).name;
      expect(await get(`${MACHINE_NS}/${plural}/${name}`)).toEqual(before[plural]);
    }
  });
});

function bastionBody(name: string): Record<string, unknown> {
  return {
    apiVersion: 'operations.gardener.cloud/v1alpha1',
    kind: 'Bastion',
    metadata: { name },
    spec: {
      shootRef: { name: 'mine' },
      sshPublicKey: ed25519PublicKey(),
      ingress: [{ ipBlock: { cidr: '10.1.2.3/32' } }],
    },
  };
}

describe('finalizers are the system’s', () => {
  /** The tricks a user may try to strip `gardener` from an object's finalizers. */
  function strips(name: string): Array<[string, string, unknown, string?]> {
    return [
      ['merge null', 'PATCH', { metadata: { finalizers: null } }, MERGE],
      ['merge replace', 'PATCH', { metadata: { finalizers: ['example.com/mine'] } }, MERGE],
      ['json remove', 'PATCH', [{ op: 'remove', path: '/metadata/finalizers/0' }], JSON_PATCH],
      ['json remove list', 'PATCH', [{ op: 'remove', path: '/metadata/finalizers' }], JSON_PATCH],
      [
        'json replace',
        'PATCH',
        [{ op: 'replace', path: '/metadata/finalizers/0', value: 'example.com/x' }],
        JSON_PATCH,
      ],
      [
        'json test+replace',
        'PATCH',
        [
          { op: 'test', path: '/metadata/finalizers/0', value: 'gardener' },
          { op: 'replace', path: '/metadata/finalizers', value: [] },
        ],
        JSON_PATCH,
      ],
      [
        'json move',
        'PATCH',
        [{ op: 'move', from: '/metadata/finalizers/0', path: '/metadata/labels/f' }],
        JSON_PATCH,
      ],
      [
        'json copy and remove',
        'PATCH',
        [
          { op: 'copy', from: '/metadata/name', path: '/metadata/finalizers/0' },
          { op: 'remove', path: '/metadata/finalizers/1' },
        ],
        JSON_PATCH,
      ],
      [
        'strategic delete',
        'PATCH',
        { metadata: { '$deleteFromPrimitiveList/finalizers': ['gardener'] } },
        STRATEGIC,
      ],
      ['strategic replace', 'PATCH', { metadata: { $patch: 'replace', name } }, STRATEGIC],
      [
        'strategic set order',
        'PATCH',
        { metadata: { '$setElementOrder/finalizers': [], finalizers: [] } },
        STRATEGIC,
      ],
      ['put', 'PUT', undefined],
    ];
  }

  /** Each trick as each user; what removed the finalizer (put back at once, while the object lives). */
  async function attemptStrips(path: string, name: string, users: readonly string[], kindStrategic: boolean) {
    const stripped: string[] = [];
    for (const user of users) {
      for (const [what, method, body, type] of strips(name)) {
        if (type === STRATEGIC && !kindStrategic) continue;
        const current = await g.call('admin', 'GET', path);
        const put = { ...current.body, metadata: { ...(current.body.metadata as object), finalizers: [] } };
        const answer = await g.call(user, method, path, what === 'put' ? put : body, type);
        const after = await g.call('admin', 'GET', path);
        const finalizers = (after.body.metadata as { finalizers?: string[] } | undefined)?.finalizers ?? [];
        if (after.status === 200 && finalizers.includes('gardener')) continue;
        stripped.push(
          `${user} ${what}: ${answer.status}, then ${after.status} ${JSON.stringify(finalizers)}`,
        );
        if (after.status === 200)
          await g.call('admin', 'PATCH', path, { metadata: { finalizers: ['gardener'] } }, MERGE);
      }
    }
    return stripped;
  }

  it('keeps the gardener finalizer on a live and on a deleting shoot; delete leaves it to the flow', async () => {
    await created('dev-admin', DEV_SHOOTS, shootBody('fin'));
    const path = `${DEV_SHOOTS}/fin`;
    // the gardenlet's first reconcile adds the finalizer
    const added = await g.call('admin', 'PATCH', path, { metadata: { finalizers: ['gardener'] } }, MERGE);
    expect(added.status, added.text).toBe(200);
    expect(await attemptStrips(path, 'fin', WRITERS, true)).toEqual([]);
    expect((await g.call('dev-admin', 'PATCH', path, CONFIRM, MERGE)).status).toBe(200);
    expect((await g.call('dev-admin', 'DELETE', path)).status).toBe(200);
    const deleting = await get(path);
    expect((deleting.metadata as { deletionTimestamp?: string }).deletionTimestamp).toBeTruthy();
    expect(await attemptStrips(path, 'fin', WRITERS, true)).toEqual([]);
    expect((await get(path)).metadata).toMatchObject({ finalizers: ['gardener'] });
    // other tenants cannot even try
    expect(
      (await g.call('other-owner', 'PATCH', path, { metadata: { finalizers: null } }, MERGE)).status,
    ).toBe(403);
  });

  it('keeps the gardener finalizer on a bastion', async () => {
    await created('dev-admin', DEV_BASTIONS, bastionBody('b-fin'));
    const path = `${DEV_BASTIONS}/b-fin`;
    expect(
      (await g.call('admin', 'PATCH', path, { metadata: { finalizers: ['gardener'] } }, MERGE)).status,
    ).toBe(200);
    expect(await attemptStrips(path, 'b-fin', WRITERS, false)).toEqual([]);
    expect((await g.call('dev-admin', 'DELETE', path)).status).toBe(200);
    expect(await attemptStrips(path, 'b-fin', WRITERS, false)).toEqual([]);
    expect((await get(path)).metadata).toMatchObject({ finalizers: ['gardener'] });
  });

  it('refuses system finalizers on any object, on create and on update; a user’s own finalizers are theirs', async () => {
    const SYSTEM = [
      'gardener',
      'gardener.cloud/reference-protection',
      'core.gardener.cloud/x',
      'kubernetes',
      'machine.sapcloud.io/machine-controller-manager',
      'GARDENER',
    ];
    const accepted: string[] = [];
    for (const finalizer of SYSTEM) {
      const configMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cm-${accepted.length}-x`, finalizers: [finalizer] },
      };
      const create = await g.call('dev-admin', 'POST', DEV_CONFIGMAPS, configMap);
      if (create.status !== 403) accepted.push(`create configmap with ${finalizer}: ${create.status}`);
      const shoot = shootBody('withfin');
      (shoot.metadata as { finalizers?: string[] }).finalizers = [finalizer];
      const shootCreate = await g.call('dev-admin', 'POST', DEV_SHOOTS, shoot);
      if (shootCreate.status !== 403) accepted.push(`create shoot with ${finalizer}: ${shootCreate.status}`);
      const add = { metadata: { finalizers: [finalizer] } };
      // a project carries the project controller's `gardener` from its creation: add next to it
      const toProject = { metadata: { finalizers: [...new Set(['gardener', finalizer])] } };
      const project = await g.call('dev-owner', 'PATCH', `${CORE}/projects/dev`, toProject, MERGE);
      const addsOne = finalizer !== 'gardener';
      if (addsOne && project.status !== 403) accepted.push(`add ${finalizer} to project: ${project.status}`);
      const onShoot = await g.call('dev-admin', 'PATCH', `${DEV_SHOOTS}/mine`, add, MERGE);
      if (onShoot.status !== 403) accepted.push(`add ${finalizer} to shoot: ${onShoot.status}`);
      const json = [{ op: 'add', path: '/metadata/finalizers', value: [finalizer] }];
      const byJson = await g.call('dev-robot', 'PATCH', `${DEV_SHOOTS}/mine`, json, JSON_PATCH);
      if (byJson.status !== 403) accepted.push(`json add ${finalizer} to shoot: ${byJson.status}`);
    }
    expect(accepted).toEqual([]);
    // a user's own finalizer: added, kept through delete, removed by the user
    const mine = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'own-fin', finalizers: ['example.com/cleanup'] },
    };
    await created('dev-admin', DEV_CONFIGMAPS, mine);
    expect((await g.call('dev-admin', 'DELETE', `${DEV_CONFIGMAPS}/own-fin`)).status).toBe(200);
    const release = await g.call(
      'dev-admin',
      'PATCH',
      `${DEV_CONFIGMAPS}/own-fin`,
      { metadata: { finalizers: null } },
      MERGE,
    );
    expect(release.status, release.text).toBe(200);
    expect((await g.call('dev-admin', 'GET', `${DEV_CONFIGMAPS}/own-fin`)).status).toBe(404);
  });

  it('tells the user what to do instead', async () => {
    const answer = await g.call(
      'dev-admin',
      'PATCH',
      `${DEV_SHOOTS}/mine`,
      { metadata: { finalizers: ['gardener'] } },
      MERGE,
    );
    expect(answer.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    expect(answer.body.message).toMatch(/finalizer "gardener"/);
  });

  it('leaves the gardenlet (in-process ResourceService) and the garden admin free to remove it', async () => {
    await created('dev-admin', DEV_SHOOTS, shootBody('gone'));
    const path = `${DEV_SHOOTS}/gone`;
    expect(
      (await g.call('admin', 'PATCH', path, { metadata: { finalizers: ['gardener'] } }, MERGE)).status,
    ).toBe(200);
    const store = await openStore({ databaseUrl: g.databaseUrl, keyFile: join(g.dataDir, 'secrets.key') });
    try {
      const resources = new ResourceService(store.repository, store.watches);
      const type = requireResourceByKind('Shoot');
      const next = await resources.patch(type, 'garden-dev', 'gone', 'merge', {
        metadata: { finalizers: null },
      });
      expect(next.metadata.finalizers).toBeUndefined();
      await resources.patch(type, 'garden-dev', 'gone', 'merge', { metadata: { finalizers: ['gardener'] } });
    } finally {
      await store.close();
    }
    // a garden admin may force a deletion (documented): remove the finalizer of a deleting shoot
    expect((await g.call('dev-admin', 'PATCH', path, CONFIRM, MERGE)).status).toBe(200);
    expect((await g.call('dev-admin', 'DELETE', path)).status).toBe(200);
    expect((await g.call('admin', 'PATCH', path, { metadata: { finalizers: null } }, MERGE)).status).toBe(
      200,
    );
    expect((await g.call('admin', 'GET', path)).status).toBe(404);
  });
});

describe('bindings stay in their namespace', () => {
  it('refuses a SecretBinding or CredentialsBinding that names another tenant’s secret', async () => {
    const secretBinding = {
      apiVersion: 'core.gardener.cloud/v1beta1',
      kind: 'SecretBinding',
      metadata: { name: 'theirs' },
      secretRef: { name: 'credentials', namespace: 'garden-other' },
      provider: { type: 'local' },
    };
    const credentialsBinding = {
      apiVersion: 'security.gardener.cloud/v1alpha1',
      kind: 'CredentialsBinding',
      metadata: { name: 'theirs' },
      credentialsRef: { apiVersion: 'v1', kind: 'Secret', name: 'credentials', namespace: 'garden-other' },
      provider: { type: 'local' },
    };
    const sb = await g.call(
      'dev-admin',
      'POST',
      `${CORE}/namespaces/garden-dev/secretbindings`,
      secretBinding,
    );
    expect(sb.status, sb.text).toBe(403);
    const cb = await g.call(
      'dev-admin',
      'POST',
      '/apis/security.gardener.cloud/v1alpha1/namespaces/garden-dev/credentialsbindings',
      credentialsBinding,
    );
    expect([403, 422]).toContain(cb.status);
    // one of its own namespace is fine, and cannot be moved to another tenant's secret afterwards
    const own = { ...secretBinding, metadata: { name: 'own' }, secretRef: { name: 'credentials' } };
    await created('dev-admin', `${CORE}/namespaces/garden-dev/secretbindings`, own);
    const path = `${CORE}/namespaces/garden-dev/secretbindings/own`;
    const moves: Array<[unknown, string]> = [
      [{ secretRef: { namespace: 'garden-other' } }, MERGE],
      [[{ op: 'replace', path: '/secretRef/namespace', value: 'garden-other' }], JSON_PATCH],
    ];
    for (const [body, type] of moves)
      expect((await g.call('dev-admin', 'PATCH', path, body, type)).status).toBe(403);
    expect(await get(path)).toMatchObject({ secretRef: { namespace: 'garden-dev' } });
  });
});
