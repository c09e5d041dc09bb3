import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
