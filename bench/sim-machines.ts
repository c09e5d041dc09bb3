/**
 * Sim machines at scale: 1,000 machines of the sim provider across 20 shoots (one real control
 * plane each), time from the first create call until every Node is Ready, then how the one
 * heartbeat process keeps them Ready past the controller-manager's node-monitor grace period.
 *
 *   npm run bench -- bench/sim-machines.ts [--shoots 20] [--machines 1000] [--hold 60] [--boot-ms 0] [--verbose]
 *
 * Control planes that do not fit in memory (MemAvailable minus a reserve, ~450 MiB each) are not
 * started: the machines are then spread over as many as fit, and the output says so.
 * Target (sim provider issue): all 1,000 Nodes Ready <= 60 s.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CreateMachineRequest } from '@gardener-ts/extensions';
import {
  createProvider,
  SHOOT_LABEL,
  type ShootAccess,
  SIM_API_VERSION,
  shootAccessFromKubeconfig,
} from '@gardener-ts/provider-sim';
import { LocalSeedBackend } from '@gardener-ts/seed';

const { values } = parseArgs({
  options: {
    shoots: { type: 'string', default: '20' },
    machines: { type: 'string', default: '1000' },
    hold: { type: 'string', default: '60' },
    'boot-ms': { type: 'string', default: '0' },
    'deploy-concurrency': { type: 'string', default: '4' },
    'create-concurrency': { type: 'string', default: '16' },
    verbose: { type: 'boolean', default: false },
  },
});
const TARGET_SECONDS = 60;
const UNTAINT_WAIT_S = 60;
const CONTROL_PLANE_MIB = 450;
const RESERVE_MIB = 3 * 1024;
const wantedShoots = Number(values.shoots);
const machineCount = Number(values.machines);
const holdSeconds = Number(values.hold);
const bootMs = Number(values['boot-ms']);
const createConcurrency = Number(values['create-concurrency']);

const memAvailableMiB = () =>
  Number(/^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024;
const fitting = Math.max(1, Math.floor((memAvailableMiB() - RESERVE_MIB) / CONTROL_PLANE_MIB));
const shootCount = Math.min(wantedShoots, fitting);
const seconds = (since: number) => (performance.now() - since) / 1000;

async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

interface NodeCounts {
  /** Ready condition True */
  readonly ready: number;
  /** of them, those the node controller has also untainted (node.kubernetes.io/not-ready gone) */
  readonly schedulable: number;
}

const agents = new Map<string, Agent>();
/** one keep-alive connection per shoot: polling must not load the API servers with TLS handshakes */
function agentFor(access: ShootAccess): Agent {
  let agent = agents.get(access.server);
  if (!agent) {
    agent = new Agent({
      keepAlive: true,
      maxSockets: 1,
      ca: access.caPem,
      cert: access.certPem,
      key: access.keyPem,
    });
    agents.set(access.server, agent);
  }
  return agent;
}

/** Ready Nodes of one shoot, straight from its API server (one LIST). */
function countNodes(access: ShootAccess, technicalId: string): Promise<NodeCounts> {
  const url = new URL(
    `/api/v1/nodes?labelSelector=${encodeURIComponent(`${SHOOT_LABEL}=${technicalId}`)}`,
    access.server,
  );
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: agentFor(access) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const items: {
          spec?: { taints?: { key: string }[] };
          status?: { conditions?: { type: string; status: string }[] };
        }[] = JSON.parse(Buffer.concat(chunks).toString('utf8')).items ?? [];
        const ready = items.filter((n) =>
          n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        const schedulable = ready.filter(
          (n) => !n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready'),
        );
        resolve({ ready: ready.length, schedulable: schedulable.length });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const root = mkdtempSync(join(tmpdir(), 'gardener-ts-bench-sim-'));
const seed = new LocalSeedBackend({ root });
const ids = Array.from({ length: shootCount }, (_, i) => `shoot--bench--sim${String(i).padStart(2, '0')}`);
const access = new Map<string, ShootAccess>();
const provider = createProvider({
  shootAccess: async (technicalId) => {
    const found = access.get(technicalId);
    if (!found) throw new Error(`no control plane ${technicalId}`);
    return found;
  },
  stateDir: join(root, 'sim'),
});

console.log(
  `sim machines: ${machineCount} machines across ${shootCount} shoots` +
    (shootCount < wantedShoots
      ? ` (asked for ${wantedShoots}; only ${fitting} control planes of ~${CONTROL_PLANE_MIB} MiB fit in ${memAvailableMiB().toFixed(0)} MiB available minus a ${RESERVE_MIB} MiB reserve)`
      : ` (${memAvailableMiB().toFixed(0)} MiB available: room for ${fitting} control planes of ~${CONTROL_PLANE_MIB} MiB)`),
);

const rssMiB = (pid: number | undefined): number => {
  if (!pid) return 0;
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};

try {
  const deployStart = performance.now();
  await forEachLimit(ids, Number(values['deploy-concurrency']), async (id) => {
    await seed.deploy({ id, listenAddress: '127.0.0.1', serviceCidr: '10.96.0.0/12' });
    await seed.waitReady(id, { timeoutMs: 300_000 });
    const issued = await seed.issueKubeconfig(id, { role: 'admin', user: 'bench', expirationSeconds: 7200 });
    access.set(id, shootAccessFromKubeconfig(issued.kubeconfig, issued.expirationTimestamp));
  });
  const deploySeconds = seconds(deployStart);
  const statuses = await Promise.all(ids.map((id) => seed.status(id)));
  const controlPlanesMiB = statuses
    .flatMap((status) => status.components.map((c) => c.pid))
    .reduce((sum: number, pid) => sum + rssMiB(pid), 0);
  console.log(
    `  ${shootCount} control planes Ready in ${deploySeconds.toFixed(1)} s (not part of the figure below), RSS ${(controlPlanesMiB / 1024).toFixed(1)} GiB together`,
  );

  const requests: CreateMachineRequest[] = Array.from({ length: machineCount }, (_, i) => {
    const technicalId = ids[i % shootCount] as string;
    return {
      name: `machine-${String(i).padStart(4, '0')}`,
      technicalId,
      machineClass: {
        machineType: 'sim-small',
        image: { name: 'debian', version: '12' },
        zone: 'zone-a',
        providerConfig: { apiVersion: SIM_API_VERSION, kind: 'WorkerConfig', createLatencyMs: bootMs },
      },
      bootstrap: {
        apiServerUrl: '',
        caPem: '',
        bootstrapToken: '',
        labels: {},
        taints: [],
        sshPublicKey: '',
      },
      infrastructure: { nodesCidr: '10.250.0.0/16' },
    };
  });

  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const byShoot = ids.map((id) => requests.filter((r) => r.technicalId === id));
  await Promise.all(
    byShoot.map((mine) =>
      forEachLimit(mine, createConcurrency, (r) => provider.machines.create(r).then(() => undefined)),
    ),
  );
  const createdSeconds = seconds(start);
  const createCpu = process.cpuUsage(cpuBefore);
  const total = async (): Promise<NodeCounts> => {
    const counts = await Promise.all(ids.map((id) => countNodes(access.get(id) as ShootAccess, id)));
    return counts.reduce((a, b) => ({
      ready: a.ready + b.ready,
      schedulable: a.schedulable + b.schedulable,
    }));
  };
  // Ready is the figure; the node controller's untainting is the control plane's own pace (its
  // client QPS), shown for context and waited for at most UNTAINT_WAIT_S after Ready.
  let readySeconds = 0;
  let schedulableSeconds = Number.NaN;
  for (;;) {
    const counts = await total();
    if (!readySeconds && counts.ready >= machineCount) readySeconds = seconds(start);
    if (values.verbose)
      console.log(
        `    ${seconds(start).toFixed(1)} s: ${counts.ready} Ready, ${counts.schedulable} untainted`,
      );
    if (counts.schedulable >= machineCount) {
      schedulableSeconds = seconds(start);
      break;
    }
    if (readySeconds && seconds(start) - readySeconds > UNTAINT_WAIT_S) break;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }

  console.log(
    `  create calls done ${createdSeconds.toFixed(1)} s (${(machineCount / createdSeconds).toFixed(0)} machines/s)`,
  );
  console.log(
    `  all ${machineCount} Nodes Ready   ${readySeconds.toFixed(1)} s  target <= ${TARGET_SECONDS} s  (${(readySeconds / TARGET_SECONDS).toFixed(3)} of the target, ${(TARGET_SECONDS / readySeconds).toFixed(1)}x headroom)`,
  );
  console.log(
    `  ... and untainted by the node controller (not-ready taint gone) ${Number.isNaN(schedulableSeconds) ? `not within ${UNTAINT_WAIT_S} s` : `${schedulableSeconds.toFixed(1)} s`}`,
  );
  console.log(
    `  driver CPU while creating ${((createCpu.user + createCpu.system) / 1e6).toFixed(1)} s (${bootMs > 0 ? `boot ${bootMs} ms` : 'no boot latency'}); load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} CPUs`,
  );

  // Hold: the default heartbeat (10 s) against the controller-manager's default 50 s grace period.
  const holdCpuBefore = process.cpuUsage();
  const holdStart = performance.now();
  let minReady = machineCount;
  while (seconds(holdStart) < holdSeconds) {
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    minReady = Math.min(minReady, (await total()).ready);
  }
  const holdCpu = process.cpuUsage(holdCpuBefore);
  const beats = ids.map((id) => provider.machines.lastHeartbeat(id)).filter((b) => b !== undefined);
  const beatMs = beats.map((b) => b.durationMs).sort((a, b) => a - b);
  const failed = beats.reduce((sum, b) => sum + b.failed, 0);
  const holdCpuPercent = ((holdCpu.user + holdCpu.system) / 1e6 / seconds(holdStart)) * 100;
  console.log(
    `  held ${holdSeconds} s: fewest Ready ${minReady}/${machineCount}; heartbeat per shoot ${beatMs[0] ?? 0}-${beatMs.at(-1) ?? 0} ms, ${failed} failed renewals in the last beats; driver CPU ${holdCpuPercent.toFixed(1)} % of one core, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
  );

  const deleteStart = performance.now();
  await Promise.all(
    byShoot.map((mine) => forEachLimit(mine, createConcurrency, (r) => provider.machines.delete(r))),
  );
  const deleteSeconds = seconds(deleteStart);
  await new Promise((resolve) => setTimeout(resolve, 12_000));
  console.log(
    `  deleted all in ${deleteSeconds.toFixed(1)} s; shoots still heartbeating after a beat: ${provider.machines.heartbeatingShoots().length}`,
  );
  console.log(
    `\n${JSON.stringify({
      bench: 'sim-machines',
      machines: machineCount,
      shoots: shootCount,
      shootsAsked: wantedShoots,
      bootMs,
      controlPlanesReadySeconds: deploySeconds,
      controlPlanesRssMiB: controlPlanesMiB,
      createCallsSeconds: createdSeconds,
      allReadySeconds: readySeconds,
      allUntaintedSeconds: Number.isNaN(schedulableSeconds) ? null : schedulableSeconds,
      cpus: cpus().length,
      targetSeconds: TARGET_SECONDS,
      ratioToTarget: readySeconds / TARGET_SECONDS,
      holdSeconds,
      minReadyDuringHold: minReady,
      heartbeatMs: { min: beatMs[0], max: beatMs.at(-1) },
      driverCpuPercentWhileHolding: holdCpuPercent,
      deleteSeconds,
    })}`,
  );
} finally {
  provider.machines.close();
  for (const agent of agents.values()) agent.destroy();
  await forEachLimit(ids, 8, (id) => seed.destroy(id));
  rmSync(root, { recursive: true, force: true });
}
