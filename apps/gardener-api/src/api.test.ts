import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { exampleCloudProfile, exampleProject, exampleSeed, exampleShoot } from '@gardener-ts/api';
import { createTestDatabase } from '@gardener-ts/store';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './testing/server.js';

const CORE = '/apis/core.gardener.cloud/v1beta1';
const SHOOTS = `${CORE}/namespaces/garden-dev/shoots`;
const SECRETS = '/api/v1/namespaces/garden-dev/secrets';
const CONFIGMAPS = '/api/v1/namespaces/garden-dev/configmaps';
const CONFIRM = { metadata: { annotations: { 'confirmation.gardener.cloud/deletion': 'true' } } };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let server: RunningServer | undefined;
let api: ReturnType<typeof request.agent>;
let baseUrl: string;
let adminToken: string;

const _REPO = fileURLToPath(new URL('../../../', import.meta.url));
const WATCH_HISTORY_SECONDS = 2;

beforeAll(async () => {
  db = await createTestDatabase('gts_api');
  dir = mkdtempSync(join(tmpdir(), 'gts-api-'));
  const started = await startServer({
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: db.url,
    GARDENER_DATA_DIR: dir,
    WATCH_HISTORY_SECONDS: String(WATCH_HISTORY_SECONDS),
    BODY_LIMIT_BYTES: String(64 * 1024),
  });
  server = started;
  baseUrl = started.url;
  adminToken = readFileSync(join(dir, 'admin.token'), 'utf8').trim();
  api = request.agent(baseUrl).set('authorization', `Bearer ${adminToken}`);
  await api.post(`${CORE}/cloudprofiles`).send(exampleCloudProfile()).expect(201);
  await api.post(`${CORE}/seeds`).send(exampleSeed()).expect(201);
  await api.post(`${CORE}/projects`).send(exampleProject()).expect(201);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function rawQuery(sql: string): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

function expectStatus(body: Record<string, unknown>, code: number, reason: string): void {
  expect(body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
  expect(typeof body.message).toBe('string');
}

describe('shoots', () => {
  it('creates a shoot with defaults, reads, lists, updates and patches it', async () => {
    const shoot = exampleShoot('web');
    delete shoot.spec.maintenance;
    const created = await api.post(SHOOTS).send(shoot).expect(201);
    expect(created.body.spec.kubernetes.version).toBe('1.34.1');
    expect(created.body.spec.maintenance.timeWindow.begin).toMatch(/^\d{6}\+0000$/);
    expect(created.body.status.technicalID).toBe('shoot--dev--web');
    expect(created.body.metadata.generation).toBe(1);

    const got = await api.get(`${SHOOTS}/web`).expect(200);
    expect(got.body).toEqual(created.body);
    const list = await api.get(SHOOTS).expect(200);
    expect(list.body.kind).toBe('ShootList');
    expect(list.body.items.map((s: { metadata: { name: string } }) => s.metadata.name)).toEqual(['web']);

    const updated = await api
      .put(`${SHOOTS}/web`)
      .send({ ...got.body, spec: { ...got.body.spec, purpose: 'development' } })
      .expect(200);
    expect(updated.body.metadata.generation).toBe(2);

    const merged = await api
      .patch(`${SHOOTS}/web`)
      .set('content-type', 'application/merge-patch+json')
      .send(JSON.stringify({ metadata: { labels: { team: 'a' } } }))
      .expect(200);
    expect(merged.body.metadata.labels).toEqual({ team: 'a' });
    expect(merged.body.metadata.generation).toBe(2);

    const jsonPatched = await api
      .patch(`${SHOOTS}/web`)
      .set('content-type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'replace', path: '/spec/provider/workers/0/maximum', value: 4 }]))
      .expect(200);
    expect(jsonPatched.body.spec.provider.workers[0].maximum).toBe(4);
    expect(jsonPatched.body.metadata.generation).toBe(3);
  });

  it('writes status only through the status subresource', async () => {
    const status = {
      lastOperation: {
        type: 'Create',
        state: 'Processing',
        progress: 10,
        description: 'x',
        lastUpdateTime: '2026-01-01T00:00:00Z',
      },
    };
    const viaStatus = await api
      .patch(`${SHOOTS}/web/status`)
      .set('content-type', 'application/merge-patch+json')
      .send(JSON.stringify({ status }))
      .expect(200);
    expect(viaStatus.body.status.lastOperation.progress).toBe(10);
    const viaMain = await api
      .patch(`${SHOOTS}/web`)
      .set('content-type', 'application/merge-patch+json')
      .send(JSON.stringify({ status: { hibernated: true } }))
      .expect(200);
    expect(viaMain.body.status.hibernated).toBeUndefined();
    await api.get(`${CORE}/cloudprofiles/local/status`).expect(404);
  });

  it('needs the confirmation annotation to delete a shoot', async () => {
    const refused = await api.delete(`${SHOOTS}/web`).expect(403);
    expectStatus(refused.body, 403, 'Forbidden');
    expect(refused.body.message).toContain('confirmation.gardener.cloud/deletion');
    await api
      .patch(`${SHOOTS}/web`)
      .set('content-type', 'application/merge-patch+json')
      .send(JSON.stringify(CONFIRM))
      .expect(200);
    await api.delete(`${SHOOTS}/web`).expect(200);
    expectStatus((await api.get(`${SHOOTS}/web`).expect(404)).body, 404, 'NotFound');
  });

  it('dry-runs a create: validated and defaulted, nothing stored', async () => {
    const dry = await api.post(`${SHOOTS}?dryRun=All`).send(exampleShoot('dry')).expect(201);
    expect(dry.body.spec.kubernetes.version).toBe('1.34.1');
    await api.get(`${SHOOTS}/dry`).expect(404);
    expectStatus(
      (await api.post(`${SHOOTS}?dryRun=Some`).send(exampleShoot('dry')).expect(400)).body,
      400,
      'BadRequest',
    );
  });

  it('answers a stale update with 409 Conflict and keeps the stored object', async () => {
    const created = await api.post(SHOOTS).send(exampleShoot('stale')).expect(201);
    await api
      .put(`${SHOOTS}/stale`)
      .send({ ...created.body, metadata: { ...created.body.metadata, labels: { v: '1' } } })
      .expect(200);
    const conflict = await api
      .put(`${SHOOTS}/stale`)
      .send({ ...created.body, metadata: { ...created.body.metadata, labels: { v: '2' } } })
      .expect(409);
    expectStatus(conflict.body, 409, 'Conflict');
    expect((await api.get(`${SHOOTS}/stale`)).body.metadata.labels).toEqual({ v: '1' });
    expectStatus((await api.post(SHOOTS).send(exampleShoot('stale')).expect(409)).body, 409, 'AlreadyExists');
  });

  it('lets only one of N concurrent writers from one version win over HTTP', async () => {
    const base = (
      await api
        .post(CONFIGMAPS)
        .send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'race' }, data: { a: '0' } })
        .expect(201)
    ).body;
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        api.put(`${CONFIGMAPS}/race`).send({ ...base, data: { a: String(i + 1) } }),
      ),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(5);
  });

  it('honours delete preconditions', async () => {
    const cm = (
      await api
        .post(CONFIGMAPS)
        .send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pre' } })
        .expect(201)
    ).body;
    const stale = await api
      .delete(`${CONFIGMAPS}/pre`)
      .send({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'nope' } })
      .expect(409);
    expectStatus(stale.body, 409, 'Conflict');
    await api
      .delete(`${CONFIGMAPS}/pre`)
      .send({ preconditions: { uid: cm.metadata.uid, resourceVersion: cm.metadata.resourceVersion } })
      .expect(200);
  });

  it('keeps a shoot writable whose stored hibernation schedules predate the stricter rules', async () => {
    const stale = [{ start: '00 20 * * 1-5', end: '0 24 * * *', location: 'Europe/Berlin' }];
    const stillInvalid = [{ start: '00 20 * * 1-5', end: '0 25 * * *', location: 'Europe/Berlin' }];
    const shootWith = (name: string, schedules?: typeof stale) => {
      const shoot = exampleShoot(name);
      delete shoot.spec.networking.nodes; // the seed gives it a free one
      if (schedules) shoot.spec.hibernation = { schedules };
      return shoot;
    };
    const onCreate = await api.post(SHOOTS).send(shootWith('old-cron', stale)).expect(422);
    expectStatus(onCreate.body, 422, 'Invalid');
    expect(onCreate.body.details.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.hibernation.schedules[0].end',
        message: expect.stringContaining('expected range 0-23'),
      },
    ]);

    // stored as by a server from before cron-parser validated schedules: written into the table
    await api.post(SHOOTS).send(shootWith('old-cron')).expect(201);
    await rawQuery(
      `UPDATE objects SET body = jsonb_set(body, '{spec,hibernation,schedules}', '${JSON.stringify(stale)}')
       WHERE kind = 'Shoot' AND namespace = 'garden-dev' AND name = 'old-cron'`,
    );
    const merge = (body: unknown) =>
      api
        .patch(`${SHOOTS}/old-cron`)
        .set('content-type', 'application/merge-patch+json')
        .send(JSON.stringify(body));

    const labelled = await merge({ metadata: { labels: { team: 'a' }, finalizers: ['test/hold'] } });
    expect(labelled.status).toBe(200);
    expect(labelled.body.spec.hibernation.schedules).toEqual(stale);
    const hibernated = await api
      .put(`${SHOOTS}/old-cron`)
      .send({
        ...labelled.body,
        spec: { ...labelled.body.spec, hibernation: { enabled: true, schedules: stale } },
      })
      .expect(200);
    expect(hibernated.body.spec.hibernation).toEqual({ enabled: true, schedules: stale });

    const refusedOnCreate = await api
      .post(`${SHOOTS}?dryRun=All`)
      .send(shootWith('new-cron', stillInvalid))
      .expect(422);
    expect(refusedOnCreate.body.details.causes.map((c: { field: string }) => c.field)).toEqual([
      'spec.hibernation.schedules[0].end',
    ]);
    const changed = await merge({ spec: { hibernation: { schedules: stillInvalid } } }).expect(422);
    expectStatus(changed.body, 422, 'Invalid');
    expect(changed.body.details.causes).toEqual(refusedOnCreate.body.details.causes);
    expect((await api.get(`${SHOOTS}/old-cron`)).body.spec.hibernation.schedules).toEqual(stale);

    await merge(CONFIRM).expect(200);
    await api.delete(`${SHOOTS}/old-cron`).expect(200);
    await merge({ metadata: { finalizers: null } }).expect(200);
    await api.get(`${SHOOTS}/old-cron`).expect(404);
  });
});

describe('secrets, configmaps and bindings', () => {
  it('stores secrets encrypted, serves them decoded, and takes strategic merge patches', async () => {
    await api
      .post(SECRETS)
      .send({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'cloud' },
        stringData: { password: 'hunter2-plaintext' },
      })
      .expect(201);
    const patched = await api
      .patch(`${SECRETS}/cloud`)
      .set('content-type', 'application/strategic-merge-patch+json')
      .send(JSON.stringify({ data: { user: Buffer.from('admin').toString('base64') } }))
      .expect(200);
    expect(Buffer.from(patched.body.data.password, 'base64').toString()).toBe('hunter2-plaintext');
    expect(patched.body.data.user).toBe(Buffer.from('admin').toString('base64'));
    const rows = await rawQuery(`SELECT t::text AS raw FROM objects t WHERE kind = 'Secret'`);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.raw).not.toMatch(/hunter2|aHVudGVyMi|password/);
  });

  it('serves CredentialsBindings and SecretBindings', async () => {
    const binding = {
      apiVersion: 'security.gardener.cloud/v1alpha1',
      kind: 'CredentialsBinding',
      metadata: { name: 'local' },
      credentialsRef: { apiVersion: 'v1', kind: 'Secret', name: 'cloud', namespace: 'garden-dev' },
      provider: { type: 'local' },
    };
    await api
      .post('/apis/security.gardener.cloud/v1alpha1/namespaces/garden-dev/credentialsbindings')
      .send(binding)
      .expect(201);
    await api
      .get('/apis/security.gardener.cloud/v1alpha1/namespaces/garden-dev/credentialsbindings/local')
      .expect(200);
    await api
      .post(`${CORE}/namespaces/garden-dev/secretbindings`)
      .send({
        apiVersion: 'core.gardener.cloud/v1beta1',
        kind: 'SecretBinding',
        metadata: { name: 'sb' },
        secretRef: { name: 'cloud' },
      })
      .expect(201);
    const shoot = exampleShoot('bound');
    delete shoot.spec.networking.nodes; // 'web' has the example's node network on this seed
    shoot.spec.credentialsBindingName = 'local';
    await api.post(SHOOTS).send(shoot).expect(201);
  });

  it('accepts YAML bodies', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  key: value\n';
    const created = await api.post(CONFIGMAPS).set('content-type', 'application/yaml').send(yaml).expect(201);
    expect(created.body.data).toEqual({ key: 'value' });
  });
});

describe('bad input comes back as a Status and stores nothing', () => {
  const cases: Array<[string, () => request.Test, number, string]> = [
    [
      'malformed JSON',
      () => api.post(CONFIGMAPS).set('content-type', 'application/json').send('{"apiVersion": "v1",'),
      400,
      'BadRequest',
    ],
    [
      'malformed YAML',
      () => api.post(CONFIGMAPS).set('content-type', 'application/yaml').send('a: [b\n  c: :'),
      400,
      'BadRequest',
    ],
    [
      'unsupported media type',
      () => api.post(CONFIGMAPS).set('content-type', 'text/plain').send('hello'),
      415,
      'UnsupportedMediaType',
    ],
    [
      'oversize body',
      () =>
        api.post(CONFIGMAPS).send({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'big' },
          data: { a: 'x'.repeat(70_000) },
        }),
      413,
      'RequestEntityTooLarge',
    ],
    [
      'body that is not an object',
      () => api.post(CONFIGMAPS).send('[1,2]').set('content-type', 'application/json'),
      400,
      'BadRequest',
    ],
    ['missing body', () => api.post(CONFIGMAPS), 400, 'BadRequest'],
    ['unknown kind', () => api.get(`${CORE}/widgets`), 404, 'NotFound'],
    ['unknown version', () => api.get('/apis/core.gardener.cloud/v2/shoots'), 404, 'NotFound'],
    ['unknown route', () => api.get('/nothing/here'), 404, 'NotFound'],
    [
      'cluster-scoped kind under a namespace',
      () => api.get(`${CORE}/namespaces/garden-dev/seeds`),
      404,
      'NotFound',
    ],
    [
      'invalid name',
      () =>
        api.post(CONFIGMAPS).send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_Valid' } }),
      422,
      'Invalid',
    ],
    [
      'namespace mismatch',
      () =>
        api
          .post(CONFIGMAPS)
          .send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'elsewhere' } }),
      400,
      'BadRequest',
    ],
    [
      'kind does not match the URL',
      () => api.post(CONFIGMAPS).send({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }),
      422,
      'Invalid',
    ],
    [
      'strategic merge on a seed (shoots take it, with workers merged by name)',
      () =>
        api
          .patch(`${CORE}/seeds/local`)
          .set('content-type', 'application/strategic-merge-patch+json')
          .send('{}'),
      415,
      'UnsupportedMediaType',
    ],
    [
      'patch with plain JSON',
      () => api.patch(`${SHOOTS}/bound`).set('content-type', 'application/json').send('{}'),
      415,
      'UnsupportedMediaType',
    ],
    [
      'server-side apply without a fieldManager',
      () => api.patch(`${SHOOTS}/bound`).set('content-type', 'application/apply-patch+yaml').send('a: b'),
      422,
      'Invalid',
    ],
    [
      'server-side apply of a body that is no Shoot',
      () =>
        api
          .patch(`${SHOOTS}/bound?fieldManager=ci`)
          .set('content-type', 'application/apply-patch+yaml')
          .send('a: b'),
      400,
      'BadRequest',
    ],
    ['bad label selector', () => api.get(`${SHOOTS}?labelSelector=a%3D%3D%3Db!`), 400, 'BadRequest'],
    [
      'unsupported field selector',
      () => api.get(`${SHOOTS}?fieldSelector=spec.region%3Dlocal`),
      400,
      'BadRequest',
    ],
    ['bad limit', () => api.get(`${SHOOTS}?limit=lots`), 400, 'BadRequest'],
    [
      'POST on an object',
      () => api.post(`${SHOOTS}/bound`).send(exampleShoot('bound')),
      405,
      'MethodNotAllowed',
    ],
    ['delete of a whole collection', () => api.delete(CONFIGMAPS), 405, 'MethodNotAllowed'],
    [
      'create of a namespaced kind without namespace',
      () => api.post(`${CORE}/shoots`).send(exampleShoot('x')),
      405,
      'MethodNotAllowed',
    ],
  ];

  it.each(cases)('%s', async (_name, send, code, reason) => {
    const before = (await api.get('/api/v1/configmaps').expect(200)).body.metadata.resourceVersion;
    const response = await send().expect(code);
    expect(response.headers['content-type']).toContain('application/json');
    expectStatus(response.body, code, reason);
    expect((await api.get('/api/v1/configmaps').expect(200)).body.metadata.resourceVersion).toBe(before);
  });

  it('names unknown fields by their path', async () => {
    const shoot = exampleShoot('strict') as unknown as { spec: Record<string, unknown> };
    shoot.spec.colour = 'blue';
    const response = await api.post(SHOOTS).send(shoot).expect(400);
    expect(response.body.message).toContain('unknown field "spec.colour"');
    expect(response.body.details.causes).toEqual([
      { reason: 'FieldValueUnknown', message: 'unknown field', field: 'spec.colour' },
    ]);
  });

  it('lists every violated rule as a cause of Invalid', async () => {
    const shoot = exampleShoot('invalid');
    shoot.spec.region = 'moon';
    shoot.spec.networking.nodes = '10.10.7.1/24';
    const response = await api.post(SHOOTS).send(shoot).expect(422);
    expectStatus(response.body, 422, 'Invalid');
    expect(response.body.details).toMatchObject({
      name: 'invalid',
      kind: 'Shoot',
      group: 'core.gardener.cloud',
    });
    const fields = response.body.details.causes.map((c: { field: string }) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['spec.region', 'spec.networking.nodes']));
  });
});

describe('lists and watches', () => {
  beforeAll(async () => {
    for (const name of ['l-a', 'l-b', 'l-c', 'l-d', 'l-e']) {
      await api
        .post(CONFIGMAPS)
        .send({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, labels: { group: name < 'l-c' ? 'one' : 'two' } },
        })
        .expect(201);
    }
  });

  it('selects by field and label and pages with limit/continue', async () => {
    const byName = await api.get(`/api/v1/configmaps?fieldSelector=metadata.name%3Dl-b`).expect(200);
    expect(byName.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['l-b']);
    const byLabel = await api.get(`${CONFIGMAPS}?labelSelector=group%3Done`).expect(200);
    expect(byLabel.body.items).toHaveLength(2);
    const names: string[] = [];
    let token = '';
    do {
      const page = await api
        .get(`${CONFIGMAPS}?labelSelector=group&limit=2${token ? `&continue=${token}` : ''}`)
        .expect(200);
      names.push(...page.body.items.map((i: { metadata: { name: string } }) => i.metadata.name));
      token = page.body.metadata.continue ?? '';
    } while (token);
    expect(names).toEqual(['l-a', 'l-b', 'l-c', 'l-d', 'l-e']);
  });

  interface WatchLine {
    type: string;
    object: { metadata: { name: string } };
  }

  function openWatch(
    path: string,
  ): Promise<{ status: number; lines: WatchLine[]; body: string; close(): void }> {
    return new Promise((resolve, reject) => {
      const req = http.get(
        `${baseUrl}${path}`,
        { headers: { authorization: `Bearer ${adminToken}` } },
        (res) => {
          const result = {
            status: res.statusCode ?? 0,
            lines: [] as WatchLine[],
            body: '',
            close: () => req.destroy(),
          };
          let pending = '';
          res.on('data', (chunk: Buffer) => {
            result.body += chunk.toString();
            pending += chunk.toString();
            const parts = pending.split('\n');
            pending = parts.pop() ?? '';
            for (const part of parts) if (part) result.lines.push(JSON.parse(part));
          });
          res.on('error', () => undefined);
          if (res.statusCode === 200) resolve(result);
          else res.on('end', () => resolve(result));
        },
      );
      req.on('error', reject);
    });
  }

  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !check(); i++) await sleep(20);
    expect(check()).toBe(true);
  }

  it('streams events and resumes from a resourceVersion', async () => {
    const rv = (await api.get(CONFIGMAPS).expect(200)).body.metadata.resourceVersion;
    await api
      .post(CONFIGMAPS)
      .send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w-1' } })
      .expect(201);
    const watch = await openWatch(`${CONFIGMAPS}?watch=true&resourceVersion=${rv}`);
    expect(watch.status).toBe(200);
    await api
      .patch(`${CONFIGMAPS}/w-1`)
      .set('content-type', 'application/merge-patch+json')
      .send('{"data":{"k":"v"}}')
      .expect(200);
    await api.delete(`${CONFIGMAPS}/w-1`).expect(200);
    await until(() => watch.lines.length >= 3);
    watch.close();
    expect(watch.lines.map((l) => `${l.type} ${l.object.metadata.name}`)).toEqual([
      'ADDED w-1',
      'MODIFIED w-1',
      'DELETED w-1',
    ]);
  });

  it('starts a watch without resourceVersion with the current objects', async () => {
    const watch = await openWatch(`${CONFIGMAPS}?watch=1&labelSelector=group%3Dtwo`);
    await until(() => watch.lines.length >= 3);
    watch.close();
    expect(watch.lines.map((l) => l.object.metadata.name)).toEqual(['l-c', 'l-d', 'l-e']);
  });

  it('answers 410 Expired for a resourceVersion older than the kept history', async () => {
    const rv = (await api.get(CONFIGMAPS).expect(200)).body.metadata.resourceVersion;
    await api
      .post(CONFIGMAPS)
      .send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x-1' } })
      .expect(201);
    // the server compacts history older than WATCH_HISTORY_SECONDS about every second
    await sleep((WATCH_HISTORY_SECONDS + 1.5) * 1000);
    const watch = await openWatch(`${CONFIGMAPS}?watch=true&resourceVersion=${Number(rv) - 1}`);
    expect(watch.status).toBe(410);
    expectStatus(JSON.parse(watch.body), 410, 'Expired');
  });
});

describe('namespaces', () => {
  it('shows project namespaces and refuses objects elsewhere', async () => {
    const list = await api.get('/api/v1/namespaces').expect(200);
    expect(list.body.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual([
      'garden',
      'garden-dev',
    ]);
    const dev = await api.get('/api/v1/namespaces/garden-dev').expect(200);
    expect(dev.body).toMatchObject({ kind: 'Namespace', status: { phase: 'Active' } });
    expectStatus((await api.get('/api/v1/namespaces/garden-nope').expect(404)).body, 404, 'NotFound');
    const refused = await api
      .post('/api/v1/namespaces/garden-nope/configmaps')
      .send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })
      .expect(404);
    expect(refused.body.message).toBe('namespaces "garden-nope" not found');
  });
});

describe('discovery', () => {
  it('lists the groups and resources', async () => {
    const groups = await api.get('/apis').expect(200);
    expect(groups.body.groups.map((g: { name: string }) => g.name)).toEqual([
      'core.gardener.cloud',
      'security.gardener.cloud',
      'events.k8s.io',
      'machine.sapcloud.io',
      'operations.gardener.cloud',
      'quota.gardener-ts.io',
      'authentication.k8s.io',
      'authorization.k8s.io',
    ]);
    const reviews = await api.get('/apis/authorization.k8s.io/v1').expect(200);
    expect(reviews.body.resources).toEqual([
      expect.objectContaining({
        name: 'selfsubjectaccessreviews',
        kind: 'SelfSubjectAccessReview',
        verbs: ['create'],
      }),
      expect.objectContaining({
        name: 'selfsubjectrulesreviews',
        kind: 'SelfSubjectRulesReview',
        verbs: ['create'],
      }),
    ]);
    const machines = await api.get('/apis/machine.sapcloud.io/v1alpha1').expect(200);
    expect(machines.body.resources.map((r: { name: string }) => r.name)).toEqual(
      expect.arrayContaining([
        'machines',
        'machines/status',
        'machinesets',
        'machinedeployments',
        'machineclasses',
      ]),
    );
    const core = await api.get(CORE).expect(200);
    expect(core.body.resources.map((r: { name: string }) => r.name)).toContain('shoots/status');
    const v1 = await api.get('/api/v1').expect(200);
    expect(v1.body.resources.map((r: { name: string }) => r.name)).toEqual([
      'namespaces',
      'secrets',
      'configmaps',
      'events',
    ]);
    await api.get('/healthz').expect(200, 'ok');
    // what kubectl needs to skip client-side schema validation for kinds it has no schema for
    await api.get('/openapi/v2').expect(200, '');
    await api.get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions').expect(200);
  });
});
