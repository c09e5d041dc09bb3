// The machine controller against a real PostgreSQL store (objects through a GardenClient over its
// ResourceService) and real Redis (BullMQ jobs, two controller instances as two gardenlet
// processes). The cloud and the shoot's nodes are a small in-memory driver and node source defined
// below: a real cloud is not the point here (the local and simulated drivers are tested with their
// own packages).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CloudProfile,
  exampleCloudProfile,
  exampleProject,
  exampleSeed,
  exampleShoot,
  type Machine,
  requireResourceByKind,
  type Worker,
} from '@gardener-ts/api';
import { EventRecorder, GardenClient, InProcessTransport, type ObjectOf } from '@gardener-ts/client';
import {
  type CreateMachineRequest,
  GardenerErrorCode,
  type MachineDriver,
  MachineError,
  MachineErrorCode,
  type MachineInfo,
  type NodeBootstrap,
  technicalIdOf,
} from '@gardener-ts/extensions';
import { createTestDatabase, openStore, ResourceService, type Store } from '@gardener-ts/store';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MachineControllerManager } from './controller.js';
import { parseDuration } from './durations.js';
import type { MachineKind } from './objects.js';
import { distributeOverZones } from './pools.js';
import { planPool } from './rollout.js';
import type { ShootNodes } from './shoot-nodes.js';
import type { WorkerContext, WorkerState } from './types.js';

const MACHINE = requireResourceByKind('Machine');
const KINDS = ['Machine', 'MachineSet', 'MachineDeployment', 'MachineClass'] as const;
const NAMESPACE = 'garden-dev';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface FakeNode {
  readonly name: string;
  readonly technicalId: string;
  ready: boolean;
}

/** An in-memory cloud: machines per shoot, and the Nodes they register as (at once, Ready). */
class FakeCloud {
  readonly machines = new Map<
    string,
    { technicalId: string; info: MachineInfo; request?: CreateMachineRequest }
  >();
  readonly nodes = new Map<string, FakeNode>();
  readonly creates = new Map<string, number>();
  /** whether new machines' nodes join */
  joins = true;
  createError: MachineError | undefined;
  onChange: () => void = () => undefined;

  readonly driver: MachineDriver = {
    create: async (request) => {
      this.creates.set(request.name, (this.creates.get(request.name) ?? 0) + 1);
      if (this.createError) throw this.createError;
      const existing = this.machines.get(request.name);
      if (existing) return existing.info;
      this.add(request.technicalId, request.name, request);
      return (this.machines.get(request.name) as { info: MachineInfo }).info;
    },
    delete: async ({ name }) => {
      this.machines.delete(name);
      this.onChange();
    },
    status: async ({ name }) => {
      const machine = this.machines.get(name);
      if (!machine) throw new MachineError(MachineErrorCode.NotFound, `machine ${name} not found`);
      return machine.info;
    },
    list: async (technicalId) =>
      [...this.machines.values()].filter((m) => m.technicalId === technicalId).map((m) => m.info),
  };

  add(technicalId: string, name: string, request?: CreateMachineRequest): void {
    const info: MachineInfo = {
      name,
      providerId: `fake:///${technicalId}/${name}`,
      nodeName: name,
      addresses: [{ type: 'InternalIP', address: `10.250.0.${this.machines.size + 2}` }],
      state: 'Running',
    };
    this.machines.set(name, { technicalId, info, request });
    if (this.joins) this.nodes.set(name, { name, technicalId, ready: true });
    this.onChange();
  }

  shootNodes(technicalId: string): ShootNodes {
    return {
      list: async () =>
        [...this.nodes.values()]
          .filter((n) => n.technicalId === technicalId)
          .map((n) => ({ name: n.name, ready: n.ready })),
      delete: async (name) => {
        this.nodes.delete(name);
        this.onChange();
      },
    };
  }

  machinesOf(technicalId: string): string[] {
    return [...this.machines.entries()].filter(([, m]) => m.technicalId === technicalId).map(([n]) => n);
  }

  nodesOf(technicalId: string): FakeNode[] {
    return [...this.nodes.values()].filter((n) => n.technicalId === technicalId);
  }
}

const BOOTSTRAP: NodeBootstrap = {
  apiServerUrl: 'https://10.250.0.1:443',
  caPem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
  bootstrapToken: 'abcdef.0123456789abcdef',
  labels: {},
  taints: [],
  sshPublicKey: 'ssh-ed25519 AAAA test',
};

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let store: Store;
let service: ResourceService;
let client: GardenClient;
/** what the controllers record about machines (shared, as a gardenlet's one recorder) */
let events: EventRecorder;
let redis: Redis;
let prefix: string;
let cloudProfile: CloudProfile;
const cloud = new FakeCloud();
const bootstrapped: string[] = [];
const controllers: MachineControllerManager[] = [];
const operationWorkers: { close(): Promise<void> }[] = [];

function controller(queued = true): MachineControllerManager {
  const made = new MachineControllerManager({
    client,
    drivers: (type) => {
      if (type !== 'local') throw new Error(`unexpected provider ${type}`);
      return cloud.driver;
    },
    nodes: async (technicalId) => cloud.shootNodes(technicalId),
    bootstrap: async (shoot) => {
      bootstrapped.push(shoot.metadata.name ?? '');
      return BOOTSTRAP;
    },
    ...(queued ? { queue: { connection: redis, prefix, name: 'machines.test' } } : {}),
    orphanGraceMs: 300,
    operationBackoff: { initialMs: 20, maxMs: 100 },
    events,
  });
  controllers.push(made);
  return made;
}

// two controllers sharing the queue and the store: two gardenlet processes
let first: MachineControllerManager;
let second: MachineControllerManager;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'gts-machine-'));
  store = await openStore({ databaseUrl: db.url, keyFile: join(dir, 'secrets.key') });
  service = new ResourceService(store.repository, store.watches);
  client = new GardenClient(new InProcessTransport(service));
  events = new EventRecorder(client, {
    component: 'machine-controller-manager',
    logger: { warn: (message) => console.warn(message) },
  });
  cloudProfile = await client.create('CloudProfile', exampleCloudProfile());
  await client.create('Seed', exampleSeed());
  await client.create('Project', exampleProject('dev'));
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  prefix = `gardener-ts-test-${randomBytes(4).toString('hex')}`;
  first = controller();
  second = controller();
  operationWorkers.push(first.startOperationsWorker({ concurrency: 4 }));
  operationWorkers.push(second.startOperationsWorker({ concurrency: 4 }));
});

afterAll(async () => {
  await Promise.all(operationWorkers.map((w) => w.close()));
  await Promise.all(controllers.map((c) => c.close()));
  if (redis) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
  await store?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `reason: message` of the events recorded about a machine, oldest first. */
async function eventsAbout(namespace: string, machine: string): Promise<string[]> {
  await events.flush();
  const recorded = await client.list('Event', {
    namespace,
    fieldSelector: `involvedObject.kind=Machine,involvedObject.name=${machine}`,
  });
  return recorded
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))
    .map((e) => `${e.type} ${e.reason}: ${e.message}`);
}

function pool(overrides: Partial<Worker> = {}): Worker {
  return {
    name: 'pool-a',
    machine: { type: 'local-small', image: { name: 'debian', version: '12' } },
    minimum: 1,
    maximum: 4,
    maxSurge: 1,
    maxUnavailable: 0,
    zones: ['zone-a'],
    ...overrides,
  };
}

async function newShoot(name: string, workers: Worker[]): Promise<WorkerContext> {
  const shoot = exampleShoot(name, NAMESPACE);
  shoot.spec.provider.workers = workers;
  const created = await client.create('Shoot', shoot);
  return {
    shoot: created,
    technicalId: technicalIdOf(created),
    cloudProfile,
    infrastructure: { network: name },
  };
}

/** The context after a change of the shoot's first pool (what the next reconcile is given). */
function withPool(context: WorkerContext, change: Partial<Worker>): WorkerContext {
  const shoot = structuredClone(context.shoot);
  shoot.spec.provider.workers = shoot.spec.provider.workers.map((w, i) =>
    i === 0 ? { ...w, ...change } : w,
  );
  return { ...context, shoot };
}

async function listOf<K extends MachineKind>(kind: K, context: WorkerContext): Promise<ObjectOf<K>[]> {
  const list = await client.list(kind, {
    namespace: NAMESPACE,
    labelSelector: `shoot.gardener.cloud/name=${context.shoot.metadata.name}`,
  });
  return list.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

const phaseOf = (m: Machine) =>
  m.metadata.deletionTimestamp ? 'Terminating' : m.status?.currentStatus?.phase;

/** Both "processes" sync at once (their passes take turns) until the workers settle. */
async function settle(
  context: WorkerContext,
  onState: (state: WorkerState) => void = () => undefined,
  timeoutMs = 20_000,
): Promise<WorkerState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all([first.sync(context), second.sync(context)]);
    for (const state of states) onState(state);
    const done = states.find((s) => s.settled);
    if (done) return done;
    if (Date.now() > deadline) throw new Error(`not settled: ${JSON.stringify(states[1])}`);
    await sleep(20);
  }
}

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(10);
  }
}

/** deleteWorkers until it reports 0, then nothing of the shoot's workers is left anywhere. */
async function deleteAll(context: WorkerContext, manager = first): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await manager.deleteWorkers(context)) > 0) {
    if (Date.now() > deadline) throw new Error('workers not deleted in time');
    await sleep(20);
  }
  for (const kind of KINDS) expect(await listOf(kind, context), kind).toEqual([]);
  expect(cloud.machinesOf(context.technicalId)).toEqual([]);
  expect(cloud.nodesOf(context.technicalId)).toEqual([]);
}

describe('building blocks', () => {
  it('reads Go durations as the pool settings carry them', () => {
    expect(parseDuration('20m')).toBe(1_200_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(() => parseDuration('10 minutes')).toThrow(/not a duration/);
  });

  it('spreads machines over zones, the extra ones to the lower-index zones', () => {
    expect([0, 1, 2].map((i) => distributeOverZones(i, 5, 3))).toEqual([2, 2, 1]);
    expect([0, 1, 2].map((i) => distributeOverZones(i, 1, 3))).toEqual([1, 0, 0]);
  });

  it('never plans a rollout to a standstill when a pool allows neither surge nor unavailability', () => {
    const old = { phase: 'Running' };
    const machine = (name: string) =>
      ({ metadata: { name }, status: { currentStatus: old } }) as unknown as Machine;
    const targets = planPool([
      {
        replicas: 2,
        maxSurge: 0,
        maxUnavailable: 0,
        sets: [
          { name: 'old', current: false, replicas: 2, machines: [machine('a'), machine('b')] },
          { name: 'new', current: true, replicas: 0, machines: [] },
        ],
      },
    ]);
    expect(Object.fromEntries(targets)).toEqual({ old: 2, new: 1 });
  });
});

describe('MachineControllerManager', () => {
  it('spreads a pool over its zones, brings every machine to Running, and removes a dropped zone', async () => {
    const context = await newShoot('spread', [
      pool({
        minimum: 5,
        maximum: 7,
        zones: ['zone-a', 'zone-b', 'zone-c'],
        labels: { team: 'db' },
        taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }],
      }),
    ]);
    await first.applyWorkers(context);
    const deployments = await listOf('MachineDeployment', context);
    expect(
      deployments.map((d) => [d.metadata.name, d.spec.replicas, d.spec.strategy?.rollingUpdate]),
    ).toEqual([
      ['spread-pool-a-z1', 2, { maxSurge: 1, maxUnavailable: 0 }],
      ['spread-pool-a-z2', 2, { maxSurge: 0, maxUnavailable: 0 }],
      ['spread-pool-a-z3', 1, { maxSurge: 0, maxUnavailable: 0 }],
    ]);
    const classes = await listOf('MachineClass', context);
    expect(classes.map((c) => c.nodeTemplate?.zone)).toEqual(['zone-a', 'zone-b', 'zone-c']);
    expect(classes[0]?.providerSpec).toMatchObject({
      machineClass: {
        machineType: 'local-small',
        image: { name: 'debian', version: '12' },
        cpu: '1',
        memory: '1Gi',
      },
      infrastructure: { network: 'spread' },
    });

    const state = await settle(context);
    expect(state).toMatchObject({ desired: 5, ready: 5, updated: 5, errors: [], settled: true });
    const machines = await listOf('Machine', context);
    expect(machines).toHaveLength(5);
    for (const m of machines) {
      expect(m.metadata.name).toMatch(/^spread-pool-a-z[123]-[0-9a-f]{5}-[a-z0-9]{5}$/);
      expect(m.metadata.finalizers).toEqual(['machine.sapcloud.io/machine-controller-manager']);
      expect(m.spec.providerID).toBe(`fake:///shoot--dev--spread/${m.metadata.name}`);
      expect(m.status).toMatchObject({ node: m.metadata.name, currentStatus: { phase: 'Running' } });
      expect(m.status?.addresses?.[0]?.type).toBe('InternalIP');
    }
    expect(cloud.nodesOf(context.technicalId).filter((n) => n.ready)).toHaveLength(5);
    // the pool's labels and taints reach the machine with the gardenlet's bootstrap
    const request = cloud.machines.get(machines[0]?.metadata.name ?? '')?.request;
    expect(request?.bootstrap.labels).toMatchObject({ team: 'db', 'worker.gardener.cloud/pool': 'pool-a' });
    expect(request?.bootstrap.taints).toEqual([{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    expect(request?.bootstrap.bootstrapToken).toBe(BOOTSTRAP.bootstrapToken);
    expect(request?.infrastructure).toEqual({ network: 'spread' });
    expect(bootstrapped).toContain('spread');
    const sets = await listOf('MachineSet', context);
    expect(sets.map((s) => s.status)).toEqual(
      [2, 2, 1].map((n) => expect.objectContaining({ replicas: n, readyReplicas: n, availableReplicas: n })),
    );

    const twoZones = withPool(context, { zones: ['zone-a', 'zone-b'] });
    await first.applyWorkers(twoZones);
    const after = await settle(twoZones);
    expect(after).toMatchObject({ desired: 5, ready: 5, settled: true });
    expect((await listOf('MachineDeployment', context)).map((d) => d.spec.replicas)).toEqual([3, 2]);
    expect((await listOf('MachineClass', context)).map((c) => c.metadata.name)).toEqual([
      'spread-pool-a-z1',
      'spread-pool-a-z2',
    ]);
    expect(after.machines.filter((m) => m.name.startsWith('spread-pool-a-z3'))).toEqual([]);
    expect(cloud.machinesOf(context.technicalId)).toHaveLength(5);
    await deleteAll(twoZones);
  });

  it('scales up and down, taking Unknown and Pending machines before Running ones', async () => {
    let context = await newShoot('scale', [pool({ minimum: 2 })]);
    await first.applyWorkers(context);
    await settle(context);
    const running = (await listOf('Machine', context)).map((m) => m.metadata.name ?? '');

    cloud.joins = false; // the next machines stay Pending
    context = withPool(context, { minimum: 4 });
    await first.applyWorkers(context);
    await until(async () => {
      await first.sync(context);
      const machines = await listOf('Machine', context);
      return machines.length === 4 && machines.every((m) => m.spec.providerID);
    });
    cloud.joins = true;
    const unhealthy = running[1] ?? '';
    (cloud.nodes.get(unhealthy) as FakeNode).ready = false;
    const observed = await first.sync(context);
    const phases = Object.fromEntries(observed.machines.map((m) => [m.name, m.phase]));
    expect(phases[unhealthy]).toBe('Unknown');
    expect(Object.values(phases).sort()).toEqual(['Pending', 'Pending', 'Running', 'Unknown']);

    const removedAt = async (minimum: number): Promise<string[]> => {
      context = withPool(context, { minimum });
      await first.applyWorkers(context);
      const state = await first.sync(context);
      return state.machines.filter((m) => m.phase === 'Terminating').map((m) => m.name);
    };
    expect(await removedAt(3)).toEqual([unhealthy]);
    const pending = observed.machines.filter((m) => m.phase === 'Pending').map((m) => m.name);
    const removed = await removedAt(2);
    expect(removed.filter((n) => n !== unhealthy)).toHaveLength(1);
    expect(pending).toContain(removed.find((n) => n !== unhealthy));
    const final = await removedAt(1);
    expect(final).toContain(pending.find((n) => !removed.includes(n)));
    expect(final).not.toContain(running[0]);

    const state = await settle(context);
    expect(state.machines.map((m) => m.name)).toEqual([running[0]]);
    expect(cloud.machinesOf(context.technicalId)).toEqual([running[0]]);
    expect(cloud.nodesOf(context.technicalId).map((n) => n.name)).toEqual([running[0]]);
    const [deployment] = await listOf('MachineDeployment', context);
    expect(deployment?.status).toMatchObject({
      replicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
      updatedReplicas: 1,
    });
    await deleteAll(context);
  });

  it('rolls a new machine type out within maxSurge and maxUnavailable, zone after zone', async () => {
    const desired = 3;
    const maxSurge = 1;
    const maxUnavailable = 0;
    let context = await newShoot('roll', [
      pool({ minimum: desired, maximum: desired, maxSurge, maxUnavailable, zones: ['zone-a', 'zone-b'] }),
    ]);
    await first.applyWorkers(context);
    await settle(context);
    const before = new Set((await listOf('Machine', context)).map((m) => m.metadata.name));
    const oldSets = (await listOf('MachineSet', context)).map((s) => s.metadata.name);

    // the watcher: every stored change and every change at the cloud keeps the promise
    const violations: string[] = [];
    let mostMachines = 0;
    let fewestReady = Number.POSITIVE_INFINITY;
    const stored = new Map<string, Machine>();
    const check = (where: string) => {
      const total = Math.max(stored.size, cloud.machinesOf(context.technicalId).length);
      const ready = cloud.nodesOf(context.technicalId).filter((n) => n.ready).length;
      mostMachines = Math.max(mostMachines, total);
      fewestReady = Math.min(fewestReady, ready);
      if (total > desired + maxSurge) violations.push(`${where}: ${total} machines`);
      if (ready < desired - maxUnavailable) violations.push(`${where}: ${ready} Ready nodes`);
    };
    const watch = await service.watch(
      MACHINE,
      NAMESPACE,
      { labelSelector: 'shoot.gardener.cloud/name=roll' },
      (event) => {
        const machine = event.object as unknown as Machine;
        if (event.type === 'DELETED') stored.delete(machine.metadata.name ?? '');
        else stored.set(machine.metadata.name ?? '', machine);
        check(`store ${event.type} ${machine.metadata.name}`);
      },
      (error) => violations.push(`watch failed: ${error.message}`),
    );
    cloud.onChange = () => check('cloud');
    try {
      context = withPool(context, {
        machine: { type: 'local-medium', image: { name: 'debian', version: '12' } },
      });
      await first.applyWorkers(context);
      const state = await settle(context, (s) => {
        if (s.machines.length > desired + maxSurge) violations.push(`sync: ${s.machines.length} machines`);
      });
      expect(violations).toEqual([]);
      expect(state).toMatchObject({ desired, ready: desired, updated: desired, settled: true });
    } finally {
      watch.close();
      cloud.onChange = () => undefined;
    }
    expect(mostMachines).toBe(desired + maxSurge); // the surge was used
    expect(fewestReady).toBe(desired);
    const machines = await listOf('Machine', context);
    expect(machines.filter((m) => before.has(m.metadata.name))).toEqual([]);
    for (const m of machines) {
      expect(cloud.machines.get(m.metadata.name ?? '')?.request?.machineClass.machineType).toBe(
        'local-medium',
      );
    }
    const sets = await listOf('MachineSet', context);
    expect(sets).toHaveLength(2);
    expect(sets.filter((s) => oldSets.includes(s.metadata.name))).toEqual([]);
    expect((await listOf('MachineDeployment', context)).map((d) => d.status?.updatedReplicas)).toEqual([
      2, 1,
    ]);
    await deleteAll(context);
  });

  it('replaces machines whose nodes stay NotReady past the health timeout, one at a time', async () => {
    const context = await newShoot('health', [
      pool({ minimum: 3, maximum: 3, machineControllerManager: { machineHealthTimeout: '300ms' } }),
    ]);
    await first.applyWorkers(context);
    await settle(context);
    const [healthy, sick1, sick2] = (await listOf('Machine', context)).map((m) => m.metadata.name ?? '');
    const runningWhenReplaced: Record<string, number> = {};
    const violations: string[] = [];
    const stored = new Map<string, Machine>();
    const watch = await service.watch(
      MACHINE,
      NAMESPACE,
      { labelSelector: 'shoot.gardener.cloud/name=health' },
      (event) => {
        const machine = event.object as unknown as Machine;
        const name = machine.metadata.name ?? '';
        const marked = machine.metadata.deletionTimestamp && !stored.get(name)?.metadata.deletionTimestamp;
        if (event.type === 'DELETED') stored.delete(name);
        else stored.set(name, machine);
        const live = [...stored.values()].filter((m) => !m.metadata.deletionTimestamp);
        if (marked) runningWhenReplaced[name] = live.filter((m) => phaseOf(m) === 'Running').length;
        const replacing = [...stored.values()].filter((m) =>
          ['Failed', 'Terminating'].includes(phaseOf(m) ?? ''),
        );
        if (replacing.length > 1) violations.push(`${replacing.length} machines replaced at once`);
      },
      (error) => violations.push(error.message),
    );
    try {
      for (const name of [sick1, sick2]) (cloud.nodes.get(name ?? '') as FakeNode).ready = false;
      cloud.joins = false; // the first replacement does not join yet: the second must wait for it
      let replacement: string | undefined;
      await until(async () => {
        const state = await first.sync(context);
        replacement = state.machines.find((m) => m.phase === 'Pending')?.name;
        return replacement !== undefined;
      });
      const deadline = Date.now() + 900; // three health timeouts
      while (Date.now() < deadline) {
        const state = await first.sync(context);
        expect(state.machines.filter((m) => m.phase === 'Unknown')).toHaveLength(1);
        await sleep(20);
      }
      cloud.joins = true;
      cloud.nodes.set(replacement ?? '', {
        name: replacement ?? '',
        technicalId: context.technicalId,
        ready: true,
      });
      const state = await settle(context);
      expect(state).toMatchObject({ ready: 3, settled: true });
      expect(state.machines.map((m) => m.name)).toContain(healthy);
      expect(state.machines.map((m) => m.name)).not.toContain(sick1);
      expect(state.machines.map((m) => m.name)).not.toContain(sick2);
    } finally {
      watch.close();
      cloud.joins = true;
    }
    expect(violations).toEqual([]);
    // the first went while only the healthy one ran; the second after its replacement ran too
    expect(Object.values(runningWhenReplaced)).toEqual([1, 2]);
    await deleteAll(context);
  });

  it('fails and replaces a machine whose node does not join within the creation timeout', async () => {
    const context = await newShoot('slow', [
      pool({ minimum: 1, machineControllerManager: { machineCreationTimeout: '400ms' } }),
    ]);
    cloud.joins = false;
    try {
      await first.applyWorkers(context);
      let failure: WorkerState | undefined;
      await until(async () => {
        const state = await first.sync(context);
        if (state.errors.length) failure = state;
        return failure !== undefined;
      });
      const [error] = failure?.errors ?? [];
      expect(error?.message).toMatch(
        /did not join the cluster as a Ready node within the creation timeout of 400ms/,
      );
      expect(error?.codes).toEqual([]);
      expect(failure?.machines.find((m) => m.name === error?.machine)?.phase).toBe('Terminating');
      expect(failure?.machines.filter((m) => m.phase === 'Pending')).toHaveLength(1); // its replacement
      cloud.joins = true;
      const state = await settle(context);
      expect(state).toMatchObject({ ready: 1, errors: [], settled: true });
      expect(cloud.machinesOf(context.technicalId)).toEqual(state.machines.map((m) => m.name));
      expect(cloud.machines.has(error?.machine ?? '')).toBe(false);
      // what happened to it, as events on the Machine
      const namespace = context.shoot.metadata.namespace ?? '';
      await until(async () => (await eventsAbout(namespace, error?.machine ?? '')).length === 4);
      expect(await eventsAbout(namespace, error?.machine ?? '')).toEqual([
        expect.stringMatching(/^Normal Created: Created at the provider as /),
        expect.stringMatching(/^Warning Failed: .*within the creation timeout of 400ms/),
        expect.stringMatching(
          /^Normal Replaced: The failed machine is deleted; MachineSet \S+ makes a new one/,
        ),
        'Normal Deleted: Deleted at the provider and as a node',
      ]);
    } finally {
      cloud.joins = true;
    }
    await deleteAll(context);
  });

  it('retries retryable driver errors and fails machines on final ones, showing their Gardener codes', async () => {
    let context = await newShoot('errs', [pool({ minimum: 1 })]);
    cloud.createError = new MachineError(MachineErrorCode.Unavailable, 'zone-a is busy');
    try {
      await first.applyWorkers(context);
      await first.sync(context);
      const [machine] = await listOf('Machine', context);
      const name = machine?.metadata.name ?? '';
      await until(() => (cloud.creates.get(name) ?? 0) >= 3);
      const retrying = await first.sync(context);
      expect(retrying.errors).toEqual([
        {
          machine: name,
          codes: [GardenerErrorCode.RetryableInfraDependencies],
          message: expect.stringMatching(/will be retried: zone-a is busy/),
        },
      ]);
      expect(retrying.machines).toEqual([{ name, phase: 'Pending', pool: 'pool-a' }]);
      cloud.createError = undefined;
      expect(await settle(context)).toMatchObject({ ready: 1, errors: [], settled: true });

      cloud.createError = new MachineError(MachineErrorCode.InvalidArgument, 'machine type not offered here');
      context = withPool(context, { minimum: 2 });
      await first.applyWorkers(context);
      await first.sync(context);
      const added = (await listOf('Machine', context)).find((m) => m.metadata.name !== name);
      const failedName = added?.metadata.name ?? '';
      let failed: Machine | undefined;
      await until(async () => {
        failed = (await listOf('Machine', context)).find((m) => m.metadata.name === failedName);
        return failed?.status?.currentStatus?.phase === 'Failed';
      });
      expect(failed?.status?.lastOperation).toMatchObject({
        type: 'Create',
        state: 'Failed',
        errorCode: 'InvalidArgument',
        description: expect.stringMatching(/machine type not offered here/),
      });
      await sleep(200);
      expect(cloud.creates.get(failedName)).toBe(1); // a final code is not retried
      expect(await eventsAbout(context.shoot.metadata.namespace ?? '', failedName)).toEqual([
        expect.stringMatching(
          /^Warning CreationFailed: Creating the machine failed: machine type not offered here \(InvalidArgument\)$/,
        ),
      ]);
      const reported = await first.sync(context);
      expect(reported.errors).toContainEqual({
        machine: failedName,
        codes: [GardenerErrorCode.ConfigurationProblem],
        message: expect.stringMatching(/machine type not offered here/),
      });
      cloud.createError = undefined;
      const state = await settle(context);
      expect(state).toMatchObject({ ready: 2, errors: [], settled: true });
      expect(state.machines.map((m) => m.name)).not.toContain(failedName);
    } finally {
      cloud.createError = undefined;
    }
    await deleteAll(context);
  });

  it('deletes machines the provider holds but no Machine knows, once past the grace period', async () => {
    const context = await newShoot('orphan', [pool({ minimum: 1 })]);
    await first.applyWorkers(context);
    const state = await settle(context);
    cloud.add(context.technicalId, 'orphan-pool-a-leftover');
    await first.sync(context);
    expect(cloud.machinesOf(context.technicalId)).toContain('orphan-pool-a-leftover'); // within the grace
    await sleep(350);
    await first.sync(context);
    expect(cloud.machinesOf(context.technicalId)).toEqual(state.machines.map((m) => m.name));
    expect(cloud.nodesOf(context.technicalId).map((n) => n.name)).toEqual(state.machines.map((m) => m.name));
    await deleteAll(context);
  });

  it('deleteWorkers leaves no objects, no machines at the provider and no nodes', async () => {
    const context = await newShoot('gone', [
      pool({ minimum: 2, zones: ['zone-a', 'zone-b'] }),
      pool({ name: 'pool-b', minimum: 1 }),
    ]);
    await first.applyWorkers(context);
    await settle(context);
    cloud.add(context.technicalId, 'gone-stray'); // an orphan, still within its grace period
    expect(await first.deleteWorkers(context)).toBeGreaterThan(0);
    await deleteAll(context, second);
  });

  it('runs its machine jobs in process when no queue is configured', async () => {
    const local = controller(false);
    const context = await newShoot('inproc', [pool({ minimum: 2 })]);
    await local.applyWorkers(context);
    const deadline = Date.now() + 10_000;
    let state = await local.sync(context);
    while (!state.settled && Date.now() < deadline) {
      await sleep(20);
      state = await local.sync(context);
    }
    expect(state).toMatchObject({ desired: 2, ready: 2, settled: true });
    await deleteAll(context, local);
  });
});
