import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import type { Verdict } from './conditions.js';

export interface SeedResourceLimits {
  /** below this much available memory (MiB) no new control plane fits: an idle one holds ~400 MiB */
  readonly minFreeMemoryMiB: number;
  /** above this busy share of all cores (0–1, averaged over about a minute), if set */
  readonly maxCpuBusy?: number | undefined;
}

/** How the host is read: /proc on Linux (tests give their own). */
export interface HostReader {
  meminfo(): Promise<string>;
  stat(): Promise<string>;
}

const PROC: HostReader = {
  meminfo: () => readFile('/proc/meminfo', 'utf8'),
  stat: () => readFile('/proc/stat', 'utf8'),
};

/** The weight of the newest CPU sample: with a beat every 10 s, about a minute's average. */
const CPU_SMOOTHING = 0.15;

/**
 * The seed's capacity as measured, not counted: the host's available memory (MemAvailable, which
 * counts what the kernel can reclaim) and, when a limit is set, the busy share of its CPUs. A
 * hibernated shoot's control plane is gone from both, so hibernation frees room here at once.
 */
export class SeedResources {
  private lastCpu: { busy: number; total: number } | undefined;
  private busyShare: number | undefined;

  constructor(
    private readonly limits: SeedResourceLimits,
    private readonly host: HostReader = PROC,
  ) {}

  async verdict(): Promise<Verdict> {
    const type = 'SeedResourcesAvailable';
    const freeMiB = await this.availableMemoryMiB();
    const busy = await this.cpuBusy();
    const cpuNote = busy === undefined ? '' : `, CPU ${percent(busy)} busy on ${cpus().length} core(s)`;
    if (freeMiB < this.limits.minFreeMemoryMiB)
      return {
        type,
        status: 'False',
        reason: 'MemoryPressure',
        message: `${freeMiB} MiB of memory available, less than the ${this.limits.minFreeMemoryMiB} MiB a new control plane needs${cpuNote}`,
      };
    const { maxCpuBusy } = this.limits;
    if (maxCpuBusy !== undefined && busy !== undefined && busy > maxCpuBusy)
      return {
        type,
        status: 'False',
        reason: 'CPUPressure',
        message: `CPU ${percent(busy)} busy, more than ${percent(maxCpuBusy)}; ${freeMiB} MiB of memory available`,
      };
    return {
      type,
      status: 'True',
      reason: 'ResourcesAvailable',
      message: `${freeMiB} MiB of memory available${cpuNote}`,
    };
  }

  private async availableMemoryMiB(): Promise<number> {
    const kib = Number(/^MemAvailable:\s+(\d+) kB$/m.exec(await this.host.meminfo())?.[1] ?? Number.NaN);
    if (!Number.isFinite(kib)) throw new Error('no MemAvailable in /proc/meminfo');
    return Math.floor(kib / 1024);
  }

  /** The smoothed busy share since the previous beat; undefined until two samples exist or when no limit is set. */
  private async cpuBusy(): Promise<number | undefined> {
    if (this.limits.maxCpuBusy === undefined) return undefined;
    const fields = (/^cpu\s+(.+)$/m.exec(await this.host.stat())?.[1] ?? '').split(/\s+/).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const total = fields.reduce((sum, n) => sum + (Number.isFinite(n) ? n : 0), 0);
    const previous = this.lastCpu;
    this.lastCpu = { busy: total - idle, total };
    if (!previous || total <= previous.total) return this.busyShare;
    const sample = (total - idle - previous.busy) / (total - previous.total);
    this.busyShare =
      this.busyShare === undefined ? sample : this.busyShare + CPU_SMOOTHING * (sample - this.busyShare);
    return this.busyShare;
  }
}

const percent = (share: number) => `${Math.round(share * 100)} %`;
