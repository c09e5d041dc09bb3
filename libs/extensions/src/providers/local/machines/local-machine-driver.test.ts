// Real machines on a real shoot: the local Infrastructure actuator makes the bridge and firewall,
// a LocalSeedBackend control plane listens on the bridge's gateway, and each machine is a runc
// container whose kubelet joins it as a Node. One infrastructure and one control plane serve
// the whole file. Machines are checked the way users see them: kubectl, ssh, ps.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  cidrContains,
  clusterDnsAddress,
  exampleCloudProfile,
  exampleShoot,
  parseCidr,
} from '@gardener-ts/api';
import {
  builtinImage,
  coreDnsImageRef,
  REPOSITORY_PREFIX,
  registryAddress,
  registryMirrorAddress,
} from '@gardener-ts/infra/images';
import { createTestDatabase } from '@gardener-ts/infra/testing';
import { loadOrCreateStateKey, TofuRunner } from '@gardener-ts/infra/tofu';
import { binary, MACHINE_ID_OFFSET, machineImageRootfs } from '@gardener-ts/infra/toolchain';
import { LocalSeedBackend } from '@gardener-ts/seed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InfrastructureContext, InfrastructureStatus } from '../../../infrastructure/actuator.js';
import { technicalIdOf } from '../../../infrastructure/technical-id.js';
import type { CreateMachineRequest, MachineInfo, MachineRef } from '../../../machine/driver.js';
import { MachineError, MachineErrorCode } from '../../../machine/errors.js';
import { machineDriverConformance } from '../../../testing/machine-driver-conformance.js';
import { LocalInfrastructureActuator } from '../infrastructure-actuator.js';
import { AddressPool } from './address-pool.js';
import { addressClaimDir } from './layout.js';
import { LocalMachineDriver } from './local-machine-driver.js';
import { ensureMachineNetwork } from './network.js';
import { ensureOverlay, isMounted } from './overlay.js';

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], timeoutMs = 30_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(command, [...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(500);
  }
}

const NODES = '10.251.1.0/24';
const BASTION_ADDRESS = '10.251.1.254';
const scratch = mkdtempSync(join(tmpdir(), 'gardener-ts-machines-'));
// machines (own user namespace) pass it to reach their root filesystems
chmodSync(scratch, 0o711);
const shoot = exampleShoot(`m${process.pid}`, 'garden-mach');
const context: InfrastructureContext = {
  shoot: { ...shoot, spec: { ...shoot.spec, networking: { ...shoot.spec.networking, nodes: NODES } } },
  cloudProfile: exampleCloudProfile(),
  credentials: {},
  technicalId: technicalIdOf(shoot),
};
const technicalId = context.technicalId;
const CLUSTER_DNS = clusterDnsAddress('10.96.0.0/12');
const seed = new LocalSeedBackend({ root: join(scratch, 'seed') });
const driver = new LocalMachineDriver({ root: join(scratch, 'machines') });
const bastion = {
  netns: `gtmb-${process.pid}`,
  hostVeth: `gtmbh${process.pid}`,
  peerVeth: `gtmbp${process.pid}`,
};

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let actuator: LocalInfrastructureActuator;
let infrastructure: InfrastructureStatus;
let adminKubeconfig: string;
let sshKey: string;
let template: Omit<CreateMachineRequest, 'name'>;

const kubectl = (...args: string[]) => run(binary('kubectl'), ['--kubeconfig', adminKubeconfig, ...args]);

async function node(name: string): Promise<NodeView | undefined> {
  const got = await kubectl('get', 'node', name, '-o', 'json');
  return got.code === 0 ? JSON.parse(got.stdout) : undefined;
}

interface NodeView {
  metadata: { labels: Record<string, string> };
  spec: { providerID?: string; podCIDR?: string; taints?: { key: string; value?: string; effect: string }[] };
  status: {
    capacity: Record<string, string>;
    allocatable: Record<string, string>;
    addresses: { type: string; address: string }[];
    conditions: { type: string; status: string }[];
  };
}

const readyStatus = (view: NodeView | undefined) =>
  view?.status.conditions.find((c) => c.type === 'Ready')?.status;

const untilReady = (name: string) =>
  eventually(`node ${name} Ready`, async () => {
    const view = await node(name);
    return readyStatus(view) === 'True' ? view : undefined;
  });

const request = (name: string): CreateMachineRequest => ({ ...template, name });

async function shellImage(): Promise<string> {
  const shell = builtinImage('shell');
  return `${registryAddress()}/${REPOSITORY_PREFIX}/${shell.name}:${await shell.tag()}`;
}

/** Applies a Pod on `nodeName` running `script` in `image` (default the shell image, cached). */
async function applyPod(name: string, nodeName: string, script: string, image?: string): Promise<void> {
  const manifest = join(scratch, `${name}.json`);
  const container = {
    name: 'main',
    image: image ?? (await shellImage()),
    imagePullPolicy: image ? 'Always' : 'IfNotPresent',
    command: ['/bin/sh', '-c', script],
  };
  const spec = { nodeName, tolerations: [{ key: 'dedicated', operator: 'Exists' }], containers: [container] };
  const metadata = { name, namespace: 'default', labels: { app: name } };
  writeFileSync(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata, spec }));
  expect((await kubectl('apply', '-f', manifest)).code).toBe(0);
}

/** Runs `script` as a Pod on `nodeName` and waits until its container runs. */
async function runPod(name: string, nodeName: string, script: string, image?: string) {
  await applyPod(name, nodeName, script, image);
  return eventually(`pod ${name} running`, async () => {
    const got = await kubectl('get', 'pod', name, '-o', 'json');
    const view = got.code === 0 ? JSON.parse(got.stdout) : undefined;
    return view?.status?.containerStatuses?.[0]?.state?.running ? view : undefined;
  });
}

const inside = (name: string, ...args: string[]) =>
  run('runc', [
    '--root',
    join(driver.root, 'runc'),
    'exec',
    driver.layout({ name, technicalId }).containerId,
    ...args,
  ]);

const address = (info: MachineInfo) => info.addresses.find((a) => a.type === 'InternalIP')?.address ?? '';

async function ssh(from: 'bastion' | 'host', machine: MachineInfo, command: string): Promise<Result> {
  const knownHosts = join(scratch, `known_hosts-${machine.name}`);
  const keys = await driver.hostKeys({ name: machine.name, technicalId });
  writeFileSync(knownHosts, keys.map((key) => `${address(machine)} ${key}\n`).join(''));
  const args = [
    ...['-i', sshKey, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=3'],
    ...['-o', `UserKnownHostsFile=${knownHosts}`, `gardener@${address(machine)}`, command],
  ];
  return from === 'host' ? run('ssh', args) : run('ip', ['netns', 'exec', bastion.netns, 'ssh', ...args]);
}

/** a process that still runs: not gone and not a zombie waiting for the host's init to reap it */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** What of a machine is left on this host, by every means there is; empty when clean. */
async function leftoversOf(ref: MachineRef): Promise<string[]> {
  const layout = driver.layout(ref);
  const found: string[] = [];
  const state = await run('runc', ['--root', join(driver.root, 'runc'), 'state', layout.containerId]);
  if (state.code === 0) found.push('container');
  if (await isMounted(layout.rootfs)) found.push('overlay mount');
  if (existsSync(`/run/netns/${layout.netns}`)) found.push('network namespace');
  if ((await run('ip', ['link', 'show', layout.hostVeth])).code === 0) found.push('veth');
  if (existsSync(`/sys/fs/cgroup/memory${layout.cgroup}`)) found.push('cgroup');
  if (existsSync(layout.dir)) found.push('machine directory');
  const claims = await new AddressPool(addressClaimDir(driver.root, ref.technicalId)).claims();
  if ([...claims.values()].includes(ref.name)) found.push('address claim');
  return found;
}

/** What a create killed before `runc run` leaves: address claimed, network and overlay made. */
async function interruptCreate(request: CreateMachineRequest): Promise<void> {
  const layout = driver.layout(request);
  const gateway = template.infrastructure.gatewayAddress ?? '';
  const network = parseCidr(NODES);
  if (!network) throw new Error(`${NODES} is no CIDR`);
  mkdirSync(layout.dir, { recursive: true });
  const pool = new AddressPool(addressClaimDir(driver.root, request.technicalId));
  const address = await pool.claim(request.name, network, gateway);
  const bridge = template.infrastructure.bridgeName ?? '';
  await ensureMachineNetwork(layout, { bridge, address, prefix: network.prefix, gateway });
  await ensureOverlay(layout, machineImageRootfs());
}

/** A stand-in for a Bastion: a namespace on the bridge whose address is in the firewall's bastions set. */
async function addBastion(): Promise<void> {
  const { bridgeName, firewallTable } = infrastructure.providerStatus;
  const steps = [
    ['ip', 'netns', 'add', bastion.netns],
    [
      'ip',
      'link',
      'add',
      bastion.hostVeth,
      'type',
      'veth',
      'peer',
      'name',
      bastion.peerVeth,
      'netns',
      bastion.netns,
    ],
    ['ip', 'link', 'set', bastion.hostVeth, 'master', bridgeName ?? '', 'up'],
    ['ip', '-n', bastion.netns, 'addr', 'add', `${BASTION_ADDRESS}/24`, 'dev', bastion.peerVeth],
    ['ip', '-n', bastion.netns, 'link', 'set', bastion.peerVeth, 'up'],
    ['nft', 'add', 'element', 'bridge', firewallTable ?? '', 'bastions', `{ ${BASTION_ADDRESS} }`],
  ];
  for (const [command, ...args] of steps) {
    const result = await run(command ?? '', args);
    if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  }
}

beforeAll(async () => {
  database = await createTestDatabase('gardener_ts_machines');
  const stateKey = await loadOrCreateStateKey(join(scratch, 'state.key'));
  actuator = new LocalInfrastructureActuator(
    new TofuRunner({ databaseUrl: database.url, workRoot: join(scratch, 'tofu'), stateKey }),
  );
  // the bridge first: components that dial the gateway before it exists wait out TCP backoff (~1 min)
  infrastructure = await actuator.reconcile(context);
  const gateway = infrastructure.providerStatus.gatewayAddress ?? '';
  await seed.deploy({
    id: technicalId,
    listenAddress: gateway,
    serviceCidr: '10.96.0.0/12',
    podCidr: '10.244.0.0/16',
    coreDns: { address: CLUSTER_DNS, image: coreDnsImageRef() },
  });
  await seed.waitReady(technicalId, { timeoutMs: 90_000 });
  const endpoint = await seed.endpoint(technicalId);
  const admin = await seed.issueKubeconfig(technicalId, { role: 'admin', user: 'tester' });
  adminKubeconfig = join(scratch, 'admin.kubeconfig');
  writeFileSync(adminKubeconfig, admin.kubeconfig, { mode: 0o600 });
  sshKey = join(scratch, 'id_ed25519');
  writeFileSync(sshKey, infrastructure.secrets.sshPrivateKey ?? '', { mode: 0o600 });
  const { token } = await seed.createBootstrapToken(technicalId, { ttlSeconds: 1800 });
  template = {
    technicalId,
    machineClass: {
      machineType: 'local-small',
      image: { name: 'debian' },
      zone: 'zone-a',
      cpu: '1',
      memory: '1Gi',
    },
    bootstrap: {
      apiServerUrl: endpoint.url,
      caPem: endpoint.caPem,
      bootstrapToken: token,
      labels: { 'worker.gardener.cloud/pool': 'pool-a' },
      taints: [{ key: 'dedicated', value: 'test', effect: 'NoSchedule' }],
      sshPublicKey: infrastructure.sshPublicKey,
      clusterDns: CLUSTER_DNS,
    },
    infrastructure: infrastructure.providerStatus,
  };
  await addBastion();
}, 180_000);

afterAll(async () => {
  for (const machine of await driver.list(technicalId).catch(() => [])) {
    await driver.delete({ name: machine.name, technicalId }).catch(() => undefined);
  }
  await run('ip', ['netns', 'delete', bastion.netns]);
  await seed.destroy(technicalId).catch(() => undefined);
  await actuator?.delete(context).catch(() => undefined);
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
}, 120_000);

// Runs first, so its shoots' machines (which share the bridge and node network) are gone before
// the machines below are looked at.
describe('local MachineDriver conformance', () => {
  let shoots = 0;
  let machines = 0;
  machineDriverConformance(() => ({
    driver,
    newShoot: () => {
      shoots += 1;
      return `shoot--mach--conf${shoots}-${process.pid}`;
    },
    newRequest: (shootId) => {
      machines += 1;
      return { ...request(`conformance-${machines}`), technicalId: shootId };
    },
    interruptCreate,
    leftovers: leftoversOf,
  }));
});

describe('local machines', () => {
  let first: MachineInfo;

  it('joins the shoot as a Ready Node with its labels, taints, address and the machine class as capacity', async () => {
    first = await driver.create(request('machine-a'));
    expect(first).toMatchObject({ name: 'machine-a', nodeName: 'machine-a', state: 'Running' });
    expect(first.sshHostKeys).toEqual(await driver.hostKeys({ name: 'machine-a', technicalId }));
    expect(first.sshHostKeys?.some((key) => key.startsWith('ssh-ed25519 '))).toBe(true);
    expect(address(first)).toMatch(/^10\.251\.1\.\d+$/);
    expect(address(first)).not.toBe(infrastructure.providerStatus.gatewayAddress);

    const view = await untilReady('machine-a');
    expect(view.metadata.labels).toMatchObject({
      'worker.gardener.cloud/pool': 'pool-a',
      'kubernetes.io/hostname': 'machine-a',
      'topology.kubernetes.io/zone': 'zone-a',
      'node.kubernetes.io/instance-type': 'local-small',
    });
    expect(view.spec.taints).toContainEqual({ key: 'dedicated', value: 'test', effect: 'NoSchedule' });
    expect(view.spec.providerID).toBe(first.providerId);
    expect(view.status.addresses).toEqual([
      { type: 'InternalIP', address: address(first) },
      { type: 'Hostname', address: 'machine-a' },
    ]);
    // memory from the machine's /proc/meminfo; CPU: the host's count, all but the machine's reserved
    expect(view.status.capacity).toMatchObject({ memory: '1Gi', cpu: String(availableParallelism()) });
    expect(view.status.allocatable).toMatchObject({ cpu: '1' });
    const { containerId, cgroup } = driver.layout({ name: 'machine-a', technicalId });
    expect(containerId).toContain('machine-a');
    const limit = await run('cat', [`/sys/fs/cgroup/memory${cgroup}/memory.limit_in_bytes`]);
    expect(limit.stdout.trim()).toBe(String(2 ** 30));
    const quota = await run('cat', [`/sys/fs/cgroup/cpu${cgroup}/cpu.cfs_quota_us`]);
    expect(quota.stdout.trim()).toBe('100000');
    expect(await driver.status({ name: 'machine-a', technicalId })).toEqual(first);
  });

  it('is a machine of its own: its hostname, and only its own processes', async () => {
    expect((await inside('machine-a', 'hostname')).stdout.trim()).toBe('machine-a');
    const ps = await inside('machine-a', 'ps', '-e', '-o', 'pid=,args=');
    const processes = ps.stdout.trim().split('\n');
    expect(processes[0]).toMatch(/^\s*1 \/bin\/bash \/usr\/local\/sbin\/gardener-machine-init$/);
    for (const component of ['sshd', 'containerd', '/usr/local/bin/kubelet', '/usr/local/bin/kube-proxy'])
      expect(ps.stdout).toContain(component);
    expect(ps.stdout).not.toMatch(/vitest|kube-apiserver|etcd|gardener-node-agent/);
    // the machine's root is an unprivileged id on the host
    const { containerId } = driver.layout({ name: 'machine-a', technicalId });
    const state = await run('runc', ['--root', join(driver.root, 'runc'), 'state', containerId]);
    const init = readFileSync(`/proc/${JSON.parse(state.stdout).pid}/status`, 'utf8');
    expect(/^Uid:\s+(\d+)/m.exec(init)?.[1]).toBe(String(MACHINE_ID_OFFSET));
  });

  it('runs a Pod in real containers: Running, its logs, exec, and its address in the node pod range', async () => {
    const pod = await runPod(
      'hello',
      'machine-a',
      'echo hello from $(hostname); while true; do sleep 1; done',
    );
    const podCidr = parseCidr((await node('machine-a'))?.spec.podCIDR ?? '');
    const podAddress = parseCidr(`${pod.status.podIP}/32`);
    expect(podCidr && podAddress && cidrContains(podCidr, podAddress)).toBe(true);
    const logs = await eventually('logs of hello', async () => {
      const got = await kubectl('logs', 'hello');
      return got.stdout.includes('hello from') ? got.stdout : undefined;
    });
    expect(logs.trim()).toBe('hello from hello');
    const exec = await kubectl('exec', 'hello', '--', 'hostname');
    expect(exec.stdout.trim()).toBe('hello');
    const deleted = await kubectl(
      'delete',
      'pod',
      'hello',
      '--grace-period=1',
      '--wait=true',
      '--timeout=60s',
    );
    expect(deleted.code, deleted.stderr).toBe(0);
  }, 120_000);

  it("pulls an image it never imported through the seed registry's read-only mirror; a missing one is ErrImagePull", async () => {
    // a repository only this run has: the node cannot have it from the archives it imported at boot
    const image = `${registryAddress()}/gardener-ts-test/pulled-${process.pid}:1`;
    const crane = binary('crane');
    const copied = await run(crane, ['copy', await shellImage(), image]);
    expect(copied.code, copied.stderr).toBe(0);
    try {
      await runPod('pulled', 'machine-a', 'echo pulled; while true; do sleep 1; done', image);
      const events = await kubectl(
        'get',
        'events',
        '--field-selector',
        'involvedObject.name=pulled',
        '-o',
        'json',
      );
      const reasons = JSON.parse(events.stdout).items.map((e: { reason: string }) => e.reason);
      expect(reasons).toContain('Pulled');
      await applyPod(
        'missing',
        'machine-a',
        'true',
        `${registryAddress()}/gardener-ts-test/missing-${process.pid}:1`,
      );
      const waiting = await eventually('missing image reported', async () => {
        const view = JSON.parse((await kubectl('get', 'pod', 'missing', '-o', 'json')).stdout);
        const reason = view.status?.containerStatuses?.[0]?.state?.waiting?.reason;
        return reason === 'ErrImagePull' || reason === 'ImagePullBackOff'
          ? view.status.containerStatuses[0]
          : undefined;
      });
      expect(waiting.state.waiting.message ?? '').toMatch(/not found|failed to resolve|Back-off/i);
      // the machine itself may pull, never push: the mirror refuses writes, and the registry is not on its loopback
      const push = await inside(
        'machine-a',
        'curl',
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-X',
        'PUT',
        '--data',
        '{}',
        `http://${registryMirrorAddress()}/v2/gardener-ts/shell/manifests/evil`,
      );
      expect(push.stdout).toBe('405');
      const direct = await inside(
        'machine-a',
        'curl',
        '-s',
        '--max-time',
        '3',
        `http://${registryAddress()}/v2/`,
      );
      expect(direct.code).not.toBe(0);
    } finally {
      await kubectl('delete', 'pod', 'pulled', 'missing', '--grace-period=1', '--wait=true', '--timeout=60s');
      const digest = (await run(crane, ['digest', image])).stdout.trim();
      if (digest) await run(crane, ['delete', `${image.replace(/:1$/, '')}@${digest}`]);
    }
  }, 180_000);

  it('brings back a killed kubelet and containerd, with the Pod still running and the Node Ready', async () => {
    const pod = await runPod('survivor', 'machine-a', 'while true; do sleep 1; done');
    const containerId = pod.status.containerStatuses[0].containerID;
    const pids = async () =>
      (await inside('machine-a', 'pgrep', '-d', ',', '^(kubelet|containerd)$')).stdout.trim();
    const before = await pids();
    expect(before.split(',')).toHaveLength(2);
    expect((await inside('machine-a', 'pkill', '-KILL', '^(kubelet|containerd)$')).code).toBe(0);
    await eventually('kubelet and containerd running again', async () => {
      const now = await pids();
      return now.split(',').length === 2 && now !== before ? now : undefined;
    });
    await untilReady('machine-a');
    const after = JSON.parse((await kubectl('get', 'pod', 'survivor', '-o', 'json')).stdout);
    expect(after.status.containerStatuses[0]).toMatchObject({ containerID: containerId, restartCount: 0 });
    expect(after.status.containerStatuses[0].state.running).toBeDefined();
    await kubectl('delete', 'pod', 'survivor', '--grace-period=1', '--wait=true', '--timeout=60s');
  }, 120_000);

  it('lets user gardener in over ssh with the shoot key from a bastion, with sudo, and refuses the host', async () => {
    const session = await eventually('an ssh session from the bastion', async () => {
      const result = await ssh('bastion', first, 'hostname; sudo -n id -u');
      return result.code === 0 ? result : undefined;
    });
    expect(session.stdout.trim().split('\n')).toEqual(['machine-a', '0']);
    const fromHost = await ssh('host', first, 'true');
    expect(fromHost.code).toBe(255);
    expect(fromHost.stderr).toMatch(/timed out/i);
  });

  it('returns the existing machine when created again, and gives parallel machines their own addresses', async () => {
    expect(await driver.create(request('machine-a'))).toEqual(first);
    const [b, c, again] = await Promise.all([
      driver.create(request('machine-b')),
      driver.create(request('machine-c')),
      driver.create(request('machine-a')),
    ]);
    expect(again).toEqual(first);
    const addresses = [first, b, c].map(address);
    expect(new Set(addresses).size).toBe(3);
    expect(addresses).not.toContain(infrastructure.providerStatus.gatewayAddress);
    const containers = await run('runc', ['--root', join(driver.root, 'runc'), 'list', '-q']);
    expect(containers.stdout.split('\n').filter((id) => id.endsWith('_machine-a'))).toHaveLength(1);
  });

  it("lists every machine of the shoot, also those another process made (orphans), and no other shoot's", async () => {
    const elsewhere = new LocalMachineDriver({ root: driver.root });
    const listed = await elsewhere.list(technicalId);
    expect(listed.map((m) => m.name)).toEqual(['machine-a', 'machine-b', 'machine-c']);
    expect(listed.every((m) => m.state === 'Running' && m.providerId.endsWith(`/${m.name}`))).toBe(true);
    expect(await elsewhere.list('shoot--mach--other')).toEqual([]);
  });

  it('lets a pod reach a pod on another node of the shoot', async () => {
    await untilReady('machine-b');
    const server = await runPod(
      'server',
      'machine-b',
      'echo from-server > /tmp/index.html; exec httpd -f -p 8080 -h /tmp',
    );
    await runPod('client', 'machine-a', 'while true; do sleep 1; done');
    // busybox's nc (its static wget crashes resolving even an address)
    const request = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${server.status.podIP} 8080`;
    const fetched = await eventually('client fetches from server', async () => {
      const got = await kubectl('exec', 'client', '--', 'sh', '-c', request);
      return got.stdout.includes('200 OK') ? got.stdout : undefined;
    });
    expect(fetched.trim().split('\n').at(-1)).toBe('from-server');
  }, 120_000);

  it("gives a Service its cluster IP (kube-proxy) for pods, and its NodePort on every node's address", async () => {
    expect(
      (await kubectl('expose', 'pod', 'server', '--name=web', '--port=80', '--target-port=8080')).code,
    ).toBe(0);
    const clusterIp = (
      await kubectl('get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}')
    ).stdout.trim();
    const request = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${clusterIp} 80`;
    const viaService = await eventually('client reaches the cluster IP', async () => {
      const got = await kubectl('exec', 'client', '--', 'sh', '-c', request);
      return got.stdout.includes('200 OK') ? got.stdout : undefined;
    });
    expect(viaService.trim().split('\n').at(-1)).toBe('from-server');
    const exposed = await kubectl(
      'expose',
      'pod',
      'server',
      '--name=web-np',
      '--type=NodePort',
      '--port=80',
      '--target-port=8080',
    );
    expect(exposed.code, exposed.stderr).toBe(0);
    const port = (
      await kubectl('get', 'service', 'web-np', '-o', 'jsonpath={.spec.ports[0].nodePort}')
    ).stdout.trim();
    // from the seed host, through the address of a node the pod does not run on
    const viaNodePort = await eventually('the host reaches the NodePort', async () => {
      const answer = await fetch(`http://${address(first)}:${port}/`, {
        signal: AbortSignal.timeout(3000),
      }).catch(() => undefined);
      return answer?.ok ? answer.text() : undefined;
    });
    expect(viaNodePort.trim()).toBe('from-server');
    // cluster DNS: the Service by name, from the pod's own resolver configuration
    const resolved = await eventually(
      'web.default resolves',
      async () => {
        const got = await kubectl('exec', 'client', '--', 'nslookup', 'web.default.svc.cluster.local');
        return got.code === 0 && got.stdout.includes(clusterIp) ? got.stdout : undefined;
      },
      90_000,
    );
    expect(resolved).toContain(CLUSTER_DNS);
    expect((await kubectl('exec', 'client', '--', 'cat', '/etc/resolv.conf')).stdout).toContain(
      `nameserver ${CLUSTER_DNS}`,
    );
    expect((await seed.systemComponents(technicalId)).problem).toBeUndefined();
    await kubectl('delete', 'service', 'web', 'web-np');
    await kubectl('delete', 'pod', 'server', 'client', '--grace-period=1', '--wait=true', '--timeout=60s');
  }, 120_000);

  it('turns NotReady when its kubelet is stopped (the controller-manager sees no heartbeat)', async () => {
    await untilReady('machine-b');
    const killed = await inside(
      'machine-b',
      'sh',
      '-c',
      'touch /run/gardener-node/stopped/kubelet && pkill -x kubelet',
    );
    expect(killed.code).toBe(0);
    const started = Date.now();
    await eventually(
      'node machine-b NotReady',
      async () => (readyStatus(await node('machine-b')) === 'Unknown' ? true : undefined),
      75_000,
    );
    console.log(
      `machine-b NotReady ${((Date.now() - started) / 1000).toFixed(0)} s after its kubelet was stopped`,
    );
    expect((await driver.status({ name: 'machine-b', technicalId })).state).toBe('Running');
  }, 90_000);

  it('reports a machine whose init died as Stopped, returns it as is from create, and deletes it cleanly', async () => {
    const ref = { name: 'machine-d', technicalId };
    await driver.create(request('machine-d'));
    const { containerId } = driver.layout(ref);
    expect((await run('runc', ['--root', join(driver.root, 'runc'), 'kill', containerId, 'KILL'])).code).toBe(
      0,
    );
    await eventually(
      'machine-d Stopped',
      async () => ((await driver.status(ref)).state === 'Stopped' ? true : undefined),
      10_000,
    );
    expect((await driver.list(technicalId)).find((m) => m.name === 'machine-d')?.state).toBe('Stopped');
    expect(await driver.create(request('machine-d'))).toMatchObject({ name: 'machine-d', state: 'Stopped' });
    await driver.delete(ref);
    expect(await leftoversOf(ref)).toEqual([]);
  });

  it('deletes a machine leaving no container, mount, namespace, interface, process, cgroup or file; twice is fine', async () => {
    const ref = { name: 'machine-c', technicalId };
    const layout = driver.layout(ref);
    const pids = (
      await run('runc', ['--root', join(driver.root, 'runc'), 'ps', '--format', 'json', layout.containerId])
    ).stdout;
    const processes: number[] = JSON.parse(pids);
    expect(processes.length).toBeGreaterThan(2);

    await driver.delete(ref);
    await driver.delete(ref);

    const failure = await driver.status(ref).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MachineError);
    expect((failure as MachineError).code).toBe(MachineErrorCode.NotFound);
    expect(await leftoversOf(ref)).toEqual([]);
    expect(processes.filter(running)).toEqual([]);
    expect((await driver.list(technicalId)).map((m) => m.name)).toEqual(['machine-a', 'machine-b']);
  });

  it('reports bad input as InvalidArgument, a missing bridge as Unavailable, and never echoes the token', async () => {
    const codeOf = (promise: Promise<unknown>) =>
      promise.then(
        () => 'created',
        (error: MachineError) => ({ code: error.code, message: error.message }),
      );
    const badToken = {
      ...request('machine-x'),
      bootstrap: { ...template.bootstrap, bootstrapToken: 'abcdef.Secret-Value' },
    };
    const rejected = await codeOf(driver.create(badToken));
    expect(rejected).toMatchObject({ code: MachineErrorCode.InvalidArgument });
    expect(JSON.stringify(rejected)).not.toContain('Secret-Value');
    const badMemory = { ...request('machine-x'), machineClass: { ...template.machineClass, memory: 'lots' } };
    expect(await codeOf(driver.create(badMemory))).toMatchObject({ code: MachineErrorCode.InvalidArgument });
    expect(await codeOf(driver.create(request('Machine_X')))).toMatchObject({
      code: MachineErrorCode.InvalidArgument,
    });
    const noBridge = {
      ...request('machine-x'),
      infrastructure: { ...template.infrastructure, bridgeName: 'gts-missing' },
    };
    expect(await codeOf(driver.create(noBridge))).toMatchObject({ code: MachineErrorCode.Unavailable });
    expect(existsSync(driver.layout({ name: 'machine-x', technicalId }).dir)).toBe(false);
  });
});
