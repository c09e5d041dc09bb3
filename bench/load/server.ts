// What the side-by-side API benchmark needs of each server it drives.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { HttpsTarget } from './https-target.js';

export interface BenchServer {
  /** how the report names it */
  readonly name: string;
  readonly target: HttpsTarget;
  /** the processes whose memory counts, by name */
  pids(): Promise<Record<string, number>>;
  /** processes it relies on that the memory figure leaves out (shared servers), for CPU figures */
  helperPids?(): Promise<Record<string, number[]>>;
  /** runs `fn` with the server's CPU profiler on, where it has one */
  profile?<T>(fn: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

export interface Memory {
  /** resident set now, MiB */
  readonly rss: number;
  /** peak resident set (VmHWM), MiB */
  readonly peak: number;
}

/** RSS and peak RSS of one process, from /proc. */
export async function memoryOf(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** The memory of every counted process of a server, and their sum. */
export async function serverMemory(
  server: BenchServer,
): Promise<{ parts: Record<string, Memory>; total: Memory }> {
  const parts: Record<string, Memory> = {};
  let rss = 0;
  let peak = 0;
  for (const [name, pid] of Object.entries(await server.pids())) {
    const memory = await memoryOf(pid);
    parts[name] = memory;
    rss += memory.rss;
    peak += memory.peak;
  }
  return { parts, total: { rss, peak } };
}

const CLOCK_TICKS = 100;

/** CPU seconds (user + system) a process has used, 0 once it is gone. */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Every process of a server, counted or helper, by name. */
async function processGroups(server: BenchServer): Promise<Map<string, number[]>> {
  const groups = new Map<string, number[]>();
  for (const [name, pid] of Object.entries(await server.pids())) groups.set(name, [pid]);
  for (const [name, pids] of Object.entries((await server.helperPids?.()) ?? {})) groups.set(name, pids);
  return groups;
}

async function cpuByPid(pids: readonly number[]): Promise<Map<number, number>> {
  return new Map(await Promise.all(pids.map(async (pid) => [pid, await cpuSecondsOf(pid)] as const)));
}

/** Runs `fn` and says how many CPU milliseconds each of the server's processes (or groups) used meanwhile. */
export async function cpuDuring<T>(
  server: BenchServer,
  fn: () => Promise<T>,
): Promise<{ result: T; cpuMs: Record<string, number> }> {
  const before = await processGroups(server);
  const start = await cpuByPid([...before.values()].flat());
  const result = await fn();
  const after = await processGroups(server);
  const cpuMs: Record<string, number> = {};
  for (const [name, pids] of after) {
    const now = await cpuByPid(pids);
    cpuMs[name] = [...now].reduce((sum, [pid, s]) => sum + (s - (start.get(pid) ?? 0)) * 1000, 0);
  }
  return { result, cpuMs };
}

/** The pids of every process with this exact name (pgrep -x), none when there is none. */
export async function pidsNamed(name: string): Promise<number[]> {
  const { stdout } = await promisify(execFile)('pgrep', ['-x', name]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean).map(Number);
}
