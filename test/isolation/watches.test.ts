import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AUTH,
  CORE,
  startTenantGarden,
  type TenantGarden,
} from '../../apps/gardener-api/src/testing/tenant-garden.js';

/** Small limits so that the tests reach them quickly. */
const PER_USER = 3;
const TOTAL = 10;
const RECHECK_MS = 300;
const MAX_LAG = 8;

const CONFIGMAPS = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;
const SHOOTS = (ns: string) => `${CORE}/namespaces/${ns}/shoots`;

interface WatchLine {
  type: string;
  object: { kind?: string; metadata: { name: string; namespace?: string }; code?: number };
}

interface Watch {
  status: number;
  headers: http.IncomingHttpHeaders;
  lines: WatchLine[];
  body: string;
  /** Resolves when the server ends the response (or the connection drops). */
  ended: Promise<void>;
  isEnded(): boolean;
  close(): void;
}

let g: TenantGarden;
const open: Watch[] = [];

function openWatch(user: string, path: string): Promise<Watch> {
  const token = g.tokens[user] ?? user;
  const separator = path.includes('?') ? '&' : '?';
  return new Promise((resolve, reject) => {
    const request = http.get(
      `${g.server.url}${path}${separator}watch=1`,
      { headers: { authorization: `Bearer ${token}` } },
      (response) => {
        let done = false;
        let markEnded: () => void = () => undefined;
        const watch: Watch = {
          status: response.statusCode ?? 0,
          headers: response.headers,
          lines: [],
          body: '',
          ended: new Promise<void>((r) => {
            markEnded = () => {
              done = true;
              r();
            };
          }),
          isEnded: () => done,
          close: () => request.destroy(),
        };
        let pending = '';
        response.on('data', (chunk: Buffer) => {
          watch.body += chunk.toString();
          pending += chunk.toString();
          const parts = pending.split('\n');
          pending = parts.pop() ?? '';
          for (const part of parts) if (part) watch.lines.push(JSON.parse(part));
        });
        response.on('end', markEnded);
        response.on('close', markEnded);
        response.on('error', markEnded);
        if (watch.status === 200) {
          open.push(watch);
          resolve(watch);
        } else response.on('end', () => resolve(watch));
      },
    );
    request.on('error', reject);
  });
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** Ends within `ms`, or the test fails. */
async function endsWithin(watch: Watch, ms: number): Promise<number> {
  const started = Date.now();
  await Promise.race([
    watch.ended,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`the watch still streams after ${ms} ms`)), ms),
    ),
  ]);
  return Date.now() - started;
}

function expectTooManyRequests(watch: Watch): void {
  expect(watch.status).toBe(429);
  expect(Number(watch.headers['retry-after'])).toBeGreaterThan(0);
  const status = JSON.parse(watch.body);
  expect(status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'TooManyRequests', code: 429 });
  expect(status.message).toMatch(/watch/i);
}

function configMap(name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data };
}

async function created(answer: Promise<{ status: number; text: string }>): Promise<void> {
  const { status, text } = await answer;
  if (status !== 201 && status !== 200) throw new Error(`${status} ${text}`);
}

/** A token of `user` with a name the test can revoke by. */
async function userToken(user: string, name: string): Promise<string> {
  const answer = await g.call('admin', 'POST', `${AUTH}/usertokens`, { metadata: { name }, spec: { user } });
  expect(answer.status).toBe(201);
  return (answer.body.status as { token: string }).token;
}

async function setMembers(project: string, members: Array<{ name: string; role: string }>): Promise<void> {
  const answer = await g.call(
    'admin',
    'PATCH',
    `${CORE}/projects/${project}`,
    {
      spec: {
        members: members.map((m) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', ...m })),
      },
    },
    'application/merge-patch+json',
  );
  expect(answer.status, answer.text).toBe(200);
}

beforeAll(async () => {
  g = await startTenantGarden('watches', {
    GARDENER_WATCH_MAX_PER_USER: String(PER_USER),
    GARDENER_WATCH_MAX_TOTAL: String(TOTAL),
    GARDENER_WATCH_RECHECK_MS: String(RECHECK_MS),
    GARDENER_WATCH_MAX_LAG_EVENTS: String(MAX_LAG),
  });
});

afterEach(async () => {
  for (const watch of open.splice(0)) watch.close();
  // the server notices closed watches asynchronously; the next test starts with every slot free
  await sleep(100);
});

afterAll(async () => {
  await g?.stop();
});

describe('watch caps', () => {
  it('refuses a watch beyond the per-user cap with 429 and Retry-After; other users are unaffected', async () => {
    const mine = [
      await openWatch('dev-viewer', SHOOTS('garden-dev')),
      await openWatch('dev-viewer', CONFIGMAPS('garden-dev')),
      await openWatch('dev-viewer', `${CORE}/cloudprofiles`),
    ];
    for (const watch of mine) expect(watch.status).toBe(200);

    // the cap is per identity: any path, any token of the same user
    expectTooManyRequests(await openWatch('dev-viewer', SHOOTS('garden-dev')));
    expectTooManyRequests(await openWatch('dev-viewer', `${CORE}/projects`));
    const second = await userToken('dev-viewer', 'dev-viewer-second');
    expectTooManyRequests(await openWatch(second, `${CORE}/seeds`));

    // nothing else changes: the user still lists, other users still watch
    expect((await g.call('dev-viewer', 'GET', SHOOTS('garden-dev'))).status).toBe(200);
    expect((await openWatch('other-viewer', SHOOTS('garden-other'))).status).toBe(200);
    expect((await openWatch('dev-admin', SHOOTS('garden-dev'))).status).toBe(200);
    // the garden admin has no per-user cap
    for (let i = 0; i <= PER_USER; i++)
      expect((await openWatch('admin', SHOOTS('garden-dev'))).status).toBe(200);

    // closing one frees its slot
    mine[0]?.close();
    let again: Watch | undefined;
    await until(async () => {
      again = await openWatch('dev-viewer', SHOOTS('garden-dev'));
      return again.status === 200;
    });
    expect(again?.status).toBe(200);
  });

  it('refuses a watch of a refused or failed request without counting it', async () => {
    // a watch the user may not make (403) or that fails (400) does not use up a slot
    for (let i = 0; i < PER_USER + 1; i++) {
      expect((await openWatch('dev-viewer', SHOOTS('garden-other'))).status).toBe(403);
      expect((await openWatch('dev-viewer', `${SHOOTS('garden-dev')}?resourceVersion=x`)).status).toBe(400);
    }
    for (let i = 0; i < PER_USER; i++)
      expect((await openWatch('dev-viewer', SHOOTS('garden-dev'))).status).toBe(200);
  });

  it('refuses any non-admin watch beyond the total cap until one closes', async () => {
    const users = ['dev-viewer', 'other-viewer', 'dev-admin', 'other-admin'];
    const watches: Watch[] = [];
    for (const user of users) {
      for (let i = 0; i < PER_USER && watches.length < TOTAL; i++) {
        const ns = user.startsWith('dev') ? 'garden-dev' : 'garden-other';
        const watch = await openWatch(user, SHOOTS(ns));
        expect(watch.status).toBe(200);
        watches.push(watch);
      }
    }
    expect(watches).toHaveLength(TOTAL);
    expectTooManyRequests(await openWatch('stranger', `${CORE}/cloudprofiles`));
    expectTooManyRequests(await openWatch('dev-owner', SHOOTS('garden-dev')));
    // the operator can still watch a full garden
    expect((await openWatch('admin', `${CORE}/shoots`)).status).toBe(200);

    watches[0]?.close();
    await until(async () => (await openWatch('stranger', `${CORE}/cloudprofiles`)).status === 200);
  });
});

describe('a watch ends when access ends', () => {
  it('ends when its user token is revoked', async () => {
    const token = await userToken('dev-admin', 'dev-admin-revoked');
    const watch = await openWatch(token, SHOOTS('garden-dev'));
    expect(watch.status).toBe(200);
    expect((await g.call('admin', 'DELETE', `${AUTH}/usertokens/dev-admin-revoked`)).status).toBe(200);
    await endsWithin(watch, RECHECK_MS * 10);
    // and the token no longer opens one
    expect((await openWatch(token, SHOOTS('garden-dev'))).status).toBe(401);
  });

  it('ends when its service-account token is revoked', async () => {
    const issued = await g.call('dev-owner', 'POST', `${AUTH}/namespaces/garden-dev/serviceaccounttokens`, {
      metadata: { name: 'watcher' },
      spec: { serviceAccountName: 'robot' },
    });
    expect(issued.status, issued.text).toBe(201);
    const patched = await g.call(
      'admin',
      'PATCH',
      `${CORE}/projects/dev`,
      [
        {
          op: 'add',
          path: '/spec/members/-',
          value: { kind: 'ServiceAccount', name: 'robot', namespace: 'garden-dev', role: 'viewer' },
        },
      ],
      'application/json-patch+json',
    );
    expect(patched.status, patched.text).toBe(200);
    const token = (issued.body.status as { token: string }).token;
    const watch = await openWatch(token, SHOOTS('garden-dev'));
    expect(watch.status).toBe(200);
    const revoked = await g.call(
      'dev-owner',
      'DELETE',
      `${AUTH}/namespaces/garden-dev/serviceaccounttokens/watcher`,
    );
    expect(revoked.status).toBe(200);
    await endsWithin(watch, RECHECK_MS * 10);
  });

  it('ends when its token expires', async () => {
    const token = await userToken('dev-viewer', 'dev-viewer-expiring');
    const watch = await openWatch(token, CONFIGMAPS('garden-dev'));
    expect(watch.status).toBe(200);
    // the shortest expiry the API issues is ten minutes: move this one's into the past
    const db = new pg.Client({ connectionString: g.databaseUrl });
    await db.connect();
    try {
      await db.query(`UPDATE auth_tokens SET expires_at = now() WHERE name = 'dev-viewer-expiring'`);
    } finally {
      await db.end();
    }
    await endsWithin(watch, RECHECK_MS * 10);
  });

  it('ends when the user is removed from the project, or loses the role the watch needs', async () => {
    await g.issueUser('watch-member');
    await g.issueUser('watch-secrets');
    const base = ['admin', 'viewer', 'uam', 'serviceaccountmanager'].map((role) => ({
      name: `dev-${role}`,
      role,
    }));
    await setMembers('dev', [
      ...base,
      { name: 'watch-member', role: 'viewer' },
      { name: 'watch-secrets', role: 'admin' },
    ]);
    const shoots = await openWatch('watch-member', SHOOTS('garden-dev'));
    const secrets = await openWatch('watch-secrets', `/api/v1/namespaces/garden-dev/secrets`);
    const stays = await openWatch('watch-secrets', SHOOTS('garden-dev'));
    expect([shoots.status, secrets.status, stays.status]).toEqual([200, 200, 200]);

    // watch-member leaves; watch-secrets becomes a viewer, who may not read secrets
    await setMembers('dev', [...base, { name: 'watch-secrets', role: 'viewer' }]);
    await endsWithin(shoots, RECHECK_MS * 10);
    await endsWithin(secrets, RECHECK_MS * 10);
    // a viewer may still watch shoots
    await sleep(RECHECK_MS * 3);
    expect(stays.isEnded()).toBe(false);
  });

  it('ends when the project is deleted', async () => {
    await g.issueUser('watch-owner');
    const project = {
      apiVersion: 'core.gardener.cloud/v1beta1',
      kind: 'Project',
      metadata: { name: 'wgone' },
      spec: { namespace: 'garden-wgone' },
    };
    expect((await g.call('watch-owner', 'POST', `${CORE}/projects`, project)).status).toBe(201);
    const watch = await openWatch('watch-owner', SHOOTS('garden-wgone'));
    expect(watch.status).toBe(200);
    const confirmed = await g.call(
      'watch-owner',
      'PATCH',
      `${CORE}/projects/wgone`,
      { metadata: { annotations: { 'confirmation.gardener.cloud/deletion': 'true' } } },
      'application/merge-patch+json',
    );
    expect(confirmed.status, confirmed.text).toBe(200);
    const deleted = await g.call('watch-owner', 'DELETE', `${CORE}/projects/wgone`);
    expect(deleted.status, deleted.text).toBe(200);
    await until(async () => (await g.call('admin', 'GET', `${CORE}/projects/wgone`)).status === 404, 10_000);
    await endsWithin(watch, RECHECK_MS * 10);
  });
});

/** Open watches of non-admin users, and bytes written to watchers but not yet taken, per the server's metrics. */
async function watchFigures(): Promise<{ open: number; buffered: number }> {
  const { text } = await g.call('admin', 'GET', '/metrics');
  const open = /^gardener_api_watches\{admin="false"\} (\d+)$/m.exec(text)?.[1];
  const buffered = /^gardener_api_watch_buffered_bytes (\d+)$/m.exec(text)?.[1];
  if (open === undefined || buffered === undefined) throw new Error('the server does not count its watches');
  return { open: Number(open), buffered: Number(buffered) };
}

describe('backpressure', () => {
  it('closes a watch whose client never reads, and keeps the memory it holds bounded', async () => {
    const big = 'x'.repeat(256 * 1024);
    await created(g.call('admin', 'POST', CONFIGMAPS('garden-dev'), configMap('big', {}, { big })));
    const url = new URL(g.server.url);
    const socket = net.connect(Number(url.port), url.hostname);
    let closed = false;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
    });
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      `GET ${CONFIGMAPS('garden-dev')}?watch=1 HTTP/1.1\r\nhost: ${url.host}\r\nauthorization: Bearer ${g.tokens['dev-admin']}\r\n\r\n`,
    );
    socket.pause(); // never reads: the kernel's buffers fill, then the server's
    await until(async () => (await watchFigures()).open === 1);
    // each patch makes a 256 KiB event: up to 48 MiB in all, far beyond what the sockets buffer
    let figures = { open: 1, buffered: 0 };
    let mostBuffered = 0;
    for (let i = 0; i < 192 && figures.open > 0; i++) {
      const answer = await g.call(
        'admin',
        'PATCH',
        `${CONFIGMAPS('garden-dev')}/big`,
        { metadata: { labels: { n: String(i) } } },
        'application/merge-patch+json',
      );
      expect(answer.status).toBe(200);
      if (i % 4 === 3) figures = await watchFigures();
      mostBuffered = Math.max(mostBuffered, figures.buffered);
    }
    // the server has closed the watch, and never held more than an event or two it could not send
    expect(figures.open).toBe(0);
    expect(mostBuffered).toBeLessThan(1024 * 1024);
    // the client, reading at last, finds the connection closed
    socket.resume();
    await until(() => closed);
    // the slot it held is free again
    for (let i = 0; i < PER_USER; i++)
      expect((await openWatch('dev-admin', CONFIGMAPS('garden-dev'))).status).toBe(200);
  });
});

describe('a watch shows only what its user may see', () => {
  it('never delivers objects of another namespace, whatever the selectors or resume point', async () => {
    const start = (await g.call('admin', 'GET', CONFIGMAPS('garden-dev'))).body.metadata as {
      resourceVersion: string;
    };
    const queries = [
      '',
      '?labelSelector=leak%3Dyes',
      '?fieldSelector=metadata.name%3Dtwin',
      '?fieldSelector=metadata.namespace%3Dgarden-other',
      `?resourceVersion=${start.resourceVersion}`,
      `?resourceVersion=${start.resourceVersion}&labelSelector=leak%3Dyes`,
    ];
    // two watches each, within the per-user cap
    const users = ['dev-viewer', 'dev-admin', 'dev-owner'];
    const watches = await Promise.all(
      queries.map((q, i) => openWatch(users[i % users.length] ?? '', `${CONFIGMAPS('garden-dev')}${q}`)),
    );
    for (const watch of watches) expect([200, 400]).toContain(watch.status);
    for (const ns of ['garden-other', 'garden-dev']) {
      await created(g.call('admin', 'POST', CONFIGMAPS(ns), configMap('twin', { leak: 'yes' })));
      await created(
        g.call(
          'admin',
          'PATCH',
          `${CONFIGMAPS(ns)}/twin`,
          { data: { a: 'b' } },
          'application/merge-patch+json',
        ),
      );
    }
    await created(g.call('admin', 'DELETE', `${CONFIGMAPS('garden-other')}/twin`));
    await created(g.call('admin', 'DELETE', `${CONFIGMAPS('garden-dev')}/twin`));
    const seesDevDelete = (w: Watch) =>
      w.lines.some((l) => l.type === 'DELETED' && l.object.metadata.name === 'twin');
    for (const [i, watch] of watches.entries()) {
      if (watch.status !== 200 || queries[i]?.includes('garden-other')) continue;
      await until(() => seesDevDelete(watch));
    }
    await sleep(300);
    for (const watch of watches) {
      const namespaces = new Set(watch.lines.map((l) => l.object.metadata.namespace));
      namespaces.delete('garden-dev');
      expect([...namespaces]).toEqual([]);
    }
  });

  it('refuses cluster-wide and foreign watches, and secret watches by viewers', async () => {
    const refused: Array<[string, string]> = [
      ['dev-viewer', `${CORE}/shoots`],
      ['dev-owner', `${CORE}/shoots`],
      ['dev-owner', '/api/v1/secrets'],
      ['dev-owner', '/api/v1/configmaps'],
      ['dev-owner', SHOOTS('garden-other')],
      ['dev-viewer', '/api/v1/namespaces/garden-dev/secrets'],
      ['dev-viewer', `/api/v1/namespaces/garden-dev/secrets?fieldSelector=metadata.name%3Dx`],
      ['stranger', SHOOTS('garden-dev')],
    ];
    for (const [user, path] of refused) {
      const watch = await openWatch(user, path);
      expect(watch.status, `${user} ${path}`).toBe(403);
      expect(watch.lines).toEqual([]);
    }
  });

  it('shows a project watch only the projects the user has a role in', async () => {
    const watch = await openWatch('dev-viewer', `${CORE}/projects`);
    expect(watch.status).toBe(200);
    for (const name of ['other', 'dev']) {
      const answer = await g.call(
        'admin',
        'PATCH',
        `${CORE}/projects/${name}`,
        { metadata: { labels: { touched: 'yes' } } },
        'application/merge-patch+json',
      );
      expect(answer.status).toBe(200);
    }
    await until(() => watch.lines.some((l) => l.type === 'MODIFIED' && l.object.metadata.name === 'dev'));
    expect(watch.lines.map((l) => l.object.metadata.name)).not.toContain('other');
  });
});
