/**
 * Local seed benchmark: spawn-to-/readyz time and idle RSS of one shoot control plane (etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler), per tuning variant.
 *
 *   npm run bench -- bench/seed-startup.ts [--runs 3] [--idle 20] [--compare]
 *   npm run bench -- bench/seed-startup.ts --parallel 20
 *
 * --compare runs every variant below once (or --runs times) to show which flags lower memory.
 * --parallel N deploys N control planes at once (`bench-start-<n>` on 198.18.0.(100+n)) and prints
 * when all of them were Ready, each one's deploy-to-ready time and the CPU time the box spent.
 * Targets: one start (deploy to /readyz) <= 3 s, 20 at once Ready <= 60 s on this 2-core box
 * (issue 20, outcome 2); idle RSS of the four <= 400 MiB (issue 3).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type ControlPlaneTuning, DEFAULT_TUNING, LocalSeedBackend } from '@gardener-ts/seed';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    idle: { type: 'string', default: '20' },
    compare: { type: 'boolean', default: false },
    variant: { type: 'string', multiple: true },
    parallel: { type: 'string' },
    gogc: { type: 'string' },
  },
});
const runs = Number(values.runs);
const idleSeconds = Number(values.idle);

const VARIANTS: Record<string, ControlPlaneTuning> = {
  'default (GOGC=50)': DEFAULT_TUNING,
  'Go defaults (GOGC=100)': {},
  'GOGC=50': { goGC: 50 },
  'GOGC=25': { goGC: 25 },
  'GOGC=10': { goGC: 10 },
  'GOGC=15 + apiserver --watch-cache=false --enable-priority-and-fairness=false': {
    goGC: 15,
    extraArgs: { 'kube-apiserver': ['--watch-cache=false', '--enable-priority-and-fairness=false'] },
  },
  'GOGC=50 + apiserver GOMEMLIMIT=110MiB': { goGC: 50, goMemoryLimit: { 'kube-apiserver': '110MiB' } },
};

const rssKiB = (pid: number | undefined): number => {
  if (!pid) return 0;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0);
};
const MiB = (kib: number) => kib / 1024;
/** Private (anonymous) memory: what each further control plane costs; binaries' text pages are shared. */
const anonKiB = (pid: number | undefined): number => {
  if (!pid) return 0;
  const match = /^Anonymous:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  return Number(match?.[1] ?? 0);
};
/** user + system CPU time of a process in clock ticks (100 per second on Linux). */
const cpuTicks = (pid: number | undefined): number => {
  if (!pid) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
};
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

interface Sample {
  deployMs: number;
  readyMs: number;
  rss: Record<string, number>;
  totalMiB: number;
  anonMiB: number;
  /** CPU of the four while idle, percent of one core */
  idleCpuPercent: number;
  supervisorMiB: number;
}

async function once(tuning: ControlPlaneTuning): Promise<Sample> {
  const root = mkdtempSync(join(tmpdir(), 'gardener-ts-bench-seed-'));
  const backend = new LocalSeedBackend({ root, tuning });
  const id = 'bench';
  try {
    const start = performance.now();
    await backend.deploy({ id, listenAddress: '127.0.0.1', serviceCidr: '10.96.0.0/12' });
    const deployMs = performance.now() - start;
    await backend.waitReady(id, { timeoutMs: 120_000 });
    const readyMs = performance.now() - start;
    const pids = (await backend.status(id)).components.map((c) => c.pid);
    const ticksBefore = pids.reduce((sum: number, pid) => sum + cpuTicks(pid), 0);
    await sleep(idleSeconds * 1000);
    const status = await backend.status(id);
    const idleCpuPercent =
      (pids.reduce((sum: number, pid) => sum + cpuTicks(pid), 0) - ticksBefore) / idleSeconds;
    if (status.phase !== 'Running')
      throw new Error(`control plane not running at sample time: ${JSON.stringify(status)}`);
    const rss = Object.fromEntries(status.components.map((c) => [c.name, MiB(rssKiB(c.pid))]));
    const totalMiB = Object.values(rss).reduce((a, b) => a + b, 0);
    const anonMiB = status.components.reduce((sum, c) => sum + MiB(anonKiB(c.pid)), 0);
    return {
      deployMs,
      readyMs,
      rss,
      totalMiB,
      anonMiB,
      idleCpuPercent,
      supervisorMiB: MiB(rssKiB(status.supervisorPid)),
    };
  } finally {
    await backend.destroy(id);
    rmSync(root, { recursive: true, force: true });
  }
}

/** CPU seconds the whole box spent busy, all cores together (/proc/stat, 100 ticks a second) */
function boxBusySeconds(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1);
  const ticks = fields.map(Number);
  return (ticks.reduce((a, b) => a + b, 0) - (ticks[3] ?? 0) - (ticks[4] ?? 0)) / 100;
}

/** N control planes deployed at once; every one destroyed at the end, also on failure. */
async function parallelStart(count: number): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'gardener-ts-bench-seed-'));
  // --gogc N: every component with GOGC=N (to compare with the default tuning)
  const tuning = values.gogc ? { goGC: Number(values.gogc) } : DEFAULT_TUNING;
  const backend = new LocalSeedBackend({ root, tuning });
  const ids = Array.from({ length: count }, (_, n) => `bench-start-${n + 1}`);
  try {
    const busyBefore = boxBusySeconds();
    const start = performance.now();
    const readyS = await Promise.all(
      ids.map(async (id, n) => {
        await backend.deploy({ id, listenAddress: `198.18.0.${101 + n}`, serviceCidr: '10.96.0.0/12' });
        await backend.waitReady(id, { timeoutMs: 300_000 });
        return (performance.now() - start) / 1000;
      }),
    );
    const allS = (performance.now() - start) / 1000;
    const busyS = boxBusySeconds() - busyBefore;
    const sorted = [...readyS].sort((a, b) => a - b);
    console.log(
      `${count} control planes deployed at once on ${cpus().length} cores, tuning ${JSON.stringify(tuning)}`,
    );
    console.log(
      `  all Ready        ${allS.toFixed(1)} s  target <= 60 s for 20  (${(allS / 60).toFixed(2)} of it)`,
    );
    console.log(
      `  each, deploy to ready: min ${sorted[0]?.toFixed(1)} s, median ${median(readyS).toFixed(1)} s, max ${sorted.at(-1)?.toFixed(1)} s`,
    );
    console.log(
      `  box CPU busy     ${busyS.toFixed(0)} CPU-s (${(busyS / count).toFixed(1)} per start, everything on the box included)`,
    );
    console.log(
      `\n${JSON.stringify({ bench: 'seed-startup', parallel: count, cores: cpus().length, allS, readyS, busyS })}`,
    );
  } finally {
    await Promise.all(
      ids.map((id) => backend.destroy(id).catch((error) => console.error(`destroy ${id}: ${error}`))),
    );
    rmSync(root, { recursive: true, force: true });
  }
}

if (values.parallel) {
  await parallelStart(Number(values.parallel));
  process.exit(0);
}

const names = values.variant?.length
  ? values.variant
  : values.compare
    ? Object.keys(VARIANTS)
    : ['default (GOGC=50)'];
console.log(`local seed: ${runs} run(s) per variant, RSS sampled after ${idleSeconds} s idle`);
const results: Record<string, unknown> = {};
for (const name of names) {
  const tuning = VARIANTS[name] ?? DEFAULT_TUNING;
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once(tuning));
  const ready = median(samples.map((s) => s.readyMs)) / 1000;
  const deploy = median(samples.map((s) => s.deployMs)) / 1000;
  const total = median(samples.map((s) => s.totalMiB));
  const perComponent = Object.keys(samples[0]?.rss ?? {})
    .map((c) => `${c} ${median(samples.map((s) => s.rss[c] ?? 0)).toFixed(0)}`)
    .join(', ');
  const supervisor = median(samples.map((s) => s.supervisorMiB));
  const cpu = median(samples.map((s) => s.idleCpuPercent));
  const anon = median(samples.map((s) => s.anonMiB));
  console.log(`\n[${name}]`);
  console.log(
    `  spawn-to-/readyz  ${ready.toFixed(2)} s (median; deploy incl. PKI ${deploy.toFixed(2)} s)  target <= 3 s (${(ready / 3).toFixed(2)} of it)`,
  );
  console.log(
    `  idle RSS, four    ${total.toFixed(0)} MiB  target <= 400 MiB  (${(400 / total).toFixed(2)}x headroom)`,
  );
  console.log(`  per component     ${perComponent} MiB`);
  console.log(`  private (anon)    ${anon.toFixed(0)} MiB of it; the rest is the binaries' shared text`);
  console.log(`  idle CPU, four    ${cpu.toFixed(1)} % of one core`);
  console.log(`  supervisor (node) ${supervisor.toFixed(0)} MiB`);
  results[name] = {
    readySeconds: ready,
    idleRssMiB: total,
    privateMiB: anon,
    idleCpuPercent: cpu,
    supervisorMiB: supervisor,
    samples,
  };
}
console.log(`\n${JSON.stringify({ bench: 'seed-startup', idleSeconds, runs, results })}`);
