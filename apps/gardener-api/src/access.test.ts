import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TLSSocket } from 'node:tls';
import { exampleCloudProfile, exampleProject, exampleSeed } from '@gardener-ts/api';
import { createCertificateAuthority, issueCertificate } from '@gardener-ts/pki';
import { createTestDatabase } from '@gardener-ts/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type RunningServer, startServer } from './testing/server.js';

const CORE = '/apis/core.gardener.cloud/v1beta1';
const AUTH = '/apis/auth.gardener-ts.io/v1alpha1';
const NS = 'garden-dev';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let server: RunningServer;
let admin: string;
const tokens: Record<string, string> = {};

interface Answer {
  status: number;
  body: Record<string, unknown> & { items?: Array<{ metadata: { name: string } }> };
}

async function call(
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = contentType;
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : { text } };
}

async function issueUser(user: string, extra: Record<string, unknown> = {}): Promise<string> {
  const answer = await call(admin, 'POST', `${AUTH}/usertokens`, { spec: { user, ...extra } });
  expect(answer.status).toBe(201);
  return (answer.body.status as { token: string }).token;
}

function auditLines(): Array<Record<string, unknown> & { audit: Record<string, unknown> }> {
  return server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"audit"'))
    .map((l) => JSON.parse(l));
}

beforeAll(async () => {
  db = await createTestDatabase('gts_access');
  dir = mkdtempSync(join(tmpdir(), 'gts-access-'));
  server = await startServer({
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: db.url,
    GARDENER_DATA_DIR: dir,
    GARDENER_TLS: 'off',
  });
  admin = readFileSync(join(dir, 'admin.token'), 'utf8').trim();
  await call(admin, 'POST', `${CORE}/cloudprofiles`, exampleCloudProfile());
  await call(admin, 'POST', `${CORE}/seeds`, exampleSeed());
  for (const user of ['owner', 'admin', 'viewer', 'uam', 'sam', 'stranger'])
    tokens[user] = await issueUser(user);
  const project = exampleProject();
  project.spec.owner = { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'owner' };
  project.spec.members = ['admin', 'viewer', 'uam'].map((role) => ({
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'User' as const,
    name: role,
    role,
  }));
  project.spec.members.push({
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'User',
    name: 'sam',
    role: 'serviceaccountmanager',
  });
  project.spec.members.push({ kind: 'ServiceAccount', name: 'ci', namespace: NS, role: 'viewer' });
  expect((await call(admin, 'POST', `${CORE}/projects`, project)).status).toBe(201);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('authentication', () => {
  it('refuses requests without a valid token with 401 Status; health and version stay public', async () => {
    for (const token of [undefined, 'gts_not-a-token']) {
      const answer = await call(token, 'GET', `${CORE}/namespaces/${NS}/shoots`);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    }
    expect((await call(undefined, 'GET', '/apis')).status).toBe(401);
    expect((await call(undefined, 'GET', '/healthz')).status).toBe(200);
    expect((await call(undefined, 'GET', '/version')).status).toBe(200);
  });

  it('keeps the admin token in a 0600 file, stores tokens hashed and never logs them', async () => {
    expect(statSync(join(dir, 'admin.token')).mode & 0o777).toBe(0o600);
    const kubeconfigPath = join(dir, 'garden.kubeconfig');
    expect(statSync(kubeconfigPath).mode & 0o777).toBe(0o600);
    const kubeconfig = parse(readFileSync(kubeconfigPath, 'utf8'));
    expect(kubeconfig.users[0].user.token).toBe(admin);
    expect(kubeconfig.clusters[0].cluster.server).toBe(server.url);
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query(
      "SELECT encode(hash, 'hex') AS h, row_to_json(t)::text AS r FROM auth_tokens t",
    );
    await client.end();
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows)
      for (const token of [admin, ...Object.values(tokens)]) expect(row.r).not.toContain(token);
    for (const token of [admin, ...Object.values(tokens)]) expect(server.output()).not.toContain(token);
  });

  it('lets a garden admin issue, list and revoke user tokens; revocation takes effect at once', async () => {
    const answer = await call(admin, 'POST', `${AUTH}/usertokens`, {
      metadata: { name: 'carol-laptop' },
      spec: { user: 'carol' },
    });
    expect(answer.status).toBe(201);
    const carol = (answer.body.status as { token: string }).token;
    expect((await call(carol, 'GET', `${CORE}/cloudprofiles`)).status).toBe(200);
    const list = await call(admin, 'GET', `${AUTH}/usertokens`);
    expect(JSON.stringify(list.body)).not.toContain(carol);
    expect(list.body.items?.map((i) => i.metadata.name)).toContain('carol-laptop');
    expect(
      (await call(tokens.owner, 'POST', `${AUTH}/usertokens`, { spec: { user: 'mallory' } })).status,
    ).toBe(403);
    expect((await call(admin, 'DELETE', `${AUTH}/usertokens/carol-laptop`)).status).toBe(200);
    expect((await call(carol, 'GET', `${CORE}/cloudprofiles`)).status).toBe(401);
  });

  it('issues project service-account tokens to owners and serviceaccountmanagers, and revokes them', async () => {
    const path = `${AUTH}/namespaces/${NS}/serviceaccounttokens`;
    expect((await call(tokens.viewer, 'POST', path, { spec: { serviceAccountName: 'ci' } })).status).toBe(
      403,
    );
    const issued = await call(tokens.sam, 'POST', path, {
      metadata: { name: 'ci-1' },
      spec: { serviceAccountName: 'ci' },
    });
    expect(issued.status).toBe(201);
    const ci = (issued.body.status as { token: string }).token;
    // ci is a viewer member (kind ServiceAccount): it may read shoots but not secrets
    expect((await call(ci, 'GET', `${CORE}/namespaces/${NS}/shoots`)).status).toBe(200);
    expect((await call(ci, 'GET', `/api/v1/namespaces/${NS}/secrets`)).status).toBe(403);
    expect((await call(tokens.owner, 'DELETE', `${path}/ci-1`)).status).toBe(200);
    expect((await call(ci, 'GET', `${CORE}/namespaces/${NS}/shoots`)).status).toBe(401);
  });
});

describe('authorization', () => {
  const kinds = {
    shoots: `${CORE}/namespaces/${NS}/shoots`,
    secretbindings: `${CORE}/namespaces/${NS}/secretbindings`,
    secrets: `/api/v1/namespaces/${NS}/secrets`,
    configmaps: `/api/v1/namespaces/${NS}/configmaps`,
  };
  const verbs = ['get', 'list', 'create', 'update', 'patch', 'delete'] as const;
  const canRead = (role: string, kind: string) =>
    ['owner', 'admin'].includes(role) || (role === 'viewer' && kind !== 'secrets');
  const canWrite = (role: string) => ['owner', 'admin'].includes(role);

  /** Authorization runs before the object is looked at, so a 404 or 422 means "allowed". */
  async function attempt(token: string, verb: (typeof verbs)[number], collection: string): Promise<number> {
    const item = `${collection}/does-not-exist?dryRun=All`;
    switch (verb) {
      case 'get':
        return (await call(token, 'GET', `${collection}/does-not-exist`)).status;
      case 'list':
        return (await call(token, 'GET', collection)).status;
      case 'create':
        return (await call(token, 'POST', `${collection}?dryRun=All`, {})).status;
      case 'update':
        return (await call(token, 'PUT', item, {})).status;
      case 'patch':
        return (await call(token, 'PATCH', item, {}, 'application/merge-patch+json')).status;
      case 'delete':
        return (await call(token, 'DELETE', item)).status;
    }
  }

  it('grants each project role exactly its verbs on every namespaced kind (role × kind × verb)', async () => {
    const mismatches: string[] = [];
    for (const role of ['owner', 'admin', 'viewer', 'uam', 'sam', 'stranger']) {
      for (const [kind, collection] of Object.entries(kinds)) {
        for (const verb of verbs) {
          const status = await attempt(tokens[role] ?? '', verb, collection);
          const allowed = verb === 'get' || verb === 'list' ? canRead(role, kind) : canWrite(role);
          if ((status === 403) === allowed) mismatches.push(`${role} ${verb} ${kind}: ${status}`);
        }
      }
      const adminStatus = await attempt(admin, 'create', kinds.secrets);
      if (adminStatus === 403) mismatches.push(`garden admin create secrets: ${adminStatus}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('lets everyone read cloud profiles and seeds, but only garden admins write them', async () => {
    for (const path of [`${CORE}/cloudprofiles`, `${CORE}/seeds`]) {
      expect((await call(tokens.stranger, 'GET', path)).status).toBe(200);
      expect((await call(tokens.owner, 'POST', `${path}?dryRun=All`, {})).status).toBe(403);
      expect((await call(tokens.owner, 'DELETE', `${path}/local`)).status).toBe(403);
      expect((await call(admin, 'POST', `${path}?dryRun=All`, {})).status).not.toBe(403);
    }
    expect((await call(tokens.owner, 'GET', `/api/v1/namespaces/garden/secrets`)).status).toBe(403);
  });

  it('lets any user create a project and become its owner; lists show only their projects', async () => {
    const created = await call(tokens.stranger, 'POST', `${CORE}/projects`, {
      apiVersion: 'core.gardener.cloud/v1beta1',
      kind: 'Project',
      metadata: { name: 'mine' },
    });
    expect(created.status).toBe(201);
    expect(created.body.spec).toMatchObject({
      owner: { kind: 'User', name: 'stranger' },
      createdBy: { name: 'stranger' },
    });
    expect(
      (await call(tokens.stranger, 'GET', `${CORE}/projects`)).body.items?.map((p) => p.metadata.name),
    ).toEqual(['mine']);
    expect(
      (await call(tokens.viewer, 'GET', `${CORE}/projects`)).body.items?.map((p) => p.metadata.name),
    ).toEqual(['dev']);
    expect((await call(tokens.stranger, 'GET', `${CORE}/projects/dev`)).status).toBe(403);
    const shoots = await call(tokens.stranger, 'GET', `${CORE}/namespaces/garden-mine/shoots`);
    expect(shoots.status).toBe(200);
  });

  it("ends a project's service-account tokens with the project", async () => {
    const issued = await call(
      tokens.stranger,
      'POST',
      `${AUTH}/namespaces/garden-mine/serviceaccounttokens`,
      {
        spec: { serviceAccountName: 'robot' },
      },
    );
    expect(issued.status).toBe(201);
    const robot = (issued.body.status as { token: string }).token;
    expect((await call(robot, 'GET', `${CORE}/cloudprofiles`)).status).toBe(200);
    const confirm = { metadata: { annotations: { 'confirmation.gardener.cloud/deletion': 'true' } } };
    expect(
      (await call(tokens.stranger, 'PATCH', `${CORE}/projects/mine`, confirm, 'application/merge-patch+json'))
        .status,
    ).toBe(200);
    expect((await call(tokens.stranger, 'DELETE', `${CORE}/projects/mine`)).status).toBe(200);
    expect((await call(robot, 'GET', `${CORE}/cloudprofiles`)).status).toBe(401);
  });

  it('leaves members to uam and owner, and the rest of a project to admin and owner', async () => {
    const patch = (token: string | undefined, body: unknown) =>
      call(token, 'PATCH', `${CORE}/projects/dev`, body, 'application/merge-patch+json');
    const project = (await call(admin, 'GET', `${CORE}/projects/dev`)).body as {
      spec: { members: unknown[] };
    };
    const members = [
      ...project.spec.members,
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'dave', role: 'viewer' },
    ];
    expect((await patch(tokens.admin, { spec: { members } })).status).toBe(403);
    expect((await patch(tokens.uam, { spec: { description: 'x' } })).status).toBe(403);
    expect((await patch(tokens.viewer, { spec: { description: 'x' } })).status).toBe(403);
    expect((await patch(tokens.uam, { spec: { members } })).status).toBe(200);
    expect((await patch(tokens.admin, { spec: { description: 'dev team' } })).status).toBe(200);
    expect((await call(tokens.viewer, 'DELETE', `${CORE}/projects/dev`)).status).toBe(403);
  });

  it('writes one audit line per mutation and per denial, without secrets', async () => {
    await call(tokens.viewer, 'POST', `${kinds.configmaps}`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'audit-x' },
    });
    await call(tokens.admin, 'POST', `${kinds.configmaps}`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'audit-y' },
    });
    await call(undefined, 'GET', kinds.shoots);
    await sleep(100);
    const lines = auditLines();
    const denied = lines.find(
      (l) =>
        l.audit.user === 'viewer' &&
        l.audit.name === null &&
        l.audit.verb === 'create' &&
        l.audit.resource === 'configmaps',
    );
    expect(denied?.audit).toMatchObject({ decision: 'deny', code: 403, namespace: NS });
    expect(String(denied?.audit.reason)).toMatch(/owner or admin/);
    expect(typeof denied?.reqId).toBe('string');
    const allowed = lines.filter(
      (l) =>
        l.audit.user === 'admin' &&
        l.audit.verb === 'create' &&
        l.audit.path === kinds.configmaps &&
        l.audit.code !== 422,
    );
    expect(allowed.map((l) => l.audit.code)).toEqual([201]);
    expect(lines.some((l) => l.audit.code === 401 && l.audit.user === null)).toBe(true);
    // reads are not audited
    expect(lines.some((l) => l.audit.verb === 'list' && l.audit.code === 200)).toBe(false);
  });
});

describe('TLS', () => {
  it('serves HTTPS with a certificate from the garden CA, refuses plain HTTP off loopback', async () => {
    const tlsDir = mkdtempSync(join(tmpdir(), 'gts-tls-'));
    const tlsServer = await startServer({
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: db.url,
      GARDENER_DATA_DIR: tlsDir,
      GARDENER_TLS: 'on',
    });
    try {
      expect(tlsServer.url).toMatch(/^https:/);
      const kubeconfig = parse(readFileSync(join(tlsDir, 'garden.kubeconfig'), 'utf8'));
      const ca = Buffer.from(
        kubeconfig.clusters[0].cluster['certificate-authority-data'],
        'base64',
      ).toString();
      expect(statSync(join(tlsDir, 'tls', 'ca.key')).mode & 0o777).toBe(0o600);
      const token = kubeconfig.users[0].user.token as string;
      const status = await new Promise<number>((resolve, reject) => {
        const req = https.get(
          `${tlsServer.url}/apis`,
          { ca, headers: { authorization: `Bearer ${token}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
      });
      expect(status).toBe(200);
      const untrusted = await new Promise<string>((resolve) => {
        https
          .get(`${tlsServer.url}/healthz`, (res) => resolve(`status ${res.statusCode}`))
          .on('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? 'error'));
      });
      expect(untrusted).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    } finally {
      await tlsServer.stop();
    }
    await expect(
      startServer({
        HOST: '0.0.0.0',
        PORT: '0',
        DATABASE_URL: db.url,
        GARDENER_DATA_DIR: tlsDir,
        GARDENER_TLS: 'off',
      }),
    ).rejects.toThrow(/loopback/);
    rmSync(tlsDir, { recursive: true, force: true });
  });

  it('serves an operator-supplied certificate and names its CA in the kubeconfig', async () => {
    const tlsDir = mkdtempSync(join(tmpdir(), 'gts-optls-'));
    const ca = await createCertificateAuthority({ commonName: 'operator CA' });
    const leaf = await issueCertificate(ca, {
      commonName: 'garden.example',
      usage: 'server',
      hosts: ['127.0.0.1', 'garden.example'],
    });
    for (const [name, text] of [
      ['ca.crt', ca.certPem],
      ['tls.crt', leaf.certPem],
      ['tls.key', leaf.keyPem],
    ] as const)
      writeFileSync(join(tlsDir, name), text, { mode: 0o600 });
    const opServer = await startServer({
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: db.url,
      GARDENER_DATA_DIR: tlsDir,
      GARDENER_TLS: 'on',
      GARDENER_TLS_CERT_FILE: join(tlsDir, 'tls.crt'),
      GARDENER_TLS_KEY_FILE: join(tlsDir, 'tls.key'),
      GARDENER_TLS_CA_FILE: join(tlsDir, 'ca.crt'),
    });
    try {
      const kubeconfig = parse(readFileSync(join(tlsDir, 'garden.kubeconfig'), 'utf8'));
      const caPem = Buffer.from(
        kubeconfig.clusters[0].cluster['certificate-authority-data'],
        'base64',
      ).toString();
      expect(caPem).toBe(ca.certPem);
      const subject = await new Promise<string>((resolve, reject) => {
        https
          .get(`${opServer.url}/healthz`, { ca: caPem }, (res) => {
            res.resume();
            resolve(String((res.socket as TLSSocket).getPeerCertificate().subject.CN));
          })
          .on('error', reject);
      });
      expect(subject).toBe('garden.example');
    } finally {
      await opServer.stop();
      rmSync(tlsDir, { recursive: true, force: true });
    }
  });
});
