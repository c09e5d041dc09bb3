/**
 * Idle cost of shoot control planes (issue 20, outcome 1): deploys N control planes with the local
 * seed backend, lets them settle, then measures each component's CPU time (utime + stime deltas of
 * /proc/<pid>/stat, so other load on the box inflates it little) over a window and its RSS
 * (VmRSS, plus private/anonymous memory for reference), per control plane. Prints mCPU and MiB per
 * component, the per-control-plane total against the targets (<= 20 mCPU, <= 250 MiB) and how many
 * idle control planes this box (cores, MemTotal) holds before CPU or memory runs out.
 *
 *   npm run bench -- bench/idle-control-planes.ts [--count 5] [--settle 60] [--window 60]
 *     [--extra kube-apiserver=--flag=value ...]   (extra flags per component, to try a variant)
 *
 * Control planes are `bench-idle-<n>` on 198.18.0.(200+n) (RFC 2544's benchmarking range, put on
 * the loopback interface as a /32 like a shoot's address before its bridge exists; a 127.0.0.x
 * address would make kube-apiserver's endpoint reconciler fail with 422 every 10 s, which a real
 * shoot does not do), under a temporary root; all of them are destroyed at the end, also on failure
 * or Ctrl-C.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  type ComponentName,
  type ControlPlaneTuning,
  DEFAULT_TUNING,
  LocalSeedBackend,
} from '@gardener-ts/seed';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '5' },
    settle: { type: 'string', default: '60' },
    window: { type: 'string', default: '60' },
    extra: { type: 'string', multiple: true },
    gogc: { type: 'string' },
  },
});
const count = Number(values.count);
const settleSeconds = Number(values.settle);
const windowSeconds = Number(values.window);
const TARGET_MCPU = 20;
const TARGET_MIB = 250;
/** Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s */
const TICKS_PER_SECOND = 100;

const extraArgs: Partial<Record<ComponentName, string[]>> = {};
for (const entry of values.extra ?? []) {
  const at = entry.indexOf('=');
  const name = entry.slice(0, at) as ComponentName;
  extraArgs[name] = [...(extraArgs[name] ?? []), entry.slice(at + 1)];
}
const tuning: ControlPlaneTuning = {
  ...DEFAULT_TUNING,
  ...(values.extra?.length ? { extraArgs: { ...DEFAULT_TUNING.extraArgs, ...extraArgs } } : {}),
  ...(values.gogc ? { goGC: Number(values.gogc), goGCPerComponent: undefined } : {}),
};

const cpuTicks = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
};
const statusKiB = (pid: number, field: string): number =>
  Number(
    new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0,
  );
/** Anonymous (private) and Pss (shared pages divided among their sharers) from smaps_rollup */
const rollupKiB = (pid: number, field: 'Anonymous' | 'Pss'): number =>
  Number(
    new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ??
      0,
  );
const memTotalKiB = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
const cores = availableParallelism();

const root = mkdtempSync(join(tmpdir(), 'gardener-ts-bench-idle-'));
const backend = new LocalSeedBackend({ root, tuning });
const ids = Array.from({ length: count }, (_, n) => `bench-idle-${n + 1}`);
let cleaning: Promise<void> | undefined;
const cleanUp = () => {
  cleaning ??= (async () => {
    for (const id of ids)
      await backend.destroy(id).catch((error) => console.error(`destroy ${id}: ${error}`));
    rmSync(root, { recursive: true, force: true });
  })();
  return cleaning;
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: destroying the control planes`);
    void cleanUp().then(() => process.exit(130));
  });
}

/** process key → pid, e.g. `bench-idle-1/etcd`, `bench-idle-1/supervisor` */
async function pidsOf(): Promise<Map<string, number>> {
  const pids = new Map<string, number>();
  for (const id of ids) {
    const status = await backend.status(id);
    if (status.phase !== 'Running') throw new Error(`${id} is not running: ${JSON.stringify(status)}`);
    if (status.supervisorPid) pids.set(`${id}/supervisor`, status.supervisorPid);
    for (const c of status.components) if (c.pid) pids.set(`${id}/${c.name}`, c.pid);
  }
  return pids;
}

try {
  console.log(
    `idle control planes: ${count} × (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, supervisor); settle ${settleSeconds} s, window ${windowSeconds} s; box ${cores} cores, ${(memTotalKiB / 1024 / 1024).toFixed(1)} GiB`,
  );
  console.log(`tuning: ${JSON.stringify(tuning)}`);
  const readyS: number[] = [];
  for (const [n, id] of ids.entries()) {
    const start = performance.now();
    await backend.deploy({ id, listenAddress: `198.18.0.${201 + n}`, serviceCidr: '10.96.0.0/12' });
    await backend.waitReady(id, { timeoutMs: 180_000 });
    readyS.push((performance.now() - start) / 1000);
  }
  console.log(`deployed one after another, deploy to ready: ${readyS.map((s) => s.toFixed(1)).join(', ')} s`);
  await sleep(settleSeconds * 1000);

  const pids = await pidsOf();
  const before = new Map([...pids].map(([key, pid]) => [key, cpuTicks(pid)]));
  const startedAt = performance.now();
  await sleep(windowSeconds * 1000);
  const elapsedS = (performance.now() - startedAt) / 1000;
  const after = await pidsOf();
  for (const [key, pid] of pids)
    if (after.get(key) !== pid)
      throw new Error(`${key} restarted during the window (pid ${pid} → ${after.get(key)})`);

  const components = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'supervisor'];
  const rows = components.map((name) => {
    let ticks = 0;
    let rss = 0;
    let anon = 0;
    let pss = 0;
    for (const id of ids) {
      const pid = pids.get(`${id}/${name}`);
      if (!pid) throw new Error(`${id}/${name} has no pid`);
      ticks += cpuTicks(pid) - (before.get(`${id}/${name}`) ?? 0);
      rss += statusKiB(pid, 'VmRSS');
      anon += rollupKiB(pid, 'Anonymous');
      pss += rollupKiB(pid, 'Pss');
    }
    return {
      name,
      mCpu: ((ticks / TICKS_PER_SECOND / elapsedS) * 1000) / count,
      rssMiB: rss / 1024 / count,
      anonMiB: anon / 1024 / count,
      pssMiB: pss / 1024 / count,
    };
  });
  const total = rows.reduce(
    (sum, r) => ({
      mCpu: sum.mCpu + r.mCpu,
      rssMiB: sum.rssMiB + r.rssMiB,
      anonMiB: sum.anonMiB + r.anonMiB,
      pssMiB: sum.pssMiB + r.pssMiB,
    }),
    { mCpu: 0, rssMiB: 0, anonMiB: 0, pssMiB: 0 },
  );
  console.log('\nper control plane (mean of the N):');
  console.log(
    `  ${'component'.padEnd(24)} ${'mCPU'.padStart(7)} ${'RSS MiB'.padStart(8)} ${'PSS MiB'.padStart(8)} ${'private'.padStart(8)}`,
  );
  for (const r of [...rows, { name: 'total', ...total }])
    console.log(
      `  ${r.name.padEnd(24)} ${r.mCpu.toFixed(1).padStart(7)} ${r.rssMiB.toFixed(0).padStart(8)} ${r.pssMiB.toFixed(0).padStart(8)} ${r.anonMiB.toFixed(0).padStart(8)}`,
    );
  console.log(
    `  vs target: CPU ${total.mCpu.toFixed(1)} / ${TARGET_MCPU} mCPU = ${(total.mCpu / TARGET_MCPU).toFixed(2)}x, RSS ${total.rssMiB.toFixed(0)} / ${TARGET_MIB} MiB = ${(total.rssMiB / TARGET_MIB).toFixed(2)}x, PSS ${total.pssMiB.toFixed(0)} MiB = ${(total.pssMiB / TARGET_MIB).toFixed(2)}x (<= 1 meets it)`,
  );
  const byCpu = Math.floor((cores * 1000) / total.mCpu);
  const byRss = Math.floor(memTotalKiB / 1024 / total.rssMiB);
  const byPss = Math.floor(memTotalKiB / 1024 / total.pssMiB);
  console.log(
    `  this box (${cores} cores, ${(memTotalKiB / 1024).toFixed(0)} MiB) holds ${Math.min(byCpu, byRss)} idle control planes: ${byCpu} by CPU, ${byRss} by RSS (${byPss} by PSS, the binaries' text shared among the ${count}) — ${byCpu <= byRss ? 'CPU' : 'memory'} runs out first`,
  );
  console.log(
    `\n${JSON.stringify({ bench: 'idle-control-planes', count, settleSeconds, windowSeconds: elapsedS, cores, memTotalKiB, tuning, readyS, rows, total, holds: { byCpu, byRss, byPss } })}`,
  );
} finally {
  await cleanUp();
}
