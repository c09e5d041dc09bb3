import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { type BackoffPolicy, DEFAULT_BACKOFF, RestartBackoff } from './backoff.js';

export interface ServiceSupervisorOptions {
  /** the service's name in log lines */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly backoff?: BackoffPolicy;
  /** SIGTERM → SIGKILL grace when stopping */
  readonly stopGraceMs?: number;
  /** `<pid> <start time>` of the running child, for tools that must find it (up.sh) */
  readonly childPidFile?: string;
  /** the supervisor's view as JSON: state, child pid, restarts, last exit, crash loop */
  readonly statusFile?: string;
  readonly log?: (line: string) => void;
}

export type SupervisedState = 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped';

export interface ExitRecord {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly ranMs: number;
  readonly at: string;
}

export interface SupervisorStatus {
  readonly name: string;
  readonly supervisorPid: number;
  readonly state: SupervisedState;
  readonly childPid?: number;
  readonly restarts: number;
  /** restarts since the last stable run */
  readonly consecutiveRestarts: number;
  readonly crashLoop: boolean;
  readonly lastExit?: ExitRecord;
}

/**
 * Keeps one service running: starts it, and when it dies starts it again after an exponential
 * backoff (reset by a stable run). The child gets `setpriv --pdeathsig KILL`, so it dies with the
 * supervisor even when the supervisor is killed with SIGKILL: no orphan keeps a port or a pidfile.
 * stop() ends the child (SIGTERM to its process group, grace, SIGKILL) and starts nothing again.
 */
export class ServiceSupervisor {
  private child?: ChildProcess;
  private state: SupervisedState = 'starting';
  private startedAt = 0;
  private restarts = 0;
  private lastExit?: ExitRecord;
  private timer?: NodeJS.Timeout;
  private exited?: Promise<void>;
  private readonly backoff: RestartBackoff;
  private readonly log: (line: string) => void;

  constructor(private readonly options: ServiceSupervisorOptions) {
    this.backoff = new RestartBackoff(options.backoff ?? DEFAULT_BACKOFF);
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
  }

  start(): void {
    this.state = 'starting';
    const child = spawn(
      'setpriv',
      ['--pdeathsig', 'KILL', '--', this.options.command, ...this.options.args],
      {
        detached: true,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    this.child = child;
    this.startedAt = Date.now();
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.onExit(child, code, signal);
        resolve();
      });
    });
    child.once('error', (error) =>
      this.log(`supervisor: cannot start ${this.options.name}: ${error.message}`),
    );
    if (child.pid) {
      this.state = 'running';
      this.writeChildPid(child.pid);
      this.say(`${this.options.name} started, pid ${child.pid}`);
    }
    this.writeStatus();
  }

  /** Ends the child and keeps it ended. */
  async stop(graceMs = this.options.stopGraceMs ?? 20_000): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    clearTimeout(this.timer);
    this.writeStatus();
    const child = this.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      this.say(`stopping ${this.options.name} (pid ${child.pid})`);
      signalGroup(child.pid, 'SIGTERM');
      const killer = setTimeout(() => signalGroup(child.pid ?? 0, 'SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(killer);
    }
    this.state = 'stopped';
    this.writeStatus();
    this.say(`${this.options.name} stopped`);
  }

  status(): SupervisorStatus {
    return {
      name: this.options.name,
      supervisorPid: process.pid,
      state: this.state,
      childPid: this.state === 'running' ? this.child?.pid : undefined,
      restarts: this.restarts,
      consecutiveRestarts: this.backoff.consecutive,
      crashLoop: this.backoff.crashLooping,
      lastExit: this.lastExit,
    };
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    const ranMs = Date.now() - this.startedAt;
    this.lastExit = { code, signal, ranMs, at: new Date().toISOString() };
    this.removeChildPid();
    if (this.state === 'stopping' || this.state === 'stopped') {
      this.say(`${this.options.name} exited (${describeExit(code, signal)}) on stop`);
      return;
    }
    const delay = this.backoff.next(ranMs);
    this.restarts++;
    this.state = 'backoff';
    this.say(
      `${this.options.name} exited (${describeExit(code, signal)}) after ${ranMs} ms; ` +
        `restart ${this.restarts} in ${delay} ms`,
    );
    if (this.backoff.crashLooping) {
      this.say(
        `${this.options.name} is crash-looping: ${this.backoff.consecutive} restarts in a row, ` +
          `none of them a stable run; see the lines above for its errors`,
      );
    }
    this.writeStatus();
    this.timer = setTimeout(() => this.start(), delay);
  }

  private say(message: string): void {
    this.log(`${new Date().toISOString()} supervisor: ${message}`);
  }

  private writeStatus(): void {
    if (!this.options.statusFile) return;
    writeAtomically(this.options.statusFile, `${JSON.stringify(this.status(), null, 2)}\n`);
  }

  private writeChildPid(pid: number): void {
    if (!this.options.childPidFile) return;
    writeAtomically(this.options.childPidFile, `${pid} ${processStartTime(pid) ?? ''}\n`);
  }

  private removeChildPid(): void {
    if (this.options.childPidFile) rmSync(this.options.childPidFile, { force: true });
  }
}

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

/** The child leads a process group of its own (detached): whatever it started goes with it. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
      return;
    } catch {
      // no such group (or process): try the next, else it is gone
    }
  }
}

/** field 22 of /proc/<pid>/stat: tells a live child from a later process with the same pid */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function writeAtomically(path: string, content: string): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, path);
}
