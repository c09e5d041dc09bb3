import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

export interface RunningServer {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartOptions {
  /** flags for node itself, e.g. `--cpu-prof` */
  readonly nodeFlags?: readonly string[];
  /** run the built `dist/main.js` (no loader hook in the process) instead of the TypeScript source */
  readonly fromDist?: boolean;
}

/**
 * Starts the real server as its own process (by default its TypeScript compiled by SWC through the
 * repo's register hook) and resolves with its address once it listens.
 */
export function startServer(env: NodeJS.ProcessEnv, options: StartOptions = {}): Promise<RunningServer> {
  // a seed directory of its own unless given: never the developer's local seed
  const ownSeedDir = env.GARDENER_TS_SEED_DIR
    ? undefined
    : mkdtempSync(join(tmpdir(), 'gardener-ts-api-seed-'));
  const entry = options.fromDist
    ? [join(REPO, 'apps/gardener-api/dist/main.js')]
    : ['--import', join(REPO, 'scripts/dev/register-ts.mjs'), join(REPO, 'apps/gardener-api/src/main.ts')];
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...entry], {
    cwd: REPO,
    env: { ...process.env, ...(ownSeedDir ? { GARDENER_TS_SEED_DIR: ownSeedDir } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    }
    if (ownSeedDir) rmSync(ownSeedDir, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (https?:\/\/[\d.]+:\d+)/.exec(output);
      if (match?.[1]) resolve({ child, url: match[1], output: () => output, stop });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('exit', (code) => reject(new Error(`gardener-api exited with ${code}:\n${output}`)));
  });
}
