import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RestartBackoff } from './backoff.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const MAIN = join(here, 'main.ts');
const REGISTER_TS = join(repo, 'scripts/dev/register-ts.mjs');

/** A service that runs until killed, or (with an exit code) ends after a moment. */
const service = (exitCode?: number) =>
  exitCode === undefined
    ? ['node', '-e', 'setInterval(() => {}, 1000)']
    : ['node', '-e', `setTimeout(() => process.exit(${exitCode}), 50)`];

let dir: string;
let supervisor: ChildProcess | undefined;
let output = '';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gardener-ts-supervisor-'));
  output = '';
});

afterEach(async () => {
  const child = childPid();
  if (supervisor?.exitCode === null) supervisor.kill('SIGKILL');
  if (child && alive(child)) process.kill(child, 'SIGKILL');
  supervisor = undefined;
  await rm(dir, { recursive: true, force: true });
});

function startSupervisor(command: string[], backoff = { initial: 100, max: 400, resetAfter: 60_000 }) {
  supervisor = spawn(
    process.execPath,
    [
      '--import',
      REGISTER_TS,
      MAIN,
      '--name',
      'svc',
      '--run-dir',
      dir,
      '--initial-backoff-ms',
      String(backoff.initial),
      '--max-backoff-ms',
      String(backoff.max),
      '--reset-after-ms',
      String(backoff.resetAfter),
      '--stop-grace-ms',
      '2000',
      '--',
      ...command,
    ],
    { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  supervisor.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  supervisor.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return supervisor;
}

function childPid(): number | undefined {
  const file = join(dir, 'svc.child.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split(' ')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function status() {
  return JSON.parse(readFileSync(join(dir, 'svc.status.json'), 'utf8'));
}

/** alive and not a zombie */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
  } catch {
    return false;
  }
}

async function until<T>(probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out; supervisor output:\n${output}`);
    await sleep(50);
  }
}

const runningChild = () => {
  const pid = childPid();
  return pid && alive(pid) ? pid : undefined;
};

describe('service supervisor', () => {
  it('restarts a service that exits, with a doubling delay up to the cap, and shows a crash loop', async () => {
    startSupervisor(service(3));
    await until(() => /crash-looping/.test(output));
    const delays = [
      ...output.matchAll(/exited \(exit code 3\) after \d+ ms; restart (\d+) in (\d+) ms/g),
    ].map((m) => Number(m[2]));
    expect(delays.slice(0, 5)).toEqual([100, 200, 400, 400, 400]);
    expect(output).toMatch(/svc is crash-looping: 5 restarts in a row/);
    const reported = await until(() => {
      const s = status();
      return s.restarts >= 5 ? s : undefined;
    });
    expect(reported).toMatchObject({ name: 'svc', crashLoop: true, lastExit: { code: 3, signal: null } });
  });

  it('starts a service killed with SIGKILL again and logs the signal', async () => {
    startSupervisor(service());
    const first = await until(runningChild);
    process.kill(first, 'SIGKILL');
    const second = await until(() => {
      const pid = runningChild();
      return pid !== first ? pid : undefined;
    });
    expect(second).not.toBe(first);
    expect(output).toMatch(/svc exited \(signal SIGKILL\) after \d+ ms; restart 1 in 100 ms/);
  });

  it('stops the service on SIGTERM and starts nothing again', async () => {
    const process_ = startSupervisor(service());
    const child = await until(runningChild);
    process_.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => process_.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(alive(child)).toBe(false);
    // longer than the backoff: a supervisor that restarted it would have done so by now
    await sleep(500);
    expect(childPid()).toBeUndefined();
    expect(status()).toMatchObject({ state: 'stopped', restarts: 0 });
    expect(output).not.toMatch(/restart 1/);
  });

  it('takes the service with it when the supervisor itself is killed with SIGKILL', async () => {
    const process_ = startSupervisor(service());
    const child = await until(runningChild);
    process_.kill('SIGKILL');
    await until(() => !alive(child), 5_000);
    expect(alive(child)).toBe(false);
  });
});

describe('restart backoff', () => {
  it('doubles to the cap and starts over after a stable run', () => {
    const backoff = new RestartBackoff({ initialMs: 1_000, maxMs: 5_000, resetAfterMs: 60_000 });
    expect([10, 10, 10, 10, 10].map((ran) => backoff.next(ran))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(backoff.crashLooping).toBe(true);
    expect(backoff.next(60_000)).toBe(1_000);
    expect(backoff.consecutive).toBe(1);
    expect(backoff.crashLooping).toBe(false);
  });
});
