import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  exampleCloudProfile,
  exampleSeed,
  exampleShoot,
  requireResourceByKind,
  type Shoot,
} from '@gardener-ts/api';
import { createTestDatabase, openStore, ResourceService, type Store } from '@gardener-ts/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShootScheduler } from './scheduler.js';

const SHOOT = requireResourceByKind('Shoot');
const CAPACITY = 3;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let store: Store;
let service: ResourceService;
let scheduler: ShootScheduler;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'gts-scheduler-'));
  store = await openStore({ databaseUrl: db.url, keyFile: join(dir, 'secrets.key'), poolSize: 2 });
  service = new ResourceService(store.repository, store.watches);
  scheduler = new ShootScheduler(service, store.repository);
  service.addCreateHook(scheduler.onCreate);
  await service.create(requireResourceByKind('CloudProfile'), undefined, exampleCloudProfile());
  const seed = exampleSeed();
  seed.spec.capacity = { shoots: CAPACITY };
  await service.create(requireResourceByKind('Seed'), undefined, seed);
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('binding shoots to seeds at create', () => {
  it('does not keep a shoot off a seed with room because refused creates were counted', async () => {
    const refused = exampleShoot('refused', 'garden');
    refused.spec.kubernetes.version = 'not-a-version';
    for (let i = 0; i < CAPACITY; i++) {
      await expect(service.create(SHOOT, 'garden', refused)).rejects.toThrow();
    }
    const created = (await service.create(
      SHOOT,
      'garden',
      exampleShoot('fits', 'garden'),
    )) as unknown as Shoot;
    expect(created.spec.seedName).toBe('local');
  });
});

describe('passes over pending shoots', () => {
  it('starts none for a heartbeat (timestamps only), one when the seed’s readiness changes', async () => {
    const SEED = requireResourceByKind('Seed');
    const beating = exampleSeed();
    beating.metadata.name = 'beating';
    await service.create(SEED, undefined, beating);
    const passes = { count: 0 };
    const listWithout = store.repository.listWithout.bind(store.repository);
    const counting = Object.create(store.repository) as typeof store.repository;
    counting.listWithout = (...args) => {
      passes.count += 1;
      return listWithout(...args);
    };
    const watcher = new ShootScheduler(service, counting, { retryMs: 3_600_000 });
    const settle = () => sleep(300);
    const setReady = async (status: 'True' | 'Unknown', at: string) => {
      const seed = await service.get(SEED, undefined, 'beating');
      const conditions = [
        { type: 'GardenletReady', status, reason: 'R', lastUpdateTime: at, lastTransitionTime: at },
      ];
      await service.update(
        SEED,
        undefined,
        'beating',
        { ...seed, status: { conditions } },
        { subresource: 'status' },
      );
    };
    try {
      await setReady('True', '2026-12-06T00:00:00Z');
      watcher.start();
      await settle();
      const afterStart = passes.count;
      for (const at of ['2026-12-06T00:00:10Z', '2026-12-06T00:00:20Z', '2026-12-06T00:00:30Z']) {
        await setReady('True', at);
        await settle();
      }
      expect(passes.count).toBe(afterStart);
      await setReady('Unknown', '2026-12-06T00:01:10Z');
      await settle();
      expect(passes.count).toBe(afterStart + 1);
    } finally {
      await watcher.stop();
    }
  });
});
