import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Bastion,
  exampleCloudProfile,
  exampleProject,
  exampleSeed,
  exampleShoot,
} from '@gardener-ts/api';
import { EventRecorder, GardenClient, InProcessTransport } from '@gardener-ts/client';
import type { BastionActuator, BastionContext, BastionStatus } from '@gardener-ts/extensions';
import { ShootLeases } from '@gardener-ts/jobs';
import { createTestDatabase, openStore, ResourceService, type Store } from '@gardener-ts/store';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASTION_FINALIZER, BastionController } from './bastion-controller.js';

const NAMESPACE = 'garden-dev';
const HOUR = 60 * 60 * 1000;

function sshKey(): string {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const part = (data: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, data.length]), data]);
  return `ssh-ed25519 ${Buffer.concat([part(Buffer.from('ssh-ed25519')), part(raw)]).toString('base64')}`;
}

/** A cloud in memory: which bastions exist, and every call (with how many ran at once). */
class MemoryBastions implements BastionActuator {
  readonly live = new Map<string, BastionContext>();
  readonly calls: string[] = [];
  failWith: string | undefined;
  private readonly running = new Map<string, number>();
  /** the most calls that ran at once for one bastion */
  maxRunning = 0;

  async reconcile(context: BastionContext): Promise<BastionStatus> {
    return this.track(context.id, 'reconcile', async () => {
      if (this.failWith) throw new Error(this.failWith);
      this.live.set(context.id, context);
      return { ip: '10.249.9.200', hostKey: 'ssh-ed25519 AAAAhostkey' };
    });
  }

  async delete(context: BastionContext): Promise<void> {
    await this.track(context.id, 'delete', async () => {
      this.live.delete(context.id);
    });
  }

  private async track<T>(id: string, verb: string, work: () => Promise<T>): Promise<T> {
    this.calls.push(`${verb} ${id}`);
    const running = (this.running.get(id) ?? 0) + 1;
    this.running.set(id, running);
    this.maxRunning = Math.max(this.maxRunning, running);
    try {
      await sleep(20);
      return await work();
    } finally {
      this.running.set(id, (this.running.get(id) ?? 1) - 1);
    }
  }
}

describe('Bastion controller (real PostgreSQL store)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  let store: Store;
  let client: GardenClient;
  let events: EventRecorder;
  let redis: Redis;
  let clock: number;
  const cloud = new MemoryBastions();

  const controller = (leases?: ShootLeases) =>
    new BastionController({
      client,
      seedName: 'local',
      actuator: (type) => {
        if (type !== 'local') throw new Error(`no actuator for ${type}`);
        return cloud;
      },
      ...(leases ? { leases } : {}),
      now: () => new Date(clock),
      events,
    });

  const at = (name: string) => ({ namespace: NAMESPACE, name });
  const read = (name: string) => client.find('Bastion', at(name));

  async function createShoot(name: string, third: number): Promise<void> {
    const shoot = exampleShoot(name, NAMESPACE);
    shoot.spec.seedName = 'local';
    shoot.spec.networking = { ...shoot.spec.networking, nodes: `10.249.${third}.0/24` };
    await client.create('Shoot', shoot);
  }

  async function createBastion(name: string, shoot: string): Promise<Bastion> {
    return client.create('Bastion', {
      apiVersion: 'operations.gardener.cloud/v1alpha1',
      kind: 'Bastion',
      metadata: { name, namespace: NAMESPACE },
      spec: {
        shootRef: { name: shoot },
        sshPublicKey: sshKey(),
        ingress: [{ ipBlock: { cidr: '10.249.9.1/32' } }],
      },
    });
  }

  beforeAll(async () => {
    db = await createTestDatabase('gts_bastion_ctl');
    dir = mkdtempSync(join(tmpdir(), 'gts-bastion-ctl-'));
    store = await openStore({ databaseUrl: db.url, keyFile: join(dir, 'secrets.key') });
    client = new GardenClient(new InProcessTransport(new ResourceService(store.repository, store.watches)));
    events = new EventRecorder(client, { component: 'gardenlet', logger: { warn: (m) => console.warn(m) } });
    await client.create('CloudProfile', exampleCloudProfile());
    const seed = exampleSeed();
    seed.spec.networks.shootDefaults = { nodes: '10.249.0.0/16' }; // the range the shoots' nodes are from
    await client.create('Seed', seed);
    await client.create('Project', exampleProject('dev'));
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  });

  afterAll(async () => {
    redis?.disconnect();
    await store?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a new bastion real and reports its address, host key, Ready and expiry', async () => {
    await createShoot('alpha', 9);
    const created = await createBastion('cli-alpha', 'alpha');
    clock = Date.parse(created.metadata.creationTimestamp ?? '') + 1000;
    await controller().reconcileAll();
    const bastion = await read('cli-alpha');
    expect(bastion?.metadata.finalizers).toEqual([BASTION_FINALIZER]);
    expect(bastion?.status).toMatchObject({
      ingress: { ip: '10.249.9.200' },
      sshHostKeys: ['ssh-ed25519 AAAAhostkey'],
      observedGeneration: 1,
      lastHeartbeatTimestamp: created.metadata.creationTimestamp,
      conditions: [expect.objectContaining({ type: 'BastionReady', status: 'True' })],
    });
    expect(Date.parse(bastion?.status?.expirationTimestamp ?? '')).toBe(
      Date.parse(created.metadata.creationTimestamp ?? '') + HOUR,
    );
    // Ready once, as an event on the bastion; a later pass that finds it Ready records nothing
    clock += 2 * 60_000;
    await controller().reconcileAll();
    await events.flush();
    const recorded = await client.list('Event', {
      namespace: NAMESPACE,
      fieldSelector: 'involvedObject.kind=Bastion,involvedObject.name=cli-alpha',
    });
    expect(recorded.map((e) => [e.type, e.reason, e.message, e.metadata.labels])).toEqual([
      [
        'Normal',
        'Ready',
        'The bastion accepts SSH connections at 10.249.9.200',
        { 'shoot.gardener.cloud/name': 'alpha' },
      ],
    ]);
    const context = cloud.live.get(`shoot--dev--alpha--cli-alpha`);
    expect(context).toMatchObject({
      technicalId: 'shoot--dev--alpha',
      ingressCidrs: ['10.249.9.1/32'],
      infrastructure: { nodesCidr: '10.249.9.0/24' },
    });
  });

  it('a changed ingress reaches the provider; a settled bastion is left alone', async () => {
    const before = cloud.calls.length;
    await controller().reconcileAll();
    await client.patch('Bastion', at('cli-alpha'), 'merge', {
      spec: { ingress: [{ ipBlock: { cidr: '192.0.2.0/24' } }] },
    });
    const c = controller();
    await c.reconcileAll();
    await c.reconcileAll();
    expect(cloud.calls.length - before).toBe(2); // the first controller's first pass, then the change
    expect(cloud.live.get('shoot--dev--alpha--cli-alpha')?.ingressCidrs).toEqual(['192.0.2.0/24']);
    expect((await read('cli-alpha'))?.status?.observedGeneration).toBe(2);
  });

  it('keepalive moves the heartbeat to now and the expiry an hour on, then the annotation goes', async () => {
    clock += 30 * 60 * 1000;
    await client.patch('Bastion', at('cli-alpha'), 'merge', {
      metadata: { annotations: { 'gardener.cloud/operation': 'keepalive' } },
    });
    await controller().reconcileAll();
    const bastion = await read('cli-alpha');
    expect(bastion?.metadata.annotations?.['gardener.cloud/operation']).toBeUndefined();
    expect(Date.parse(bastion?.status?.lastHeartbeatTimestamp ?? '')).toBe(Math.floor(clock / 1000) * 1000);
    expect(Date.parse(bastion?.status?.expirationTimestamp ?? '')).toBe(
      Math.floor(clock / 1000) * 1000 + HOUR,
    );
  });

  it('never lives beyond 24 h after creation, keepalive or not', async () => {
    const created = Date.parse((await read('cli-alpha'))?.metadata.creationTimestamp ?? '');
    // as if keepalives had come all along
    const lastHeartbeatTimestamp = new Date(created + 23 * HOUR).toISOString().replace(/\.\d+Z$/, 'Z');
    await client.updateStatus('Bastion', at('cli-alpha'), (status) => {
      status.lastHeartbeatTimestamp = lastHeartbeatTimestamp;
    });
    clock = created + 23.5 * HOUR;
    await client.patch('Bastion', at('cli-alpha'), 'merge', {
      metadata: { annotations: { 'gardener.cloud/operation': 'keepalive' } },
    });
    await controller().reconcileAll();
    expect(Date.parse((await read('cli-alpha'))?.status?.expirationTimestamp ?? '')).toBe(
      created + 24 * HOUR,
    );
  });

  it('an expired bastion is deleted: the provider first, then the object', async () => {
    const created = Date.parse((await read('cli-alpha'))?.metadata.creationTimestamp ?? '');
    clock = created + 24 * HOUR;
    await controller().reconcileAll();
    expect(await read('cli-alpha')).toBeUndefined();
    expect(cloud.live.has('shoot--dev--alpha--cli-alpha')).toBe(false);
    expect(cloud.calls.at(-1)).toBe('delete shoot--dev--alpha--cli-alpha');
  });

  it('a user deletes a bastion: provider bastion removed, then the finalizer', async () => {
    const created = await createBastion('cli-user', 'alpha');
    clock = Date.parse(created.metadata.creationTimestamp ?? '');
    await controller().reconcileAll();
    expect(cloud.live.has('shoot--dev--alpha--cli-user')).toBe(true);
    await client.delete('Bastion', at('cli-user'));
    expect((await read('cli-user'))?.metadata.deletionTimestamp).toBeTruthy();
    await controller().reconcileAll();
    expect(await read('cli-user')).toBeUndefined();
    expect(cloud.live.has('shoot--dev--alpha--cli-user')).toBe(false);
  });

  it("a shoot's bastions go when it is deleted, and when it is gone", async () => {
    await createShoot('beta', 8);
    const one = await createBastion('cli-beta', 'beta');
    await createBastion('cli-gamma', 'alpha');
    clock = Date.parse(one.metadata.creationTimestamp ?? '');
    await controller().reconcileAll();
    // beta is marked for deletion (a finalizer keeps it), alpha disappears entirely
    await client.patch('Shoot', at('beta'), 'merge', {
      metadata: { finalizers: ['gardener'], annotations: { 'confirmation.gardener.cloud/deletion': 'true' } },
    });
    await client.delete('Shoot', at('beta'));
    await client.patch('Shoot', at('alpha'), 'merge', {
      metadata: { annotations: { 'confirmation.gardener.cloud/deletion': 'true' } },
    });
    await client.delete('Shoot', at('alpha'));
    await controller().reconcileAll();
    expect(await read('cli-beta')).toBeUndefined();
    expect(await read('cli-gamma')).toBeUndefined();
    expect([...cloud.live.keys()]).toEqual([]);
  });

  it('a provider failure shows as BastionReady False and is retried after a backoff', async () => {
    await createShoot('delta', 7);
    const created = await createBastion('cli-delta', 'delta');
    clock = Date.parse(created.metadata.creationTimestamp ?? '');
    cloud.failWith = 'the cloud is down';
    const c = controller();
    await expect(c.reconcileAll()).rejects.toThrow('the cloud is down');
    const failed = await read('cli-delta');
    expect(failed?.status?.conditions).toEqual([
      expect.objectContaining({
        status: 'False',
        reason: 'FailedReconciling',
        message: expect.stringContaining('down'),
      }),
    ]);
    cloud.failWith = undefined;
    const calls = cloud.calls.length;
    await c.reconcileAll(); // within the backoff: not retried yet
    expect(cloud.calls.length).toBe(calls);
    clock += 1500;
    await c.reconcileAll();
    expect((await read('cli-delta'))?.status?.conditions?.[0]?.status).toBe('True');
  });

  it('two gardenlets of one seed never work on one bastion at once (Redis leases)', async () => {
    const leases = new ShootLeases(redis, `gts-bastion-test-${randomBytes(3).toString('hex')}`, 5000);
    await createBastion('cli-race', 'delta');
    cloud.maxRunning = 0;
    await Promise.all([controller(leases).reconcileAll(), controller(leases).reconcileAll()]);
    expect(cloud.calls.filter((c) => c === 'reconcile shoot--dev--delta--cli-race')).toHaveLength(1);
    expect(cloud.maxRunning).toBe(1);
  });
});
