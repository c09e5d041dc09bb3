import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createTestDatabase } from '@gardener-ts/store';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { configFromEnv } from './config.js';
import { createApp } from './create-app.js';
import { createLogger } from './http/logging.js';
import { ApiMetrics, requestLabels } from './ops/metrics.js';
import { processGuards } from './ops/process-guards.js';

/** Issue 15, outcome 10: a crash of one request handler answers 500 and never takes the process down. */

const SECRET = 'gts_secret-in-an-error-message';

function logSink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, stream };
}

/** Routes that fail in every way a handler can, added to the real API's Fastify instance. */
function faultyRoutes(fastify: FastifyInstance): void {
  fastify.get('/faults/throw', () => {
    throw new Error(SECRET);
  });
  fastify.get('/faults/reject', async () => Promise.reject(new Error(SECRET)));
  fastify.get('/faults/reject-non-error', async () => Promise.reject(SECRET));
  fastify.get(
    '/faults/hook',
    {
      preHandler: async () => {
        throw new Error(SECRET);
      },
    },
    async () => ({ ok: true }),
  );
  fastify.get('/faults/bigint', async () => ({ n: 1n }));
  fastify.get('/faults/circular', async () => {
    const value: Record<string, unknown> = {};
    value.self = value;
    return value;
  });
  fastify.get(
    '/faults/after-response',
    {
      onResponse: async () => {
        throw new Error(SECRET);
      },
    },
    async () => ({ ok: true }),
  );
}

describe('a failing request handler', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  let app: NestFastifyApplication;
  const log = logSink();

  beforeAll(async () => {
    db = await createTestDatabase('gts_crash_safety');
    dir = mkdtempSync(join(tmpdir(), 'gts-crash-'));
    const config = configFromEnv({
      DATABASE_URL: db.url,
      GARDENER_DATA_DIR: dir,
      GARDENER_OUTBOX_RELAY: 'off',
      GARDENER_QUEUE_PREFIX: `gts-crash-${process.pid}`,
      GARDENER_TLS: 'off',
    });
    app = await createApp(config, {
      logger: createLogger({ destination: log.stream }),
      configure: faultyRoutes,
    });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string) => app.getHttpAdapter().getInstance().inject({ method: 'GET', url });

  it.each([
    '/faults/throw',
    '/faults/reject',
    '/faults/reject-non-error',
    '/faults/hook',
    '/faults/bigint',
    '/faults/circular',
  ])('%s answers a 500 Status without the error text, and the API keeps serving', async (url) => {
    const answer = await get(url);
    expect(answer.statusCode).toBe(500);
    expect(answer.json()).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      code: 500,
      reason: 'InternalError',
    });
    expect(answer.body).not.toContain(SECRET);
    expect((await get('/healthz')).statusCode).toBe(200);
  });

  it('a hook failing after the answer was sent leaves the answer and the API alone', async () => {
    const answer = await get('/faults/after-response');
    expect(answer.statusCode).toBe(200);
    expect((await get('/healthz')).statusCode).toBe(200);
  });

  it('records request metrics with bounded labels, even for unmatched routes', async () => {
    await get('/faults/throw');
    await get('/no/such/route/with-a-name-in-it');
    const metrics = await app.get(ApiMetrics).registry.metrics();
    expect(metrics).toMatch(/route="\/faults\/throw",code="500"/);
    expect(metrics).toMatch(/route="unmatched",code="404"/);
    expect(metrics).not.toContain('with-a-name-in-it');
  });
});

describe('request metrics', () => {
  let fastify: FastifyInstance;
  const metrics = new ApiMetrics();

  beforeAll(async () => {
    fastify = Fastify();
    metrics.register(fastify);
    fastify.get('/things/:name', async () => ({ ok: true }));
    await fastify.ready();
  });

  afterAll(async () => {
    await fastify.close();
  });

  it('label values come from closed sets: method, route pattern, status code', async () => {
    await fastify.inject({ method: 'GET', url: '/things/__proto__' });
    const labels = requestLabels(
      { method: 'BREW', routeOptions: { url: undefined } } as never,
      { statusCode: 1000 } as never,
    );
    expect({ ...labels }).toEqual({ method: 'other', route: 'unmatched', code: 'other' });
    expect(Object.getPrototypeOf(labels)).toBeNull();
    expect(await metrics.registry.metrics()).toMatch(/method="GET",route="\/things\/:name",code="200"} 1/);
  });

  it('an enumerable property on Object.prototype does not break recording (prom-client checks labels with for-in)', async () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = 'x';
    try {
      const answer = await fastify.inject({ method: 'GET', url: '/things/a' });
      expect(answer.statusCode).toBe(200);
    } finally {
      delete proto.polluted;
    }
    expect(await metrics.registry.metrics()).toMatch(/method="GET",route="\/things\/:name",code="200"} 2/);
  });
});

describe('failures no handler caught', () => {
  function guarded() {
    const log = logSink();
    const exits: number[] = [];
    let shutdowns = 0;
    const guards = processGuards(createLogger({ destination: log.stream }), {
      shutdown: async () => {
        shutdowns++;
      },
      exit: (code) => exits.push(code),
      graceMs: 1_000,
    });
    return { guards, log, exits, shutdowns: () => shutdowns };
  }

  it('an unhandled rejection is logged and the process keeps serving', () => {
    const { guards, log, exits } = guarded();
    guards.onUnhandledRejection(new Error('lost promise'));
    guards.onUnhandledRejection({ token: SECRET });
    expect(exits).toEqual([]);
    expect(log.lines.join('')).toContain('unhandled promise rejection');
    expect(log.lines.join('')).toContain('lost promise');
    expect(log.lines.join('')).not.toContain(SECRET);
  });

  it('an uncaught exception is logged, the server closed, and the process exits 1 for the supervisor', async () => {
    const { guards, log, exits, shutdowns } = guarded();
    guards.onUncaughtException(new Error('broken state'));
    await vi.waitFor(() => expect(exits).toEqual([1]));
    expect(shutdowns()).toBe(1);
    expect(log.lines.join('')).toContain('uncaught exception');
  });
});
