import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Condition,
  exampleCloudProfile,
  exampleProject,
  exampleSeed,
  exampleShoot,
  GARDENLET_READY_CONDITION,
  requireResourceByKind,
  type Seed,
  type Shoot,
  withCondition,
} from '@gardener-ts/api';
import { GardenClient, InProcessTransport } from '@gardener-ts/client';
import { createTestDatabase, openStore, ResourceService, type Store } from '@gardener-ts/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeedLifecycle, SHOOT_HEALTH_CONDITIONS } from './seed-lifecycle.js';

const SEED = requireResourceByKind('Seed');
const SHOOT = requireResourceByKind('Shoot');
const GRACE_MS = 40_000;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let store: Store;
let resources: ResourceService;
let clock = new Date('2026-12-06T12:00:00Z');
let lifecycle: SeedLifecycle;

const seconds = (n: number) => new Date(clock.getTime() + n * 1000);
const seedCondition = async (name: string) =>
  ((await resources.get(SEED, undefined, name)) as unknown as Seed).status?.conditions?.find(
    (c) => c.type === GARDENLET_READY_CONDITION,
  );
const shootConditions = async (name: string) =>
  ((await resources.get(SHOOT, 'garden-dev', name)) as unknown as Shoot).status?.conditions ?? [];

/** What a gardenlet's heartbeat writes: GardenletReady True, updated now. */
async function beat(name: string, at: Date): Promise<void> {
  const seed = (await resources.get(SEED, undefined, name)) as unknown as Seed;
  const conditions = withCondition(
    seed.status?.conditions,
    GARDENLET_READY_CONDITION,
    'True',
    'GardenletReady',
    'ok',
    at,
  );
  await resources.update(
    SEED,
    undefined,
    name,
    { ...seed, status: { ...seed.status, conditions } },
    { subresource: 'status' },
  );
}

async function seed(name: string): Promise<void> {
  const object = exampleSeed();
  object.metadata.name = name;
  await resources.create(SEED, undefined, object);
}

async function shootOn(name: string, seedName: string, conditions: Condition[]): Promise<void> {
  const shoot = exampleShoot(name);
  shoot.spec.seedName = seedName;
  delete shoot.spec.networking?.nodes;
  await resources.create(SHOOT, 'garden-dev', shoot);
  const stored = (await resources.get(SHOOT, 'garden-dev', name)) as unknown as Shoot;
  await resources.update(
    SHOOT,
    'garden-dev',
    name,
    { ...stored, status: { ...stored.status, conditions } },
    {
      subresource: 'status',
    },
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'gts-seed-lifecycle-'));
  store = await openStore({ databaseUrl: db.url, keyFile: join(dir, 'secrets.key') });
  resources = new ResourceService(store.repository, store.watches);
  await resources.create(requireResourceByKind('CloudProfile'), undefined, exampleCloudProfile());
  await resources.create(requireResourceByKind('Project'), undefined, exampleProject('dev'));
  lifecycle = new SeedLifecycle(new GardenClient(new InProcessTransport(resources)), store.pool, {
    graceMs: GRACE_MS,
    now: () => clock,
  });
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('SeedLifecycle', () => {
  it('leaves a seed that never had a gardenlet alone, and a beating one True', async () => {
    await seed('fresh');
    await seed('alive');
    await beat('alive', clock);
    clock = seconds(30);
    await lifecycle.checkAll();
    expect(await seedCondition('fresh')).toBeUndefined();
    expect(await seedCondition('alive')).toMatchObject({ status: 'True' });
  });

  it("turns a seed Unknown after the grace period without a beat, and its shoots' health with it", async () => {
    const healthy = SHOOT_HEALTH_CONDITIONS.map((type) => ({
      type,
      status: 'True' as const,
      reason: 'Fine',
    }));
    await shootOn('orphaned', 'alive', healthy);
    await seed('other');
    await beat('other', seconds(0));
    await shootOn('elsewhere', 'other', healthy);
    clock = seconds(GRACE_MS / 1000 + 1);
    await beat('other', clock);
    await lifecycle.checkAll();
    expect(await seedCondition('alive')).toMatchObject({
      status: 'Unknown',
      reason: 'StatusUnknown',
      message: 'Gardenlet stopped posting seed status.',
    });
    for (const condition of await shootConditions('orphaned'))
      expect(condition).toMatchObject({
        status: 'Unknown',
        message: 'Gardenlet stopped sending heartbeats.',
      });
    expect((await shootConditions('orphaned')).map((c) => c.type).sort()).toEqual(
      [...SHOOT_HEALTH_CONDITIONS].sort(),
    );
    expect((await seedCondition('other'))?.status).toBe('True');
    expect((await shootConditions('elsewhere')).every((c) => c.status === 'True')).toBe(true);
  });

  it('writes nothing more on later passes while the seed stays gone', async () => {
    const before = (await resources.get(SHOOT, 'garden-dev', 'orphaned')).metadata.resourceVersion;
    clock = seconds(60);
    await lifecycle.checkAll();
    expect((await resources.get(SHOOT, 'garden-dev', 'orphaned')).metadata.resourceVersion).toBe(before);
  });

  it('is True again once its gardenlet beats, and is not turned Unknown within the grace period', async () => {
    await beat('alive', clock);
    clock = seconds(GRACE_MS / 1000 - 1);
    await lifecycle.checkAll();
    expect(await seedCondition('alive')).toMatchObject({ status: 'True', reason: 'GardenletReady' });
  });
});
