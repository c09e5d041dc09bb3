/**
 * Sim machines at scale: 1,000 machines of the sim provider across 20 shoots (one real control
 * plane each), time from the first create call until every Node is Ready, then how one heartbeat
 * process keeps them Ready past the controller-manager's default node-monitor grace period (50 s).
 *
 *   npm run bench -- bench/sim-machines.ts [--shoots 20] [--machines 1000] [--hold 60] [--boot-ms 0]
 *     [--idle 10] [--gogc 15] [--verbose]
 *
 * Control planes that do not fit in memory (MemAvailable minus a reserve, ~450 MiB each) are not
 * started: the machines are then spread over as many as fit, and the output says so. CPU is
 * accounted per phase (idle, create, hold) for the whole machine, the control planes by
 * component, and this process (the driver), because on a small machine the control planes'
 * own CPU decides the figure.
 * Transient API errors are retried by the sim driver (timeouts, resets, 429, 5xx: see
 * DEFAULT_API_RETRY); whatever still fails (a create, a delete, a poll of the Nodes) is counted
 * and reported in the summary, together with the driver's retries by reason, and the run goes on.
 * Target (issue 20, outcome 3): all 1,000 Nodes over 20 shoots Ready <= 30 s.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { CreateMachineRequest } from '@gardener-ts/extensions';
import {
  createProvider,
  SHOOT_LABEL,
  type ShootAccess,
  SIM_API_VERSION,
  shootAccessFromKubeconfig,
} from '@gardener-ts/provider-sim';
import { DEFAULT_TUNING, LocalSeedBackend } from '@gardener-ts/seed';

const { values } = parseArgs({
  options: {
    shoots: { type: 'string', default: '20' },
    machines: { type: 'string', default: '1000' },
    hold: { type: 'string', default: '60' },
    idle: { type: 'string', default: '10' },
    'boot-ms': { type: 'string', default: '0' },
    gogc: { type: 'string', default: String(DEFAULT_TUNING.goGC ?? 100) },
    // 0: every control plane at once
    'deploy-concurrency': { type: 'string', default: '0' },
    'create-concurrency': { type: 'string', default: '16' },
    verbose: { type: 'boolean', default: false },
  },
});
const TARGET_SECONDS = 30;
/** give up waiting for Ready this long after the first create (the figure is then "not reached") */
const READY_DEADLINE_S = 300;
/** a poll of a shoot's Nodes that takes longer failed */
const POLL_TIMEOUT_MS = 15_000;
/** the node controller's untainting runs at the control plane's pace: waited for this long after Ready */
const UNTAINT_WAIT_S = 60;
const CONTROL_PLANE_MIB = 450;
const RESERVE_MIB = 3 * 1024;
const wantedShoots = Number(values.shoots);
const machineCount = Number(values.machines);
const holdSeconds = Number(values.hold);
const idleSeconds = Number(values.idle);
const bootMs = Number(values['boot-ms']);
const goGC = Number(values.gogc);
const createConcurrency = Number(values['create-concurrency']);

const seconds = (since: number) => (performance.now() - since) / 1000;
const memAvailableMiB = () =>
  Number(/^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024;
const fitting = Math.max(1, Math.floor((memAvailableMiB() - RESERVE_MIB) / CONTROL_PLANE_MIB));
const shootCount = Math.min(wantedShoots, fitting);

async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function procStatus(pid: number, field: string): number {
  try {
    return Number(
      new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0,
    );
  } catch {
    return 0;
  }
}

/** user + system CPU seconds of a process (100 clock ticks per second on Linux) */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds the whole machine spent busy, all CPUs together */
function machineBusySeconds(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return (fields.reduce((a, b) => a + b, 0) - idle) / 100;
}

interface CpuSnapshot {
  readonly at: number;
  readonly machine: number;
  readonly driver: number;
  readonly components: Readonly<Record<string, number>>;
}

interface CpuShare {
  /** CPUs busy on average over the phase */
  readonly machine: number;
  readonly driver: number;
  readonly controlPlanes: number;
  readonly byComponent: Readonly<Record<string, number>>;
  readonly other: number;
}

function cpuShare(before: CpuSnapshot, after: CpuSnapshot): CpuShare {
  const wall = (after.at - before.at) / 1000;
  const byComponent = Object.fromEntries(
    Object.entries(after.components).map(([name, value]) => [
      name,
      (value - (before.components[name] ?? 0)) / wall,
    ]),
  );
  const controlPlanes = Object.values(byComponent).reduce((a, b) => a + b, 0);
  const machine = (after.machine - before.machine) / wall;
  const driver = (after.driver - before.driver) / wall;
  return { machine, driver, controlPlanes, byComponent, other: machine - controlPlanes - driver };
}

const describeShare = (share: CpuShare) =>
  `machine ${share.machine.toFixed(2)}/${cpus().length} CPUs: control planes ${share.controlPlanes.toFixed(2)} (${Object.entries(
    share.byComponent,
  )
    .map(([name, value]) => `${name} ${value.toFixed(2)}`)
    .join(', ')}), driver ${share.driver.toFixed(2)}, everything else ${share.other.toFixed(2)}`;

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

interface ListedNode {
  spec?: { taints?: { key: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

/** GET of a JSON list from the shoot's API server; rejects on a timeout, a non-200 or a body that is no JSON. */
function listJson(access: ShootAccess, path: string): Promise<{ items?: ListedNode[] }> {
  const url = new URL(path, access.server);
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: agentFor(access), timeout: POLL_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${url.pathname}: HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url.pathname}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The shoot's sim Nodes from its API server's watch cache (one LIST that etcd does not serve). */
async function countNodes(access: ShootAccess, technicalId: string): Promise<NodeCounts> {
  const selector = encodeURIComponent(`${SHOOT_LABEL}=${technicalId}`);
  const path = `/api/v1/nodes?labelSelector=${selector}&resourceVersion=0`;
  const items = (await listJson(access, path)).items ?? [];
  const ready = items.filter((n) =>
    n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  const untainted = ready.filter(
    (n) => !n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready'),
  );
  return { ready: ready.length, schedulable: untainted.length };
}

/** What failed in the run, by phase and error code; the run goes on without it. */
class Failures {
  private readonly counts = new Map<string, number>();
  private readonly examples = new Map<string, string>();

  add(phase: string, error: unknown): void {
    const code = (error as { code?: unknown }).code;
    const key = `${phase} ${typeof code === 'string' ? code : 'error'}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (!this.examples.has(key))
      this.examples.set(key, String((error as Error).message ?? error).slice(0, 200));
  }

  of(phase: string): number {
    let sum = 0;
    for (const [key, count] of this.counts) if (key.startsWith(`${phase} `)) sum += count;
    return sum;
  }

  total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  describe(): string {
    if (this.counts.size === 0) return 'none';
    return [...this.counts]
      .map(([key, count]) => `${key} x${count} (e.g. ${this.examples.get(key)})`)
      .join('; ');
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

const root = mkdtempSync(join(tmpdir(), 'gardener-ts-bench-sim-'));
const seed = new LocalSeedBackend({ root, tuning: { ...DEFAULT_TUNING, goGC } });
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

const failures = new Failures();
/** each shoot's last counts: a poll that fails keeps the previous one */
const lastCounts = new Map<string, NodeCounts>();
/** machines per shoot whose create succeeded */
const expected = new Map<string, number>();
/** Polls the shoots (all, or those `pending` picks) and sums every shoot's last counts. */
const totals = async (pending: (id: string) => boolean = () => true): Promise<NodeCounts> => {
  const polling = ids.filter(pending);
  const polled = await Promise.allSettled(polling.map((id) => countNodes(access.get(id) as ShootAccess, id)));
  polled.forEach((result, i) => {
    const id = polling[i] as string;
    if (result.status === 'fulfilled') lastCounts.set(id, result.value);
    else failures.add('poll', result.reason);
  });
  return [...lastCounts.values()].reduce(
    (a, b) => ({ ready: a.ready + b.ready, schedulable: a.schedulable + b.schedulable }),
    {
      ready: 0,
      schedulable: 0,
    },
  );
};

const describeApi = () => {
  const stats = provider.machines.apiStats();
  const reasons = Object.entries(stats.reasons)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
  return `${stats.calls} calls, ${stats.retries} tries again${reasons ? ` (${reasons})` : ''}, ${stats.failures} failed after retries`;
};

console.log(
  `sim machines: ${machineCount} machines across ${shootCount} shoots, control planes with GOGC=${goGC}` +
    (shootCount < wantedShoots
      ? ` (asked for ${wantedShoots}; only ${fitting} control planes of ~${CONTROL_PLANE_MIB} MiB fit in ${memAvailableMiB().toFixed(0)} MiB available minus a ${RESERVE_MIB} MiB reserve)`
      : ` (${memAvailableMiB().toFixed(0)} MiB available: room for ${fitting} control planes of ~${CONTROL_PLANE_MIB} MiB)`),
);

try {
  const deployStart = performance.now();
  const deployConcurrency = Number(values['deploy-concurrency']) || shootCount;
  await forEachLimit(ids, deployConcurrency, async (id) => {
    // an address of its own, as a shoot has (127.0.0.1 makes every API server's endpoint
    // reconciler fail with 422 every 10 s): RFC 2544's benchmarking range
    const listenAddress = `198.18.1.${ids.indexOf(id) + 1}`;
    await seed.deploy({ id, listenAddress, serviceCidr: '10.96.0.0/12' });
    await seed.waitReady(id, { timeoutMs: 300_000 });
    const issued = await seed.issueKubeconfig(id, { role: 'admin', user: 'bench', expirationSeconds: 7200 });
    access.set(id, shootAccessFromKubeconfig(issued.kubeconfig, issued.expirationTimestamp));
  });
  const deploySeconds = seconds(deployStart);
  const components = (await Promise.all(ids.map((id) => seed.status(id)))).flatMap((s) => s.components);
  const controlPlanesMiB =
    components.reduce((sum, c) => sum + (c.pid ? procStatus(c.pid, 'VmRSS') : 0), 0) / 1024;
  console.log(
    `  ${shootCount} control planes Ready in ${deploySeconds.toFixed(1)} s, ${deployConcurrency} started at a time (not part of the figure), RSS ${(controlPlanesMiB / 1024).toFixed(1)} GiB together`,
  );
  const snapshot = (): CpuSnapshot => {
    const byComponent: Record<string, number> = {};
    for (const c of components)
      byComponent[c.name] = (byComponent[c.name] ?? 0) + (c.pid ? cpuSecondsOf(c.pid) : 0);
    const own = process.cpuUsage();
    return {
      at: performance.now(),
      machine: machineBusySeconds(),
      driver: (own.user + own.system) / 1e6,
      components: byComponent,
    };
  };

  const idleStart = snapshot();
  await sleep(idleSeconds * 1000);
  const idle = cpuShare(idleStart, snapshot());
  console.log(`  idle ${idleSeconds} s before creating: ${describeShare(idle)}`);

  const requests: CreateMachineRequest[] = Array.from({ length: machineCount }, (_, i) => ({
    name: `machine-${String(i).padStart(4, '0')}`,
    technicalId: ids[i % shootCount] as string,
    machineClass: {
      machineType: 'sim-small',
      image: { name: 'debian', version: '12' },
      zone: 'zone-a',
      providerConfig: { apiVersion: SIM_API_VERSION, kind: 'WorkerConfig', createLatencyMs: bootMs },
    },
    bootstrap: { apiServerUrl: '', caPem: '', bootstrapToken: '', labels: {}, taints: [], sshPublicKey: '' },
    infrastructure: { nodesCidr: '10.250.0.0/16' },
  }));
  const byShoot = ids.map((id) => requests.filter((r) => r.technicalId === id));

  const createStart = snapshot();
  const start = performance.now();
  await Promise.all(
    byShoot.map((mine) =>
      forEachLimit(mine, createConcurrency, (r) =>
        provider.machines.create(r).then(
          () => {
            expected.set(r.technicalId, (expected.get(r.technicalId) ?? 0) + 1);
          },
          (error: unknown) => failures.add('create', error),
        ),
      ),
    ),
  );
  const createdSeconds = seconds(start);
  const created = machineCount - failures.of('create');
  const creating = cpuShare(createStart, snapshot());
  const loadWhileCreating = loadavg()[0] ?? 0;
  /** when every created machine's Node was Ready; undefined when that did not happen in time */
  let readySeconds: number | undefined;
  let untaintedSeconds: number | undefined;
  let readyCount = 0;
  // a shoot whose machines are all Ready and untainted is not polled again until the hold
  const unfinished = (id: string) => (lastCounts.get(id)?.schedulable ?? -1) < (expected.get(id) ?? 0);
  for (;;) {
    const counts = await totals(unfinished);
    readyCount = counts.ready;
    if (readySeconds === undefined && counts.ready >= created) readySeconds = seconds(start);
    if (values.verbose) {
      console.log(
        `    ${seconds(start).toFixed(1)} s: ${counts.ready} Ready, ${counts.schedulable} untainted`,
      );
    }
    if (counts.schedulable >= created) {
      untaintedSeconds = seconds(start);
      break;
    }
    if (readySeconds !== undefined && seconds(start) - readySeconds > UNTAINT_WAIT_S) break;
    if (readySeconds === undefined && seconds(start) > READY_DEADLINE_S) break;
    await sleep(1_000);
  }
  const allReady = readySeconds !== undefined && created === machineCount;
  console.log(
    `  create calls done ${createdSeconds.toFixed(1)} s (${(created / createdSeconds).toFixed(0)} machines/s, ${createConcurrency} at a time per shoot${bootMs ? `, boot ${bootMs} ms` : ''}), ${machineCount - created} failed`,
  );
  console.log(
    allReady
      ? `  all ${machineCount} Nodes Ready ${(readySeconds as number).toFixed(1)} s  target <= ${TARGET_SECONDS} s  (${((readySeconds as number) / TARGET_SECONDS).toFixed(2)} of the target)`
      : `  NOT all ${machineCount} Nodes Ready: ${readyCount} Ready ${readySeconds === undefined ? `after ${READY_DEADLINE_S} s` : `in ${readySeconds.toFixed(1)} s`} (${machineCount - created} creates failed)  target <= ${TARGET_SECONDS} s`,
  );
  console.log(
    `  ... and untainted by the node controller: ${untaintedSeconds === undefined ? `not within ${UNTAINT_WAIT_S} s more` : `${untaintedSeconds.toFixed(1)} s`}`,
  );
  console.log(`  while creating: ${describeShare(creating)}; load average ${loadWhileCreating.toFixed(1)}`);

  // Hold: the default heartbeat (10 s) against the controller-manager's default 50 s grace period.
  const holdStart = snapshot();
  const holdBegan = performance.now();
  let minReady = machineCount;
  while (seconds(holdBegan) < holdSeconds) {
    await sleep(5_000);
    minReady = Math.min(minReady, (await totals()).ready);
  }
  minReady = Math.min(minReady, created);
  const holding = cpuShare(holdStart, snapshot());
  const beats = ids.map((id) => provider.machines.lastHeartbeat(id)).filter((b) => b !== undefined);
  const beatMs = beats.map((b) => b.durationMs).sort((a, b) => a - b);
  const failed = beats.reduce((sum, b) => sum + b.failed, 0);
  console.log(
    `  held ${holdSeconds} s: fewest Ready ${minReady}/${machineCount}; one beat per shoot took ${beatMs[0] ?? 0}-${beatMs.at(-1) ?? 0} ms, ${failed} failed renewals in the last beats; driver RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
  );
  console.log(`  while holding: ${describeShare(holding)}`);

  const deleteStart = performance.now();
  await Promise.all(
    byShoot.map((mine) =>
      forEachLimit(mine, createConcurrency, (r) =>
        provider.machines.delete(r).catch((error: unknown) => failures.add('delete', error)),
      ),
    ),
  );
  const deleteSeconds = seconds(deleteStart);
  await sleep(12_000);
  console.log(
    `  deleted all in ${deleteSeconds.toFixed(1)} s; shoots still heartbeating a beat later: ${provider.machines.heartbeatingShoots().length}`,
  );
  console.log(`  sim driver API: ${describeApi()}`);
  console.log(`  failures: ${failures.describe()}`);
  if (!allReady || failures.of('create') > 0 || failures.of('delete') > 0) process.exitCode = 1;
  console.log(
    `\n${JSON.stringify({
      bench: 'sim-machines',
      machines: machineCount,
      shoots: shootCount,
      shootsAsked: wantedShoots,
      cpus: cpus().length,
      goGC,
      bootMs,
      createConcurrency,
      controlPlanesReadySeconds: deploySeconds,
      controlPlanesRssMiB: controlPlanesMiB,
      createCallsSeconds: createdSeconds,
      allReadySeconds: allReady ? readySeconds : null,
      readyAtEnd: readyCount,
      createFailures: machineCount - created,
      allUntaintedSeconds: untaintedSeconds ?? null,
      targetSeconds: TARGET_SECONDS,
      ratioToTarget: allReady ? (readySeconds as number) / TARGET_SECONDS : null,
      api: provider.machines.apiStats(),
      failures: failures.toJSON(),
      cpusBusy: { idle, creating, holding },
      loadWhileCreating,
      holdSeconds,
      minReadyDuringHold: minReady,
      beatMs: { min: beatMs[0], max: beatMs.at(-1) },
      deleteSeconds,
    })}`,
  );
} finally {
  provider.machines.close();
  for (const agent of agents.values()) agent.destroy();
  await forEachLimit(ids, 8, (id) => seed.destroy(id));
  rmSync(root, { recursive: true, force: true });
}
