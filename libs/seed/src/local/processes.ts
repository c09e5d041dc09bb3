// Process bookkeeping shared by the backend and the supervisor: pidfiles that survive both, and
// liveness checks that tell a live process from a zombie or from a reused pid.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PidRecord {
  readonly pid: number;
  /** start time in clock ticks since boot (/proc/<pid>/stat field 22): guards against pid reuse */
  readonly startTime: string;
}

/** Start time and state of a process, or undefined when it does not exist. */
function procStat(pid: number): { startTime: string; state: string } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
  return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
}

export function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.startTime;
}

/** True while the process runs: not gone, not a zombie, and (when given) the same start time. */
export function isAlive(pid: number, startTime?: string): boolean {
  const stat = procStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === undefined || stat.startTime === startTime;
}

export function processCommandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

export function readPidFile(path: string): PidRecord | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const [pid, startTime] = text.trim().split(/\s+/);
  const parsed = Number(pid);
  if (!Number.isInteger(parsed) || parsed <= 0 || !startTime) return undefined;
  return { pid: parsed, startTime };
}

/** The pidfile's process if it still runs (same start time), else undefined. */
export function livePid(path: string): PidRecord | undefined {
  const record = readPidFile(path);
  return record && isAlive(record.pid, record.startTime) ? record : undefined;
}

export function writePidFile(path: string, pid: number): PidRecord | undefined {
  const startTime = processStartTime(pid);
  if (!startTime) return undefined;
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${pid} ${startTime}\n`);
  renameSync(temporary, path);
  return { pid, startTime };
}

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}

/** Signals the process group led by pid (components run in their own session), else the pid. */
export function signalGroup(record: PidRecord, signal: NodeJS.Signals): void {
  if (!isAlive(record.pid, record.startTime)) return;
  try {
    process.kill(-record.pid, signal);
  } catch {
    try {
      process.kill(record.pid, signal);
    } catch {
      // gone meanwhile
    }
  }
}

/** Polls until none of the processes is alive; false when the deadline passes first. */
export async function waitForExit(records: readonly PidRecord[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (records.every((r) => !isAlive(r.pid, r.startTime))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

/** SIGTERM, a grace period, then SIGKILL for whatever still runs. */
export async function terminate(records: readonly PidRecord[], graceMs: number): Promise<void> {
  for (const record of records) signalGroup(record, 'SIGTERM');
  if (await waitForExit(records, graceMs)) return;
  for (const record of records) signalGroup(record, 'SIGKILL');
  await waitForExit(records, 5_000);
}
