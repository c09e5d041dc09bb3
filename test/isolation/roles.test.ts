import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUTH,
  CORE,
  startTenantGarden,
  type TenantGarden,
} from '../../apps/gardener-api/src/testing/tenant-garden.js';

/**
 * Issue 15, outcome 9: project roles as Gardener has them. A uam manages members but cannot make
 * anyone owner; a viewer reads no secret by any path; rotating the garden admin token ends the old
 * one at once.
 */

const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const TABLE = 'application/json;as=Table;g=meta.k8s.io;v=v1';
const SECRET_MARKER = 'tenant-secret-value-7f3a';
const SECRET_B64 = Buffer.from(SECRET_MARKER).toString('base64');

let g: TenantGarden;

const user = (name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name });

beforeAll(async () => {
  g = await startTenantGarden('roles');
  for (const name of ['credentials', 'mine.ssh-keypair', 'mine.kubeconfig']) {
    const created = await g.call('dev-admin', 'POST', '/api/v1/namespaces/garden-dev/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, labels: { app: 'x' } },
      data: { key: SECRET_B64 },
    });
    expect(created.status, created.text).toBe(201);
  }
});

afterAll(async () => {
  await g?.stop();
});

describe('uam', () => {
  /** A project of its own per test: `<p>-owner` owns it, `<p>-uam` and `<p>-admin` are members. */
  async function project(name: string): Promise<string> {
    for (const role of ['owner', 'uam', 'admin', 'newbie']) await g.issueUser(`${name}-${role}`);
    const created = await g.call(`${name}-owner`, 'POST', `${CORE}/projects`, {
      apiVersion: 'core.gardener.cloud/v1beta1',
      kind: 'Project',
      metadata: { name },
      spec: {
        members: [
          { ...user(`${name}-uam`), role: 'uam' },
          { ...user(`${name}-admin`), role: 'admin' },
        ],
      },
    });
    expect(created.status, created.text).toBe(201);
    await g.projectReady(name);
    return `${CORE}/projects/${name}`;
  }

  async function members(path: string): Promise<Array<Record<string, unknown>>> {
    return ((await g.call('admin', 'GET', path)).body.spec as { members: Array<Record<string, unknown>> })
      .members;
  }

  it('cannot make itself (or anyone) owner by any write', async () => {
    const path = await project('rl-uam');
    const current = (await g.call('admin', 'GET', path)).body;
    const others = await members(path);
    const attempts: Array<[string, string, unknown, string?]> = [
      ['spec.owner merge', 'PATCH', { spec: { owner: user('rl-uam-uam') } }, MERGE],
      ['spec.owner to admin', 'PATCH', { spec: { owner: user('rl-uam-admin') } }, MERGE],
      [
        'spec.owner json',
        'PATCH',
        [{ op: 'replace', path: '/spec/owner/name', value: 'rl-uam-uam' }],
        JSON_PATCH,
      ],
      ['spec.owner removed', 'PATCH', [{ op: 'remove', path: '/spec/owner' }], JSON_PATCH],
      [
        'member role owner',
        'PATCH',
        { spec: { members: [...others, { ...user('rl-uam-newbie'), role: 'owner' }] } },
        MERGE,
      ],
      [
        'own roles += owner',
        'PATCH',
        {
          spec: {
            members: others.map((m) => (m.name === 'rl-uam-uam' ? { ...m, roles: ['owner'] } : m)),
          },
        },
        MERGE,
      ],
      [
        'json add owner role',
        'PATCH',
        [{ op: 'add', path: '/spec/members/0/roles', value: ['owner'] }],
        JSON_PATCH,
      ],
      ['put owner', 'PUT', { ...current, spec: { ...(current.spec as object), owner: user('rl-uam-uam') } }],
    ];
    const accepted: string[] = [];
    for (const [what, method, body, type] of attempts) {
      const answer = await g.call('rl-uam-uam', method, path, body, type);
      if (answer.status !== 403) accepted.push(`${what}: ${answer.status}`);
    }
    expect(accepted).toEqual([]);
    const after = (await g.call('admin', 'GET', path)).body.spec as { owner: { name: string } };
    expect(after.owner.name).toBe('rl-uam-owner');
    // the uam gained nothing: it still cannot delete the project or issue service-account tokens
    const sa = await g.call('rl-uam-uam', 'POST', `${AUTH}/namespaces/garden-rl-uam/serviceaccounttokens`, {
      spec: { serviceAccountName: 'x' },
    });
    expect(sa.status).toBe(403);
    // nor may an admin move the ownership
    const byAdmin = await g.call(
      'rl-uam-admin',
      'PATCH',
      path,
      { spec: { owner: user('rl-uam-admin') } },
      MERGE,
    );
    expect(byAdmin.status).toBe(403);
  });

  it('still manages members (Gardener’s uam), an owner hands the project on, a uam cannot remove the owner', async () => {
    const path = await project('rl-mem');
    const others = await members(path);
    const withNewbie = [...others, { ...user('rl-mem-newbie'), role: 'viewer' }];
    const added = await g.call('rl-mem-uam', 'PATCH', path, { spec: { members: withNewbie } }, MERGE);
    expect(added.status, added.text).toBe(200);
    const asAdmin = withNewbie.map((m) => (m.name === 'rl-mem-newbie' ? { ...m, role: 'admin' } : m));
    expect((await g.call('rl-mem-uam', 'PATCH', path, { spec: { members: asAdmin } }, MERGE)).status).toBe(
      200,
    );
    // an owner member (as the owner wrote it) stays out of the uam's reach
    const ownerMember = [...asAdmin, { ...user('rl-mem-owner'), role: 'owner' }];
    expect(
      (await g.call('rl-mem-owner', 'PATCH', path, { spec: { members: ownerMember } }, MERGE)).status,
    ).toBe(200);
    expect((await g.call('rl-mem-uam', 'PATCH', path, { spec: { members: asAdmin } }, MERGE)).status).toBe(
      403,
    );
    // the owner hands ownership on
    const handover = await g.call(
      'rl-mem-owner',
      'PATCH',
      path,
      { spec: { owner: user('rl-mem-admin') } },
      MERGE,
    );
    expect(handover.status, handover.text).toBe(200);
  });
});

describe('a viewer reads no secret', () => {
  const NS = '/api/v1/namespaces/garden-dev/secrets';
  const paths: Array<[string, string, Record<string, string>?]> = [
    ['list', NS],
    ['list as Table', NS, { accept: TABLE }],
    ['list with labelSelector', `${NS}?labelSelector=app%3Dx`],
    ['list with fieldSelector', `${NS}?fieldSelector=metadata.name%3Dcredentials`],
    ['list with limit', `${NS}?limit=1`],
    ['watch=1', `${NS}?watch=1&timeoutSeconds=1`],
    ['watch=true', `${NS}?watch=true&timeoutSeconds=1`],
    ['watch as Table', `${NS}?watch=1&timeoutSeconds=1`, { accept: TABLE }],
    ['get', `${NS}/credentials`],
    ['get as Table', `${NS}/credentials?includeObject=Object`, { accept: TABLE }],
    ['get ssh keypair', `${NS}/mine.ssh-keypair`],
    ['get kubeconfig secret', `${NS}/mine.kubeconfig`],
    ['cluster-wide list', '/api/v1/secrets'],
    ['cluster-wide watch', '/api/v1/secrets?watch=1&timeoutSeconds=1'],
    ['cluster-wide Table', '/api/v1/secrets', { accept: TABLE }],
    ['status subresource', `${NS}/credentials/status`],
    ['apis path', '/apis/v1/namespaces/garden-dev/secrets'],
  ];

  async function read(token: string, path: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${g.server.url}${path}`, {
      headers: { authorization: `Bearer ${token}`, ...headers },
      signal: AbortSignal.timeout(5000),
    });
    return { status: response.status, text: await response.text() };
  }

  it('by any path: list, watch, get, Table, selectors, cluster-wide, subresources', async () => {
    const robot = await g.call('dev-owner', 'POST', `${AUTH}/namespaces/garden-dev/serviceaccounttokens`, {
      spec: { serviceAccountName: 'reader' },
    });
    const project = (await g.call('admin', 'GET', `${CORE}/projects/dev`)).body.spec as {
      members: unknown[];
    };
    const withReader = [
      ...project.members,
      { kind: 'ServiceAccount', name: 'reader', namespace: 'garden-dev', role: 'viewer' },
    ];
    expect(
      (await g.call('dev-owner', 'PATCH', `${CORE}/projects/dev`, { spec: { members: withReader } }, MERGE))
        .status,
    ).toBe(200);
    const readers: Record<string, string> = {
      'dev-viewer': g.tokens['dev-viewer'] ?? '',
      'dev-uam': g.tokens['dev-uam'] ?? '',
      'dev-serviceaccountmanager': g.tokens['dev-serviceaccountmanager'] ?? '',
      'viewer service account': (robot.body.status as { token: string }).token,
      'other-owner': g.tokens['other-owner'] ?? '',
      stranger: g.tokens.stranger ?? '',
    };
    const leaks: string[] = [];
    for (const [who, token] of Object.entries(readers)) {
      for (const [what, path, headers] of paths) {
        const answer = await read(token, path, headers);
        if (![403, 404].includes(answer.status) || answer.text.includes(SECRET_B64))
          leaks.push(`${who} ${what}: ${answer.status} ${answer.text.slice(0, 100)}`);
      }
    }
    expect(leaks).toEqual([]);
    // the project's admins do read them (the same paths work)
    expect((await read(g.tokens['dev-admin'] ?? '', `${NS}/credentials`)).text).toContain(SECRET_B64);
  });

  it('may ask only for a viewer kubeconfig; uam and serviceaccountmanager for none', async () => {
    const shoot = '/apis/core.gardener.cloud/v1beta1/namespaces/garden-dev/shoots/nothere';
    expect((await g.call('dev-viewer', 'POST', `${shoot}/adminkubeconfig`, {})).status).toBe(403);
    // allowed: the shoot is looked for (404), the request is not refused
    expect((await g.call('dev-viewer', 'POST', `${shoot}/viewerkubeconfig`, {})).status).toBe(404);
    for (const who of ['dev-uam', 'dev-serviceaccountmanager'])
      for (const kind of ['adminkubeconfig', 'viewerkubeconfig'])
        expect((await g.call(who, 'POST', `${shoot}/${kind}`, {})).status, `${who} ${kind}`).toBe(403);
  });
});

describe('the garden admin token', () => {
  const ROTATE = `${AUTH}/admintoken/rotate`;

  it('rotates at once: the old token is refused on the next request, the file and kubeconfig hold the new one', async () => {
    const old = g.tokens.admin ?? '';
    expect((await g.call(old, 'GET', `${CORE}/projects`)).status).toBe(200);
    expect((await g.call('dev-owner', 'POST', ROTATE, {})).status).toBe(403);
    expect((await g.call(undefined, 'POST', ROTATE, {})).status).toBe(401);
    const rotated = await g.call(old, 'POST', ROTATE, {});
    expect(rotated.status, rotated.text).toBe(201);
    const fresh = (rotated.body.status as { token: string }).token;
    expect(fresh).not.toBe(old);
    expect((await g.call(old, 'GET', `${CORE}/projects`)).status).toBe(401);
    expect((await g.call(fresh, 'GET', `${CORE}/projects`)).status).toBe(200);
    const file = join(g.dataDir, 'admin.token');
    expect(readFileSync(file, 'utf8').trim()).toBe(fresh);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(g.dataDir, 'garden.kubeconfig'), 'utf8')).toContain(fresh);
    expect(readFileSync(join(g.dataDir, 'garden.kubeconfig'), 'utf8')).not.toContain(old);
    expect(rotated.text).not.toContain(old);
    g.tokens.admin = fresh;
    // user tokens of other garden admins are theirs to revoke; the rotation leaves them
    expect((await g.call('admin', 'GET', `${AUTH}/usertokens`)).status).toBe(200);
  });
});
