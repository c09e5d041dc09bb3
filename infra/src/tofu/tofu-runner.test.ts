import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../testing/database.js';
import { classifyTofuOutput } from './classify.js';
import { GardenerErrorCode, isRetryable } from './error-codes.js';
import { TofuErrorCode } from './errors.js';
import { REDACTED, redact } from './redact.js';
import { loadOrCreateStateKey } from './state-encryption.js';
import { slowStack } from './testing/slow-stack.js';
import { TofuRunner } from './tofu-runner.js';

/** pids of processes whose working directory is inside dir (tofu, its providers, their commands) */
async function processesIn(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (cwd.startsWith(dir)) pids.push(Number(entry));
  }
  return pids;
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(200);
  }
}

describe('TofuRunner', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let root: string;
  let stateKey: string;
  let runner: TofuRunner;

  beforeAll(async () => {
    database = await createTestDatabase('gardener_ts_runner');
    root = await mkdtemp(join(tmpdir(), 'gardener-ts-runner-'));
    stateKey = await loadOrCreateStateKey(join(root, 'tofu-state.key'));
    runner = new TofuRunner({ databaseUrl: database.url, workRoot: join(root, 'work'), stateKey });
  });
  afterAll(async () => {
    await database.drop();
    await rm(root, { recursive: true, force: true });
  });

  it('keeps its state key in a 0600 file and reuses it', async () => {
    const file = join(root, 'tofu-state.key');
    expect((await import('node:fs')).statSync(file).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateStateKey(file)).toBe(stateKey);
  });

  it('refuses a workspace name tofu or PostgreSQL could misread', async () => {
    await expect(runner.reconcile(slowStack(0), '../etc')).rejects.toMatchObject({
      code: TofuErrorCode.InvalidWorkspace,
    });
  });

  it('a killed parent leaves no tofu behind, and the next reconcile takes the lock and converges', async () => {
    const workspace = 'shoot--it--killed';
    const workRoot = join(root, 'work');
    const script = new URL('../../dist/tofu/testing/reconcile-slow-stack.js', import.meta.url).pathname;
    expect(existsSync(script), 'run `npm run build` first').toBe(true);
    const child: ChildProcess = spawn('node', [script, database.url, workRoot, stateKey, workspace], {
      stdio: 'ignore',
    });
    const workspaceDir = join(workRoot, workspace);
    // the apply is running once the provisioner's `sleep 60` is
    await until(async () => {
      for (const pid of await processesIn(workspaceDir)) {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (cmdline.startsWith('sleep\u000060')) return pid;
      }
      return undefined;
    }, 60_000);
    child.kill('SIGKILL');
    await until(async () => ((await processesIn(workspaceDir)).length === 0 ? true : undefined), 10_000);

    const result = await runner.reconcile(slowStack(0), workspace);
    expect(result.outputs.done).toBe('slow');
    expect((await runner.reconcile(slowStack(0), workspace)).changed).toBe(false);
    await runner.destroy(slowStack(0), workspace);
  });
});

describe('tofu output handling', () => {
  it('redacts private keys, URL passwords and known secrets', () => {
    const text = [
      'key: -----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----',
      'db: postgres://tofu:hunter2secret@db:5432/x',
      'passphrase: s3cr3t-passphrase',
    ].join('\n');
    const result = redact(text, ['s3cr3t-passphrase']);
    expect(result).not.toMatch(/abc|hunter2secret|s3cr3t-passphrase/);
    expect(result).toContain(`postgres://tofu:${REDACTED}@db:5432/x`);
  });

  it.each([
    ['Error acquiring the state lock', GardenerErrorCode.RetryableInfraDependencies, true],
    [
      'dial tcp 127.0.0.1:5432: connect: connection refused',
      GardenerErrorCode.RetryableInfraDependencies,
      true,
    ],
    ['RTNETLINK answers: Operation not permitted', GardenerErrorCode.InfraUnauthorized, false],
    ['Error: Unsupported argument', GardenerErrorCode.ConfigurationProblem, false],
    ['API rate limit exceeded', GardenerErrorCode.InfraRateLimitsExceeded, true],
  ])('classifies "%s" as %s (retryable: %s)', (output, code, retryable) => {
    const codes = classifyTofuOutput(output);
    expect(codes).toEqual([code]);
    expect(isRetryable(codes)).toBe(retryable);
  });

  it('an unknown cause carries no code and is retried', () => {
    expect(classifyTofuOutput('something odd')).toEqual([]);
    expect(isRetryable([])).toBe(true);
  });
});
