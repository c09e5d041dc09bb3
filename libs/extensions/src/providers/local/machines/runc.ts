import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandFailed, run, runUnlessAbsent } from './commands.js';

/** What `runc state` and `runc list --format json` report of a container. */
export interface ContainerState {
  readonly id: string;
  /** creating, created, running, paused or stopped */
  readonly status: string;
  readonly pid: number;
  readonly bundle: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

const MISSING = /does not exist|not exist|no such file/i;
const LIST_ATTEMPTS = 5;

/** Debian's runc, with a state root of our own, so list() sees only our containers. */
export class Runc {
  constructor(private readonly root: string) {}

  /**
   * Starts the container detached, in a session of its own, its output going to `consoleLog`:
   * it outlives the calling process (machines belong to the cloud, not to a gardenlet).
   */
  async runDetached(id: string, bundle: string, consoleLog: string): Promise<void> {
    await this.detached(['run', '--detach', '--bundle', bundle, id], consoleLog);
  }

  /**
   * Makes the container's namespaces, cgroups and init process, but does not run it yet: the
   * host then sets up what needs the init's PID (its network) before `start`.
   */
  async createDetached(id: string, bundle: string, consoleLog: string): Promise<void> {
    await this.detached(['create', '--bundle', bundle, id], consoleLog);
  }

  async start(id: string): Promise<void> {
    await run('runc', ['--root', this.root, 'start', id]);
  }

  private async detached(command: readonly string[], consoleLog: string): Promise<void> {
    const id = command[command.length - 1];
    const log = await open(consoleLog, 'a', 0o600);
    try {
      const args = ['--root', this.root, ...command];
      const child = spawn('runc', args, { stdio: ['ignore', log.fd, log.fd], detached: true });
      const code = await new Promise<number | null>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (exitCode) => resolve(exitCode));
      });
      if (code !== 0)
        throw new CommandFailed(`runc ${command[0]} ${id}`, code ?? undefined, await tail(consoleLog));
    } finally {
      await log.close();
    }
  }

  async state(id: string): Promise<ContainerState | undefined> {
    try {
      return JSON.parse(await run('runc', ['--root', this.root, 'state', id]));
    } catch (error) {
      if (error instanceof CommandFailed && MISSING.test(error.stderr)) return undefined;
      throw error;
    }
  }

  /** runc fails a list when a container it is reading is deleted meanwhile: that list is made again. */
  async list(): Promise<ContainerState[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await run('runc', ['--root', this.root, 'list', '--format', 'json']);
        return (JSON.parse(out || 'null') as ContainerState[] | null) ?? [];
      } catch (error) {
        if (attempt >= LIST_ATTEMPTS || !(error instanceof CommandFailed && MISSING.test(error.stderr)))
          throw error;
      }
    }
  }

  /**
   * Kills every process of the container and forgets it; a missing container is fine. Returns
   * once none of its processes runs any more (the host's init reaps what is left, in its own time).
   */
  async remove(id: string): Promise<void> {
    const pids = await this.processes(id);
    await runUnlessAbsent('runc', ['--root', this.root, 'delete', '--force', id], MISSING);
    const deadline = Date.now() + 10_000;
    while (pids.some(isRunning) && Date.now() < deadline) {
      await sleep(20);
    }
  }

  /** host PIDs of the container's processes; none when it is missing or stopped */
  async processes(id: string): Promise<number[]> {
    const out = await run('runc', ['--root', this.root, 'ps', '--format', 'json', id]).catch(() => 'null');
    return (JSON.parse(out) as number[] | null) ?? [];
  }

  async exec(id: string, args: readonly string[]): Promise<string> {
    return run('runc', ['--root', this.root, 'exec', id, ...args]);
  }
}

/** alive and not a zombie: a zombie holds nothing but its process table entry */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function tail(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.slice(-2000);
}
