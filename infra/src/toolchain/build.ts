import { mkdir, rename, rm } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { ToolchainError, ToolchainErrorCode } from './errors.js';
import { cacheRoot, pinBinDir, pinKey, wrappersRoot } from './paths.js';
import type { ToolPin } from './pins.js';
import { spawnLogged } from './spawn-logged.js';
import { checkPin } from './verify.js';

export type Log = (line: string) => void;

const PROGRESS_INTERVAL_MS = 20_000;

/** Builds one pin into a temporary directory and moves it into place only when complete. */
export async function buildPin(pin: ToolPin, log: Log): Promise<void> {
  const finalDir = dirname(pinBinDir(pin));
  const workDir = `${finalDir}.partial-${process.pid}`;
  const logFile = join(cacheRoot(), 'toolchain', 'logs', `${pinKey(pin)}.log`);
  await rm(workDir, { recursive: true, force: true });
  await mkdir(join(workDir, 'bin'), { recursive: true });
  await mkdir(dirname(logFile), { recursive: true });

  const label = `${pin.name} ${pin.version}`;
  const started = Date.now();
  log(`[${label}] building ${pin.binaries.map((b) => b.file).join(', ')} (log: ${logFile})`);
  const single = pin.binaries.length === 1 ? pin.binaries[0] : undefined;
  const output = single ? join(workDir, 'bin', single.file) : `${join(workDir, 'bin')}/`;
  const args = [
    'build',
    '-trimpath',
    '-v',
    '-ldflags',
    `-s -w ${pin.ldflags}`.trim(),
    '-o',
    output,
    ...pin.binaries.map((b) => b.goPackage),
  ];
  const code = await runGo(args, join(wrappersRoot(), pin.wrapper), logFile, (packages) =>
    log(`[${label}] ${packages} packages compiled, ${elapsed(started)}`),
  );
  if (code !== 0) {
    await rm(workDir, { recursive: true, force: true });
    throw new ToolchainError(
      ToolchainErrorCode.BuildFailed,
      `${label}: go build exited with ${code}; see ${logFile}`,
    );
  }
  await rm(finalDir, { recursive: true, force: true });
  await rename(workDir, finalDir);
  log(`[${label}] built in ${elapsed(started)}`);
}

async function runGo(
  args: string[],
  cwd: string,
  logFile: string,
  onProgress: (packages: number) => void,
): Promise<number> {
  let packages = 0;
  const timer = setInterval(() => onProgress(packages), PROGRESS_INTERVAL_MS);
  try {
    return await spawnLogged('go', args, logFile, {
      cwd,
      env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
      // `go build -v` names each package as it is compiled: a cheap progress measure.
      onStderr: (chunk) => {
        packages += chunk.split('\n').filter((line) => line && !line.startsWith('#')).length;
      },
      installHint: 'install Go 1.26 or newer',
    });
  } finally {
    clearInterval(timer);
  }
}

function elapsed(since: number): string {
  const seconds = Math.round((Date.now() - since) / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

export interface BuildOptions {
  readonly jobs: number;
  readonly memoryGiB: number;
  readonly log: Log;
}

export function defaultBuildOptions(log: Log): BuildOptions {
  const memoryGiB = Number(process.env.GARDENER_TS_BUILD_MEMORY_GIB) || (totalmem() / 2 ** 30) * 0.6;
  const jobs = Number(process.env.GARDENER_TS_BUILD_JOBS) || 2;
  return { jobs, memoryGiB, log };
}

/** Pins whose binaries are not all ready (an environment override counts as ready if it checks out). */
export async function pinsNeedingBuild(pins: readonly ToolPin[]): Promise<ToolPin[]> {
  const states = await Promise.all(pins.map(checkPin));
  return pins.filter((_, i) => states[i]?.some((s) => s.state !== 'ready' && !s.fromEnv));
}

/**
 * Builds pins in parallel while their estimated peak memory fits the budget; a pin larger than
 * the whole budget still runs, alone.
 */
export async function buildPins(pins: readonly ToolPin[], options: BuildOptions): Promise<void> {
  const queue = [...pins].sort((a, b) => b.buildMemoryGiB - a.buildMemoryGiB);
  const running = new Map<ToolPin, Promise<void>>();
  const failures: Error[] = [];
  const memoryInUse = () => [...running.keys()].reduce((sum, p) => sum + p.buildMemoryGiB, 0);
  while (queue.length > 0 || running.size > 0) {
    const next = queue.find(
      (pin) =>
        running.size === 0 ||
        (running.size < options.jobs && memoryInUse() + pin.buildMemoryGiB <= options.memoryGiB),
    );
    if (next) {
      queue.splice(queue.indexOf(next), 1);
      const task = buildPin(next, options.log)
        .catch((error: Error) => {
          failures.push(error);
          options.log(`[${next.name} ${next.version}] FAILED: ${error.message}`);
        })
        .finally(() => running.delete(next));
      running.set(next, task);
      continue;
    }
    await Promise.race(running.values());
  }
  if (failures.length > 0) {
    throw new ToolchainError(ToolchainErrorCode.BuildFailed, failures.map((f) => f.message).join('\n'));
  }
}
