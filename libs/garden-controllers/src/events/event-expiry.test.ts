import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleProject, requireResourceByKind } from '@gardener-ts/api';
import { createTestDatabase, openStore, ResourceService, type Store } from '@gardener-ts/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whileHoldingLock } from '../project/pass-lock.js';
import { EventExpiry } from './event-expiry.js';

const EVENT = requireResourceByKind('Event');
const NS = 'garden-dev';
const HOUR = 60 * 60 * 1000;
const NOW = Date.parse('2026-12-07T06:00:00Z');

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let store: Store;
let resources: ResourceService;

const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function event(name: string, times: Record<string, unknown>) {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name },
    involvedObject: { kind: 'Shoot', name: 'demo', namespace: NS },
    reason: 'Reconciling',
    ...times,
  };
}

const exists = (name: string) =>
  resources.get(EVENT, NS, name).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'gts-event-expiry-'));
  store = await openStore({ databaseUrl: db.url, keyFile: join(dir, 'secrets.key') });
  resources = new ResourceService(store.repository, store.watches, () => new Date(NOW));
  await resources.create(requireResourceByKind('Project'), undefined, exampleProject('dev'));
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('EventExpiry', () => {
  it('deletes the events whose newest time is older than the TTL, whichever field holds it', async () => {
    await resources.create(EVENT, NS, event('stale', { lastTimestamp: at(NOW - 2 * HOUR) }));
    await resources.create(
      EVENT,
      NS,
      event('counted-up', { firstTimestamp: at(NOW - 3 * HOUR), lastTimestamp: at(NOW - 10_000) }),
    );
    await resources.create(
      EVENT,
      NS,
      event('series', {
        eventTime: at(NOW - 2 * HOUR),
        series: { count: 4, lastObservedTime: at(NOW - 60_000) },
      }),
    );
    await resources.create(EVENT, NS, event('micro', { eventTime: '2026-12-07T04:00:00.123456Z' }));
    // no time of its own: its creation (the store's clock, NOW) counts
    await resources.create(EVENT, NS, event('untimed', {}));
    const expiry = new EventExpiry(store.pool, store.repository, { ttlMs: HOUR, now: () => new Date(NOW) });
    expect(await expiry.pass()).toBe(2);
    expect(await exists('stale')).toBe(false);
    expect(await exists('micro')).toBe(false);
    for (const name of ['counted-up', 'series', 'untimed']) expect(await exists(name)).toBe(true);
    const later = new EventExpiry(store.pool, store.repository, {
      ttlMs: HOUR,
      now: () => new Date(NOW + 2 * HOUR),
    });
    expect(await later.pass()).toBe(3);
  });

  it('runs one pass at a time across processes: a held lock skips the pass', async () => {
    await resources.create(EVENT, NS, event('waiting', { lastTimestamp: at(NOW - 2 * HOUR) }));
    const expiry = new EventExpiry(store.pool, store.repository, { ttlMs: HOUR, now: () => new Date(NOW) });
    let skipped: number | undefined = -1;
    await whileHoldingLock(store.pool, 'gardener-ts:event-expiry', async () => {
      skipped = await expiry.pass();
    });
    expect(skipped).toBeUndefined();
    expect(await exists('waiting')).toBe(true);
    expect(await expiry.pass()).toBe(1);
  });
});
