import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleShoot } from '@gardener-ts/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE, created, type HttpsGarden, startHttpsGarden } from './testing/https-garden.js';

/**
 * Issue 19, outcomes 1 and 4: the pinned kubectl's protobuf bodies (`kubectl create secret|
 * configmap|namespace`, `kubectl auth`) and the review kinds, as each role sees them. Project dev
 * (garden-dev): dev-owner, dev-admin, dev-viewer; project other: other-admin; `stranger` has no
 * role, `admin` is the garden admin, `seed` the gardenlet credential of seed `local`. Over HTTPS:
 * kubectl sends no bearer token to a plain-HTTP server.
 */

const DEV = 'garden-dev';
const PROTOBUF = 'application/vnd.kubernetes.protobuf';

let garden: HttpsGarden;
const call: HttpsGarden['call'] = (...args) => garden.call(...args);
const kubectl: HttpsGarden['kubectl'] = (user, ...args) => garden.kubectl(user, ...args);

/** `kubectl auth can-i …`: its answer line; exit 0 for yes, 1 for no, nothing on stderr but warnings. */
async function canI(user: string, ...args: string[]): Promise<string> {
  const answer = await kubectl(user, 'auth', 'can-i', ...args);
  expect(answer.stderr.replace(/^Warning: .*\n\n?/gm, ''), `${user} can-i ${args.join(' ')}`).toBe('');
  expect(answer.code, answer.stdout).toBe(answer.stdout.startsWith('yes') ? 0 : 1);
  return answer.stdout.trim();
}

/** A protobuf field of length-delimited type (tag < 16, payload < 128 bytes). */
function field(tag: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(tag << 3) | 2, payload.length]), payload]);
}

async function secretNames(): Promise<string[]> {
  const list = await call('admin', 'GET', `/api/v1/namespaces/${DEV}/secrets`);
  return (list.body.items ?? []).map((s) => s.metadata.name);
}

const postSecret = (contentType: string, body: Buffer) =>
  call('dev-admin', 'POST', `/api/v1/namespaces/${DEV}/secrets`, body, contentType);

beforeAll(async () => {
  garden = await startHttpsGarden('kubectl_auth', { BODY_LIMIT_BYTES: '65536' });
  const shoot = exampleShoot('mine', DEV) as unknown as {
    spec: { seedName?: string; networking: { nodes?: string } };
  };
  shoot.spec.seedName = 'local';
  delete shoot.spec.networking.nodes;
  await created(call('admin', 'POST', `${CORE}/namespaces/${DEV}/shoots`, shoot));
  for (const name of ['mine.ssh-keypair', 'cloud-credentials'])
    await created(
      call('admin', 'POST', `/api/v1/namespaces/${DEV}/secrets`, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name },
      }),
    );
  garden.tokens.seed = await garden.seedCredential('local');
});

afterAll(async () => {
  await garden?.stop();
});

describe('the pinned kubectl sends protobuf for built-in kinds, and the garden reads it', () => {
  it("kubectl create secret generic: stored with its data, within the creator's rights", async () => {
    const created = await kubectl(
      'dev-admin',
      'create',
      'secret',
      'generic',
      'db',
      '--from-literal=password=s3cret',
    );
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('secret/db created\n');
    const stored = await call('admin', 'GET', `/api/v1/namespaces/${DEV}/secrets/db`);
    expect(stored.body.type).toBe('Opaque');
    expect(stored.body.data).toEqual({ password: Buffer.from('s3cret').toString('base64') });
    const viewer = await kubectl('dev-viewer', 'create', 'secret', 'generic', 'peek', '--from-literal=a=b');
    expect(viewer.code).not.toBe(0);
    expect(viewer.stderr).toMatch(
      /secrets is forbidden: User "dev-viewer" cannot create resource "secrets" .*needs the owner or admin role/,
    );
  });

  it('kubectl create configmap: stored, and read back by kubectl', async () => {
    const created = await kubectl(
      'dev-admin',
      'create',
      'configmap',
      'settings',
      '--from-literal=color=blue',
      '--from-literal=size=L',
    );
    expect(created.stdout).toBe('configmap/settings created\n');
    const color = await kubectl(
      'dev-viewer',
      'get',
      'configmap',
      'settings',
      '-o',
      'jsonpath={.data.color}/{.data.size}',
    );
    expect(color.stdout).toBe('blue/L');
  });

  it('kubectl create namespace: understood, and answered with how namespaces come to be here', async () => {
    const created = await kubectl('admin', 'create', 'namespace', 'team-x');
    expect(created.code).not.toBe(0);
    expect(created.stderr).toMatch(/MethodNotAllowed.*each Project owns one.*create a Project instead/);
    expect(created.stderr).not.toMatch(/UnsupportedMediaType|415/);
    expect((await kubectl('admin', 'get', 'namespace', 'team-x')).stderr).toMatch(/NotFound/);
  });

  it('kubectl create --raw without a Content-Type is read as JSON', async () => {
    const file = join(garden.dir, 'cm.json');
    writeFileSync(
      file,
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'raw' }, data: { a: 'b' } }),
    );
    const created = await kubectl(
      'dev-admin',
      'create',
      '--raw',
      `/api/v1/namespaces/${DEV}/configmaps`,
      '-f',
      file,
    );
    expect(created.stderr).toBe('');
    expect(JSON.parse(created.stdout).data).toEqual({ a: 'b' });
  });

  it('a malformed, unsupported or oversize protobuf body is a Status and changes nothing', async () => {
    const before = await secretNames();
    const garbage = await postSecret(PROTOBUF, Buffer.from('k8s\0\x0a\x7fnot a message'));
    expect(garbage.status).toBe(400);
    expect(garbage.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    expect(garbage.body.message).toMatch(/not a valid Kubernetes protobuf message/);
    const noEnvelope = await postSecret(PROTOBUF, Buffer.from('{"kind":"Secret"}'));
    expect(noEnvelope.status).toBe(400);
    const typeMeta = field(1, Buffer.concat([field(1, Buffer.from('v1')), field(2, Buffer.from('Pod'))]));
    const pod = await postSecret(PROTOBUF, Buffer.concat([Buffer.from('k8s\0'), typeMeta]));
    expect(pod.status).toBe(415);
    expect(pod.body).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType' });
    expect(pod.body.message).toMatch(/kind Pod .*accepted for v1 Secret, v1 ConfigMap, v1 Namespace/);
    const big = await postSecret(PROTOBUF, Buffer.concat([Buffer.from('k8s\0'), Buffer.alloc(70_000)]));
    expect(big.status).toBe(413);
    const text = await postSecret('text/plain', Buffer.from('hello'));
    expect(text.status).toBe(415);
    expect(text.body.message).toMatch(
      /application\/json.*application\/vnd\.kubernetes\.protobuf for v1 Secret/,
    );
    expect(await secretNames()).toEqual(before);
  });
});

describe("kubectl auth: who am I and what may I do, from the garden's own authorizer", () => {
  it("kubectl auth whoami names the user, a service account's groups, a garden admin and a seed", async () => {
    const viewer = await kubectl('dev-viewer', 'auth', 'whoami');
    expect(viewer.stderr).toBe('');
    expect(viewer.stdout).toMatch(/^Username\s+dev-viewer$/m);
    expect(viewer.stdout).toMatch(/^Groups\s+\[system:authenticated\]$/m);
    const admin = JSON.parse((await kubectl('admin', 'auth', 'whoami', '-o', 'json')).stdout);
    expect(admin.kind).toBe('SelfSubjectReview');
    expect(admin.status.userInfo.extra).toEqual({ 'gardener-ts.io/garden-admin': ['true'] });
    const seed = await kubectl('seed', 'auth', 'whoami');
    expect(seed.stdout).toMatch(/^Username\s+gardener\.cloud:system:seed:local$/m);
  });

  it('kubectl auth can-i answers yes and no per role, and says why not', async () => {
    expect(await canI('stranger', 'create', 'projects')).toBe('yes');
    expect(await canI('stranger', 'get', 'shoots', '-n', DEV)).toMatch(
      /^no - get shoots in project "dev" needs the owner, admin or viewer role$/,
    );
    expect(await canI('stranger', 'get', 'shoots', '-n', 'garden-nowhere')).toMatch(
      /^no - only garden admins may access namespace "garden-nowhere"/,
    );
    expect(await canI('dev-viewer', 'list', 'shoots', '-n', DEV)).toBe('yes');
    expect(await canI('dev-viewer', 'get', 'secrets', '-n', DEV)).toMatch(
      /^no - get secrets in project "dev" needs the owner or admin role/,
    );
    expect(await canI('dev-viewer', 'create', 'shoots', '-n', DEV)).toMatch(/^no/);
    expect(await canI('dev-admin', 'create', 'shoots', '-n', DEV)).toBe('yes');
    expect(await canI('dev-admin', 'create', 'shoots', '-n', 'garden-other')).toMatch(/^no/);
    expect(await canI('dev-admin', 'update', 'shoots', '--subresource=status', '-n', DEV)).toMatch(
      /^no - the status of shoots is written by the gardener only/,
    );
    expect(await canI('dev-admin', 'delete', 'projects/dev')).toBe('yes');
    expect(await canI('dev-admin', 'delete', 'projects/other')).toMatch(/^no/);
    // kubectl asks `* *` of the core group: events there are the system's, so not even the owner
    // may do all it serves in garden-dev; everything else, yes
    expect(await canI('dev-owner', '*', '*', '-n', DEV)).toMatch(
      /^no - events are recorded by the gardener only/,
    );
    expect(await canI('dev-owner', '*', 'secrets', '-n', DEV)).toBe('yes');
    expect(await canI('dev-owner', 'list', 'events', '-n', DEV)).toBe('yes');
    expect(await canI('dev-viewer', 'watch', 'events.events.k8s.io', '-n', DEV)).toBe('yes');
    expect(await canI('dev-owner', 'create', 'events', '-n', DEV)).toMatch(/^no/);
    expect(await canI('dev-viewer', '*', '*', '-n', DEV)).toMatch(/^no/);
    expect(await canI('admin', '*', '*')).toBe('yes');
    expect(await canI('admin', 'get', 'pods', '-n', DEV)).toMatch(
      /^no - the garden serves no resource "pods"/,
    );
    expect(await canI('seed', 'get', 'secrets/mine.ssh-keypair', '-n', DEV)).toBe('yes');
    expect(await canI('seed', 'get', 'secrets/cloud-credentials', '-n', DEV)).toMatch(/^no/);
    expect(await canI('seed', 'get', 'secrets', '-n', DEV)).toMatch(/^no - .*ask about one by name/);
    expect(await canI('seed', 'create', 'projects')).toMatch(/^no/);
  });

  it('kubectl auth can-i tells what the request itself then gets', async () => {
    const users = ['admin', 'dev-owner', 'dev-viewer', 'other-admin', 'stranger', 'seed'];
    const reads = [
      ['get', 'shoots'],
      ['get', 'secrets'],
      ['get', 'secret', 'db'],
      ['get', 'shoot', 'mine'],
      ['get', 'machines'],
      ['get', 'seeds'],
    ];
    for (const user of users)
      for (const read of reads) {
        const [verb, resource, name] = read as [string, string, string | undefined];
        const answer = await canI(
          user,
          verb === 'get' && !name ? 'list' : verb,
          name ? `${resource}/${name}` : resource,
          '-n',
          DEV,
        );
        const outcome = await kubectl(user, ...read, '-n', DEV);
        expect(outcome.code === 0, `${user}: ${read.join(' ')}: can-i ${answer}; ${outcome.stderr}`).toBe(
          answer === 'yes',
        );
      }
  });

  it('kubectl auth can-i --list shows the rules of each role in a project namespace', async () => {
    const rows = async (user: string) => {
      const listed = await kubectl(user, 'auth', 'can-i', '--list', '-n', DEV);
      expect(listed.code, listed.stderr).toBe(0);
      return listed.stdout;
    };
    const viewer = await rows('dev-viewer');
    expect(viewer.split('\n')[0]).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    expect(viewer).toMatch(/^shoots\.core\.gardener\.cloud\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    expect(viewer).toMatch(/^projects\.core\.gardener\.cloud\s+\[\]\s+\[dev\]\s+\[get\]$/m);
    expect(viewer).not.toMatch(/^secrets\s/m);
    expect(viewer).toMatch(/^\s+\[\/version\]\s+\[\]\s+\[get\]$/m);
    const admin = await rows('dev-admin');
    expect(admin).toMatch(/^secrets\s+\[\]\s+\[\]\s+\[get list watch create update patch delete\]$/m);
    expect(admin).toMatch(
      /^projects\.core\.gardener\.cloud\s+\[\]\s+\[dev\]\s+\[get update patch delete\]$/m,
    );
    expect(admin).toMatch(/^shoots\.core\.gardener\.cloud\/status\s+\[\]\s+\[\]\s+\[get\]$/m);
    const stranger = await rows('stranger');
    expect(stranger).toMatch(/^projects\.core\.gardener\.cloud\s+\[\]\s+\[\]\s+\[list watch create\]$/m);
    expect(stranger).not.toMatch(/^shoots\./m);
    const seed = await kubectl('seed', 'auth', 'can-i', '--list', '-n', DEV);
    expect(seed.stderr).toMatch(
      /the list may be incomplete: the gardenlet of seed "local" acts only on the shoots of its seed/,
    );
    expect(seed.stdout).toMatch(/^shoots\.core\.gardener\.cloud\s+\[\]\s+\[\]\s+\[list watch\]$/m);
    const garden = await rows('admin');
    expect(garden).toMatch(/^shoots\.core\.gardener\.cloud\/status\s+\[\]\s+\[\]\s+\[get update patch\]$/m);
  });
});
