// Helpers for this package's tests and its benchmark: real tools, run as a user would. Not exported.
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { binary } from '@gardener-ts/infra/toolchain';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program (never through a shell) and returns its exit code and output. */
export function run(command: string, args: readonly string[], input?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      [...args],
      { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** The pinned kubectl, by path: a `kubectl` on PATH may be some other tool. */
export function kubectl(kubeconfig: string, ...args: string[]): Promise<RunResult> {
  return run(binary('kubectl'), ['--kubeconfig', kubeconfig, ...args]);
}

/** `kubectl create -f -` of one object. */
export function kubectlCreate(kubeconfig: string, object: unknown): Promise<RunResult> {
  return run(binary('kubectl'), ['--kubeconfig', kubeconfig, 'create', '-f', '-'], JSON.stringify(object));
}

/** kubectl's JSON for one object, or undefined when it does not exist. */
export async function kubectlJson<T>(kubeconfig: string, ...args: string[]): Promise<T | undefined> {
  const result = await kubectl(kubeconfig, ...args, '-o', 'json');
  if (result.code !== 0) {
    if (/NotFound|not found/.test(result.stderr)) return undefined;
    throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as T;
}

/** Polls until `check` returns a value other than undefined, or throws with the last reason. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await sleep(intervalMs);
  }
}
