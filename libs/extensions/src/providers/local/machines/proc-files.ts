import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** /proc files a machine sees in place of the host's (runc allows these to be bind-mounted). */
export interface ProcFiles {
  readonly meminfo: string;
  readonly cpuinfo: string;
}

/**
 * The kubelet (through cadvisor) reads a node's capacity from /proc/meminfo and /proc/cpuinfo,
 * which show the host's. A machine gets copies cut to its machine type: MemTotal (and the free
 * figures) at most its memory, only as many processors as its whole CPUs. They are snapshots:
 * live usage comes from the machine's cgroups, as the kubelet's eviction reads it.
 */
export async function writeProcFiles(
  dir: string,
  memoryBytes: number,
  millicores: number,
): Promise<ProcFiles> {
  const meminfo = join(dir, 'meminfo');
  const cpuinfo = join(dir, 'cpuinfo');
  await writeFile(meminfo, machineMeminfo(await readFile('/proc/meminfo', 'utf8'), memoryBytes), {
    mode: 0o444,
  });
  await writeFile(cpuinfo, machineCpuinfo(await readFile('/proc/cpuinfo', 'utf8'), millicores), {
    mode: 0o444,
  });
  return { meminfo, cpuinfo };
}

const CAPPED = new Set(['MemTotal', 'MemFree', 'MemAvailable']);

export function machineMeminfo(host: string, memoryBytes: number): string {
  const limitKiB = Math.floor(memoryBytes / 1024);
  return host.replace(/^(\w+):(\s+)(\d+) kB$/gm, (line, key: string, space: string, value: string) =>
    CAPPED.has(key) ? `${key}:${space}${Math.min(Number(value), limitKiB)} kB` : line,
  );
}

export function machineCpuinfo(host: string, millicores: number): string {
  const blocks = host.split(/\n\n/).filter((block) => /^processor\s*:/m.test(block));
  const count = Math.max(1, Math.min(blocks.length, Math.ceil(millicores / 1000)));
  return `${blocks.slice(0, count).join('\n\n')}\n\n`;
}
