// One real control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) for the
// whole file. Every sim shoot of these tests maps to it: machines of different technical IDs share
// its API server, told apart by their shoot label. The controller-manager's node-monitor grace
// period is cut to 6 s so that "stays Ready past it" takes seconds, not a minute.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CreateMachineRequest,
  ExtensionRegistry,
  GardenerErrorCode,
  MachineError,
  MachineErrorCode,
  providerConfigChecks,
} from '@gardener-ts/extensions';
import { machineDriverConformance } from '@gardener-ts/extensions/testing';
import { DEFAULT_TUNING, LocalSeedBackend } from '@gardener-ts/seed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShootAccess } from './dependencies.js';
import { shootAccessFromKubeconfig } from './kube/kubeconfig.js';
import { FAULT_ANNOTATION, nodeFor, SHOOT_LABEL } from './machine/objects.js';
import { createProvider, type SimProvider } from './provider.js';
import { parseWorkerConfig, SIM_API_VERSION, type SimWorkerConfig } from './provider-config.js';
import { eventually, kubectl, kubectlCreate, kubectlJson } from './testing/tools.js';

const GRACE_SECONDS = 6;
const id = 'shoot--sim--machines';
const root = mkdtempSync(join(tmpdir(), 'gardener-ts-sim-machines-'));
const backend = new LocalSeedBackend({
  root,
  tuning: {
    ...DEFAULT_TUNING,
    extraArgs: {
      'kube-controller-manager': [
        `--node-monitor-grace-period=${GRACE_SECONDS}s`,
        `--node-startup-grace-period=${GRACE_SECONDS}s`,
        '--node-monitor-period=1s',
      ],
    },
  },
});
const HEARTBEAT = { intervalMs: 1_000, statusIntervalMs: 3_000 };
let kubeconfig: string;
let access: ShootAccess;
let server: string;
const providers: SimProvider[] = [];

/** a provider as a gardenlet would load it; every technical ID reaches the one control plane */
function newProvider(): SimProvider {
  const provider = createProvider({
    shootAccess: async () => access,
    stateDir: join(root, 'sim'),
    heartbeat: HEARTBEAT,
  });
  providers.push(provider);
  return provider;
}

beforeAll(async () => {
  await backend.deploy({ id, listenAddress: '127.0.0.1', serviceCidr: '10.96.0.0/12' });
  await backend.waitReady(id, { timeoutMs: 90_000 });
  server = (await backend.endpoint(id)).url;
  const issued = await backend.issueKubeconfig(id, {
    role: 'admin',
    user: 'sim-tests',
    expirationSeconds: 3600,
  });
  kubeconfig = join(root, 'admin.kubeconfig');
  writeFileSync(kubeconfig, issued.kubeconfig, { mode: 0o600 });
  access = shootAccessFromKubeconfig(issued.kubeconfig, issued.expirationTimestamp);
}, 120_000);

afterAll(async () => {
  for (const provider of providers) provider.machines.close();
  await backend.destroy(id);
  rmSync(root, { recursive: true, force: true });
}, 60_000);

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

function machineRequest(
  technicalId: string,
  name: string,
  worker: Record<string, unknown> = {},
): CreateMachineRequest {
  return {
    name,
    technicalId,
    machineClass: {
      machineType: 'sim-small',
      image: { name: 'debian', version: '12' },
      zone: 'zone-a',
      cpu: '2',
      memory: '4Gi',
      providerConfig: { apiVersion: SIM_API_VERSION, kind: 'WorkerConfig', ...worker },
    },
    bootstrap: {
      apiServerUrl: server,
      caPem: access.caPem,
      bootstrapToken: 'abcdef.0123456789abcdef',
      labels: { 'worker.gardener.cloud/pool': 'pool-a' },
      taints: [],
      sshPublicKey: '',
    },
    infrastructure: { nodesCidr: '10.10.7.0/24' },
  };
}

interface Node {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { providerID: string };
  status: {
    conditions: { type: string; status: string; reason: string }[];
    addresses: { type: string; address: string }[];
  };
}
interface Lease {
  spec: { renewTime: string; holderIdentity: string };
}

const readNode = (name: string) => kubectlJson<Node>(kubeconfig, 'get', 'node', name);
const readLease = (name: string) =>
  kubectlJson<Lease>(kubeconfig, '-n', 'kube-node-lease', 'get', 'lease', name);
const readyOf = (node: Node | undefined) => node?.status.conditions.find((c) => c.type === 'Ready');

describe('sim MachineDriver conformance', () => {
  let provider: SimProvider;
  beforeAll(() => {
    provider = newProvider();
  });

  machineDriverConformance(() => ({
    driver: provider.machines,
    newShoot: () => unique('shoot--sim--conf'),
    newRequest: (technicalId) => machineRequest(technicalId, unique('conf')),
    // what a create killed right after registering the Node leaves: the Node, no Lease, no heartbeat
    interruptCreate: async (request) => {
      const { config } = parseWorkerConfig(request.machineClass.providerConfig) as {
        config: SimWorkerConfig;
      };
      const created = await kubectlCreate(kubeconfig, nodeFor(request, config, new Date()));
      expect(created.code, created.stderr).toBe(0);
    },
    leftovers: async (ref) => {
      const found: string[] = [];
      if (await readNode(ref.name)) found.push(`node ${ref.name}`);
      if (await readLease(ref.name)) found.push(`lease kube-node-lease/${ref.name}`);
      return found;
    },
  }));
});

describe('sim machines in a real control plane', () => {
  let provider: SimProvider;
  beforeAll(() => {
    provider = newProvider();
  });

  it(`is a Node that turns Ready and stays Ready past the ${GRACE_SECONDS} s node-monitor grace period, its Lease renewed`, async () => {
    const shoot = unique('shoot--sim--ready');
    const healthy = machineRequest(shoot, unique('ready'));
    // the controls: the controller-manager must mark Unknown a machine whose heartbeat stops (its
    // process is gone) and one that never comes up, once the grace period has passed
    const orphaned = machineRequest(unique('shoot--sim--orphaned'), unique('orphaned'));
    const silent = machineRequest(shoot, unique('silent'), { fault: 'CreationTimeout' });
    const gone = newProvider();
    const [created] = await Promise.all([
      provider.machines.create(healthy),
      gone.machines.create(orphaned),
      provider.machines.create(silent),
    ]);
    gone.machines.close();
    try {
      expect(created.providerId).toBe(`sim:///${shoot}/${healthy.name}`);
      const node = await readNode(healthy.name);
      expect(readyOf(node)).toMatchObject({ status: 'True', reason: 'KubeletReady' });
      expect(readyOf(await readNode(orphaned.name))).toMatchObject({ status: 'True' });
      expect(node?.spec.providerID).toBe(created.providerId);
      expect(node?.metadata.labels).toMatchObject({
        [SHOOT_LABEL]: shoot,
        'worker.gardener.cloud/pool': 'pool-a',
        'node.kubernetes.io/instance-type': 'sim-small',
        'topology.kubernetes.io/zone': 'zone-a',
      });
      const internalIP = node?.status.addresses.find((a) => a.type === 'InternalIP')?.address;
      expect(internalIP).toMatch(/^10\.10\.7\.\d+$/);
      expect(created.addresses).toContainEqual({ type: 'InternalIP', address: internalIP });
      const firstRenewal = (await readLease(healthy.name))?.spec.renewTime ?? '';

      const since = Date.now();
      // the controller-manager's node monitor starts a few seconds after its /healthz is ok, so
      // the controls tell when it has been watching for a grace period
      await eventually(
        'the orphaned machine Unknown',
        async () => (readyOf(await readNode(orphaned.name))?.status === 'Unknown' ? true : undefined),
        40_000,
      );
      await eventually(
        'the silent machine Unknown',
        async () => (readyOf(await readNode(silent.name))?.status === 'Unknown' ? true : undefined),
        40_000,
      );
      await sleep(Math.max(0, (GRACE_SECONDS + 2) * 1000 - (Date.now() - since)));

      expect(readyOf(await readNode(healthy.name))).toMatchObject({ status: 'True' });
      const lastRenewal = (await readLease(healthy.name))?.spec.renewTime ?? '';
      expect(Date.parse(lastRenewal) - Date.parse(firstRenewal)).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000);
      expect(readyOf(await readNode(orphaned.name))).toMatchObject({ reason: 'NodeStatusUnknown' });
      const silentNode = await readNode(silent.name);
      expect(silentNode?.metadata.annotations?.[FAULT_ANNOTATION]).toBe('CreationTimeout');
      expect(readyOf(silentNode)).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown' });
      expect(await readLease(silent.name)).toBeUndefined();
      // the kubectl a user runs sees the same
      const table = await kubectl(kubeconfig, 'get', 'nodes', healthy.name, silent.name, '--no-headers');
      expect(table.stdout).toMatch(new RegExp(`^${healthy.name}\\s+Ready\\s`, 'm'));
      expect(table.stdout).toMatch(new RegExp(`^${silent.name}\\s+NotReady\\s`, 'm'));
      expect(provider.machines.lastHeartbeat(shoot)).toMatchObject({ nodes: 1, failed: 0 });
    } finally {
      await Promise.all([healthy, silent, orphaned].map((r) => provider.machines.delete(r)));
    }
  }, 60_000);

  it('boots for createLatencyMs (NotReady) and takes deleteLatencyMs to delete', async () => {
    const shoot = unique('shoot--sim--latency');
    const request = machineRequest(shoot, unique('slow'), { createLatencyMs: 2_500, deleteLatencyMs: 1_500 });
    const started = Date.now();
    await provider.machines.create(request);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(readyOf(await readNode(request.name))).toMatchObject({
      status: 'False',
      reason: 'KubeletNotReady',
    });
    await eventually('the booted node Ready', async () =>
      readyOf(await readNode(request.name))?.status === 'True' ? true : undefined,
    );
    const bootedAfter = Date.now() - started;
    expect(bootedAfter).toBeGreaterThanOrEqual(2_500);
    expect(bootedAfter).toBeLessThan(2_500 + 2_000);

    const deleting = Date.now();
    await provider.machines.delete(request);
    expect(Date.now() - deleting).toBeGreaterThanOrEqual(1_500);
    expect(await readNode(request.name)).toBeUndefined();
    expect(await readLease(request.name)).toBeUndefined();
  }, 30_000);

  it.each([
    ['QuotaExceeded', MachineErrorCode.ResourceExhausted, GardenerErrorCode.InfraQuotaExceeded],
    ['RateLimited', MachineErrorCode.RateLimited, GardenerErrorCode.InfraRateLimitsExceeded],
  ] as const)(
    'fault %s fails create with %s (retryable, %s) and creates nothing',
    async (fault, code, gardenerCode) => {
      const shoot = unique('shoot--sim--fault');
      const request = machineRequest(shoot, unique('refused'), { fault });
      const error = await provider.machines.create(request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MachineError);
      expect(error).toMatchObject({ code, retryable: true, codes: [gardenerCode] });
      expect((error as Error).message).toContain(`fault ${fault}`);
      expect(await readNode(request.name)).toBeUndefined();
      expect(await provider.machines.list(shoot)).toEqual([]);
    },
  );

  it('fault CreationTimeout creates a Running machine whose Node never becomes Ready', async () => {
    const shoot = unique('shoot--sim--timeout');
    const request = machineRequest(shoot, unique('never'), { fault: 'CreationTimeout' });
    try {
      expect(await provider.machines.create(request)).toMatchObject({ name: request.name, state: 'Running' });
      expect(await provider.machines.status(request)).toMatchObject({ state: 'Running' });
      expect(readyOf(await readNode(request.name))).toMatchObject({ status: 'False' });
      expect(provider.machines.heartbeatingShoots()).not.toContain(shoot);
    } finally {
      await provider.machines.delete(request);
    }
  });

  it('refuses a WorkerConfig with unknown fields as a final configuration problem naming the field', async () => {
    const request = machineRequest(unique('shoot--sim--bad'), unique('bad'), { fault: 'Meteor', cores: 4 });
    const error = await provider.machines.create(request).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: MachineErrorCode.InvalidArgument,
      retryable: false,
      codes: [GardenerErrorCode.ConfigurationProblem],
    });
    expect((error as Error).message).toMatch(
      /providerConfig\.fault: must be one of QuotaExceeded, RateLimited, CreationTimeout/,
    );
    expect((error as Error).message).toMatch(/providerConfig\.cores: unknown field/);
    expect(await readNode(request.name)).toBeUndefined();
  });

  it("stops the shoot's heartbeat once it has no machines", async () => {
    const shoot = unique('shoot--sim--loop');
    const requests = [machineRequest(shoot, unique('loop')), machineRequest(shoot, unique('loop'))];
    await Promise.all(requests.map((r) => provider.machines.create(r)));
    expect(provider.machines.heartbeatingShoots()).toContain(shoot);
    await provider.machines.delete(requests[0] as CreateMachineRequest);
    await sleep(2 * HEARTBEAT.intervalMs);
    expect(provider.machines.heartbeatingShoots()).toContain(shoot);
    await provider.machines.delete(requests[1] as CreateMachineRequest);
    await eventually('the heartbeat stopped', () =>
      provider.machines.heartbeatingShoots().includes(shoot) ? undefined : true,
    );
  });

  it('a second process keeps the machines of one that died alive once it lists them', async () => {
    const shoot = unique('shoot--sim--adopt');
    const request = machineRequest(shoot, unique('adopted'));
    const first = newProvider();
    await first.machines.create(request);
    try {
      first.machines.close(); // the gardenlet holding the heartbeat is gone
      const stalled = (await readLease(request.name))?.spec.renewTime ?? '';
      await sleep(2 * HEARTBEAT.intervalMs);
      expect((await readLease(request.name))?.spec.renewTime).toBe(stalled);

      const second = newProvider();
      expect((await second.machines.list(shoot)).map((m) => m.name)).toEqual([request.name]);
      expect(second.machines.heartbeatingShoots()).toEqual([shoot]);
      await eventually('the lease renewed again', async () =>
        (await readLease(request.name))?.spec.renewTime !== stalled ? true : undefined,
      );
    } finally {
      await provider.machines.delete(request);
    }
  });

  it('without shootAccess, or when the shoot is unreachable, says so with the right codes', async () => {
    const request = machineRequest(unique('shoot--sim--none'), unique('none'));
    const unconfigured = createProvider();
    expect(await unconfigured.machines.create(request).catch((e: unknown) => e)).toMatchObject({
      code: MachineErrorCode.Unimplemented,
      retryable: false,
    });
    const unreachable = createProvider({
      shootAccess: async () => ({ ...access, server: 'https://127.0.0.1:1' }),
    });
    const error = await unreachable.machines.list(request.technicalId).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: MachineErrorCode.Unavailable,
      retryable: true,
      codes: [GardenerErrorCode.RetryableInfraDependencies],
    });
    unreachable.machines.close();
  });
});

describe('@gardener-ts/provider-sim as a provider package', () => {
  it('loads through ExtensionRegistry.load and makes machines with the dependencies it is given', async () => {
    const registry = new ExtensionRegistry();
    await registry.load(['@gardener-ts/provider-sim'], {
      shootAccess: async () => access,
      stateDir: join(root, 'sim-loaded'),
      heartbeat: HEARTBEAT,
    });
    expect(registry.types()).toEqual(['sim']);
    const driver = registry.machines('sim');
    const request = machineRequest(unique('shoot--sim--loaded'), unique('loaded'));
    try {
      await driver.create(request);
      expect(readyOf(await readNode(request.name))?.status).toBe('True');
    } finally {
      await driver.delete(request);
      (driver as SimProvider['machines']).close();
    }
    expect(registry.infrastructure('sim')).toBeDefined();
  });

  it("gives the garden API's admission its provider-config check without any dependencies", async () => {
    const check = await providerConfigChecks(['@gardener-ts/provider-sim']);
    expect(
      check('sim', {
        workers: [
          {
            name: 'a',
            providerConfig: { apiVersion: SIM_API_VERSION, kind: 'WorkerConfig', fault: 'Flood' },
          },
        ],
      }),
    ).toEqual([
      'spec.provider.workers[0].providerConfig.fault: must be one of QuotaExceeded, RateLimited, CreationTimeout',
    ]);
  });
});
