import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  exampleCloudProfile,
  exampleProject,
  exampleSeed,
  exampleShoot,
  requireResourceByKind,
} from '@gardener-ts/api';
import { GardenClient, InProcessTransport } from '@gardener-ts/client';
import type { SeedResource, SeedResourceCollector } from '@gardener-ts/extensions';
import { ShootLeases } from '@gardener-ts/jobs';
import { createTestDatabase, openStore, ResourceService, type Store } from '@gardener-ts/store';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SeedGarbageCollector } from './seed-gc.js';

const SHOOT = requireResourceByKind('Shoot');
const NAMESPACE = 'garden-gc';
const GRACE_MS = 60_000;

/** A seed in memory: per kind, the technical IDs (and names) it holds; every removal in order. */
class MemorySeed {
  readonly held = new Map<string, SeedResource>();
  readonly removed: string[] = [];
  failOn?: string;

  collector(kind: string, phase: SeedResourceCollector['phase']): SeedResourceCollector {
    return {
      kind,
      phase,
      list: async () => [...this.held.values()].filter((r) => r.kind === kind),
      remove: async (resource) => {
        const key = `${resource.kind}/${resource.name}`;
        if (this.failOn === key) throw new Error(`cannot remove ${key}`);
        this.held.delete(`${resource.kind}/${resource.technicalId}/${resource.name}`);
        this.removed.push(key);
      },
    };
  }

  add(kind: string, technicalId: string, name = technicalId): void {
    this.held.set(`${kind}/${technicalId}/${name}`, { kind, technicalId, name });
  }

  /** everything a shoot has on the local seed */
  addShoot(technicalId: string, options: { bastion?: string } = {}): void {
    this.add('infrastructure', technicalId);
    this.add('control-plane', technicalId);
    this.add('machine', technicalId, 'worker-a');
    if (options.bastion) this.add('bastion', technicalId, `${technicalId}--${options.bastion}`);
  }
}

describe('seed garbage collector (real PostgreSQL store)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  let store: Store;
  let resources: ResourceService;
  let redis: Redis;
  let seed: MemorySeed;
  let clock: number;
  let said: string[];
  let running: { namespace: string; name: string }[];

  const collector = (options: { lock?: boolean } = {}) => {
    const leases = new ShootLeases(redis, `gts-seed-gc-${process.pid}`, 10_000);
    return new SeedGarbageCollector({
      client: new GardenClient(new InProcessTransport(resources)),
      // given out of order on purpose: the collector sorts them into the delete flow's order
      collectors: [
        seed.collector('infrastructure', 'infrastructure'),
        seed.collector('control-plane', 'infrastructure'),
        seed.collector('machine', 'workers'),
        seed.collector('bastion', 'workers'),
      ],
      graceMs: GRACE_MS,
      runningFlows: async () => running,
      ...(options.lock ? { lock: (id: string) => leases.acquire(`seed-gc:${id}`) } : {}),
      onRemoved: (r) => said.push(`removed ${r.kind} ${r.name} of ${r.technicalId}`),
      onFailed: (r, error) => said.push(`failed ${r.kind} ${r.name}: ${error.message}`),
      now: () => clock,
    });
  };

  async function createShoot(name: string): Promise<void> {
    const shoot = exampleShoot(name, NAMESPACE);
    shoot.spec.seedName = 'local';
    delete shoot.spec.networking.nodes; // a free one of the seed's range each
    await resources.create(SHOOT, NAMESPACE, shoot);
  }

  beforeAll(async () => {
    db = await createTestDatabase('gts_seed_gc');
    dir = mkdtempSync(join(tmpdir(), 'gts-seed-gc-'));
    store = await openStore({ databaseUrl: db.url, keyFile: join(dir, 'secrets.key') });
    resources = new ResourceService(store.repository, store.watches);
    await resources.create(requireResourceByKind('CloudProfile'), undefined, exampleCloudProfile());
    await resources.create(requireResourceByKind('Seed'), undefined, exampleSeed());
    await resources.create(requireResourceByKind('Project'), undefined, exampleProject('gc'));
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  });

  beforeEach(() => {
    seed = new MemorySeed();
    clock = 1_000_000;
    said = [];
    running = [];
  });

  afterAll(async () => {
    redis?.disconnect();
    await store?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('removes what no shoot owns after the grace period, in the delete flow order, one line each', async () => {
    seed.addShoot('shoot--gc--gone', { bastion: 'cli-x' });
    const gc = collector();
    expect(await gc.collect()).toEqual([]);
    clock += GRACE_MS - 1;
    expect(await gc.collect(), 'still within the grace period').toEqual([]);
    clock += 1;
    const removed = await gc.collect();
    expect(removed.map((r) => r.kind)).toEqual(['machine', 'bastion', 'control-plane', 'infrastructure']);
    expect(seed.held.size).toBe(0);
    expect(said).toEqual([
      'removed machine worker-a of shoot--gc--gone',
      'removed bastion shoot--gc--gone--cli-x of shoot--gc--gone',
      'removed control-plane shoot--gc--gone of shoot--gc--gone',
      'removed infrastructure shoot--gc--gone of shoot--gc--gone',
    ]);
  });

  it('never touches a living shoot, nor one whose deletion is in progress', async () => {
    await createShoot('alive');
    await createShoot('leaving');
    await resources.patch(SHOOT, NAMESPACE, 'leaving', 'merge', {
      metadata: {
        finalizers: ['gardener'],
        annotations: { 'confirmation.gardener.cloud/deletion': 'true' },
      },
    });
    await resources.delete(SHOOT, NAMESPACE, 'leaving');
    const leaving = await resources.get(SHOOT, NAMESPACE, 'leaving');
    expect(leaving.metadata.deletionTimestamp).toBeTruthy();
    seed.addShoot('shoot--gc--alive', { bastion: 'cli-a' });
    seed.addShoot('shoot--gc--leaving');
    const gc = collector();
    for (let pass = 0; pass < 3; pass++) {
      expect(await gc.collect()).toEqual([]);
      clock += GRACE_MS;
    }
    expect(seed.removed).toEqual([]);
    expect(seed.held.size).toBe(7);
  });

  it('never touches a shoot whose flow runs, and waits a whole grace period after it ends', async () => {
    seed.addShoot('shoot--gc--busy');
    running = [{ namespace: NAMESPACE, name: 'busy' }];
    const gc = collector();
    await gc.collect();
    clock += GRACE_MS * 2;
    expect(await gc.collect()).toEqual([]);
    running = [];
    expect(await gc.collect(), 'first seen orphaned only now').toEqual([]);
    clock += GRACE_MS;
    expect((await gc.collect()).length).toBe(3);
  });

  it('forgets an orphan whose shoot comes back, and keeps a shoot created during the grace period', async () => {
    seed.addShoot('shoot--gc--late');
    const gc = collector();
    await gc.collect();
    clock += GRACE_MS;
    await createShoot('late');
    expect(await gc.collect()).toEqual([]);
    expect(seed.held.size).toBe(3);
  });

  it('stops at the first failure of a shoot and tries again on the next pass', async () => {
    seed.addShoot('shoot--gc--stuck');
    seed.failOn = 'control-plane/shoot--gc--stuck';
    const gc = collector();
    await gc.collect();
    clock += GRACE_MS;
    expect((await gc.collect()).map((r) => r.kind)).toEqual(['machine']);
    expect(
      seed.held.has('infrastructure/shoot--gc--stuck/shoot--gc--stuck'),
      'the infrastructure waits for the control plane',
    ).toBe(true);
    expect(said.at(-1)).toMatch(/^failed control-plane shoot--gc--stuck: cannot remove/);
    seed.failOn = undefined;
    expect((await gc.collect()).map((r) => r.kind)).toEqual(['control-plane', 'infrastructure']);
  });

  it('leaves an orphan to the gardenlet that holds its lock', async () => {
    seed.addShoot('shoot--gc--locked');
    const other = await new ShootLeases(redis, `gts-seed-gc-${process.pid}`, 10_000).acquire(
      'seed-gc:shoot--gc--locked',
    );
    const gc = collector({ lock: true });
    await gc.collect();
    clock += GRACE_MS;
    expect(await gc.collect()).toEqual([]);
    await other?.release();
    expect((await gc.collect()).length).toBe(3);
  });
});
