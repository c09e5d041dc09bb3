import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exampleProject } from '@gardener-ts/api';
import { createTestDatabase } from '@gardener-ts/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './testing/server.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let server: RunningServer;
let token: string;

beforeAll(async () => {
  db = await createTestDatabase('gts_ops');
  dir = mkdtempSync(join(tmpdir(), 'gts-ops-'));
  server = await startServer({ PORT: '0', DATABASE_URL: db.url, GARDENER_DATA_DIR: dir });
  token = readFileSync(join(dir, 'admin.token'), 'utf8').trim();
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { headers });

describe('operations', () => {
  it('is live and ready with PostgreSQL and Redis reachable, not ready without Redis', async () => {
    expect((await get('/healthz')).status).toBe(200);
    await sleep(200);
    const ready = await get('/readyz');
    expect(await ready.text()).toBe('[+]postgresql ok\n[+]redis ok\nreadyz check passed\n');
    expect(ready.status).toBe(200);
    const noRedis = await startServer({
      PORT: '0',
      DATABASE_URL: db.url,
      GARDENER_DATA_DIR: dir,
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    try {
      const answer = await fetch(`${noRedis.url}/readyz`);
      expect(answer.status).toBe(503);
      expect(await answer.text()).toMatch(/\[\+\]postgresql ok\n\[-\]redis failed\nreadyz check failed/);
    } finally {
      await noRedis.stop();
    }
  });

  it('serves Prometheus metrics to authenticated callers: latency by route and code, queue depth, outbox lag', async () => {
    const headers = { authorization: `Bearer ${token}` };
    expect((await get('/metrics')).status).toBe(401);
    await get('/apis/core.gardener.cloud/v1beta1/namespaces/garden-x/shoots/nope', headers);
    const text = await (await get('/metrics', headers)).text();
    expect(text).toMatch(
      /gardener_api_request_duration_seconds_count\{method="GET",route="\/apis\/:group\/:version\/namespaces\/:namespace\/:plural\/:name",code="404"\} 1/,
    );
    expect(text).toMatch(/gardener_outbox_lag_seconds \d/);
    expect(text).toContain('# TYPE gardener_shoot_queue_depth gauge');
  });

  it('serves a browsable API page generated from the OpenAPI documents', async () => {
    const page = await get('/api-docs');
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain(
      '<code>/apis/core.gardener.cloud/v1beta1/namespaces/{namespace}/shoots/{name}</code>',
    );
    expect(html).toContain('com.github.gardener.gardener.pkg.apis.core.v1beta1.Shoot');
    expect(html).toMatch(/fieldValidation/);
  });

  it('logs JSON lines with request ids and never a token', async () => {
    const headers = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'x-request-id': 'trace-123',
    };
    const answer = await fetch(`${server.url}/apis/core.gardener.cloud/v1beta1/projects`, {
      method: 'POST',
      headers,
      body: JSON.stringify(exampleProject('ops')),
    });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('x-request-id')).toBe('trace-123');
    await sleep(100);
    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(0);
    const audit = lines.map((l) => JSON.parse(l)).find((l) => l.reqId === 'trace-123');
    expect(audit).toMatchObject({
      level: 30,
      msg: 'audit',
      audit: { verb: 'create', resource: 'projects.core.gardener.cloud', code: 201 },
    });
    expect(server.output()).not.toContain(token);
  });
});
