// What the side-by-side API benchmark needs of each server it drives.
import { readFile } from 'node:fs/promises';
import type { HttpsTarget } from './https-target.js';

export interface BenchServer {
  /** how the report names it */
  readonly name: string;
  readonly target: HttpsTarget;
  /** the processes whose memory counts, by name */
  pids(): Promise<Record<string, number>>;
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
