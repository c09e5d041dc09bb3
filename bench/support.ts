// What several benchmarks share: an in-process gardenlet on a test garden, waiting for a shoot to go, a machine's RSS.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LocalMachineDriver } from '@gardener-ts/extensions';
import {
  bootstrapGardenKubeconfig,
  type GardenletConfig,
  gardenletConfigFromEnv,
  seedBootstrapKubeconfig,
} from '@gardener-ts/gardenlet';
import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { startServer } from '../apps/gardener-api/src/testing/server.js';
import { type Garden, until } from '../test/support/garden.js';

const run = promisify(execFile);

/**
 * A gardenlet in this process for the garden (care checks off); `logger` receives its logs, if
 * given. `via: 'api'` starts the garden API (HTTPS) as its own process and the gardenlet reaches the
 * garden only through it, with a seed credential from a bootstrap token, as `npm run up` runs it.
 */
export async function startGardenlet(
  garden: Garden,
  logger: LoggerService | false = false,
  via: 'database' | 'api' = 'database',
  overrides: Partial<GardenletConfig> = {},
) {
  Object.assign(process.env, garden.gardenletEnv);
  const api = via === 'api' ? await gardenApiAccess(garden) : undefined;
  const config = {
    ...gardenletConfigFromEnv(garden.gardenletEnv),
    careIntervalSeconds: 3600,
    ...overrides,
    ...api?.access,
  };
  await bootstrapGardenKubeconfig(config);
  const { GardenletModule } = await import('../apps/gardenlet/src/gardenlet.module.js');
  const context = await NestFactory.createApplicationContext(GardenletModule.forRoot(config), { logger });
  return {
    /** the garden API's process (via api only) */
    api: api?.server,
    async close() {
      await context.close();
      await api?.server.stop();
    },
  };
}

/** The garden API for a garden, and a bootstrap kubeconfig of its seed `local`. */
async function gardenApiAccess(garden: Garden) {
  const dataDir = join(garden.root, 'api');
  const server = await startServer({
    ...garden.gardenletEnv,
    PORT: '0',
    GARDENER_TLS: 'on',
    GARDENER_DATA_DIR: dataDir,
  });
  const adminKubeconfig = join(dataDir, 'garden.kubeconfig');
  const bootstrap = join(garden.root, 'bootstrap.kubeconfig');
  await writeFile(bootstrap, await seedBootstrapKubeconfig(adminKubeconfig, 'local'), { mode: 0o600 });
  return {
    access: {
      gardenBootstrapKubeconfig: bootstrap,
      gardenKubeconfig: join(garden.root, 'seed-local.kubeconfig'),
    },
    server,
  };
}

/**
 * RSS summed over every process of the machine's container, in MiB, and what the machine alone
 * holds: its cgroup's usage (anonymous memory, kernel memory, its tmpfs) less the page cache of
 * files. Most of the RSS is pages of the same binaries (kubelet, kube-proxy, containerd) that every
 * machine maps and the host keeps once.
 */
export async function machineMemoryMiB(
  driver: LocalMachineDriver,
  technicalId: string,
  name: string,
): Promise<{ rss: number; own: number }> {
  const { containerId, cgroup } = driver.layout({ name, technicalId });
  const { stdout } = await run('runc', [
    '--root',
    join(driver.root, 'runc'),
    'ps',
    '--format',
    'json',
    containerId,
  ]);
  let rss = 0;
  for (const pid of (JSON.parse(stdout) as number[] | null) ?? []) {
    // a heartbeat's curl may have exited between the listing and this read
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    rss += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  }
  const memory = `/sys/fs/cgroup/memory${cgroup}`;
  const usage = Number(await readFile(join(memory, 'memory.usage_in_bytes'), 'utf8'));
  const stat = await readFile(join(memory, 'memory.stat'), 'utf8');
  const field = (key: string) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
  const own = usage - field('total_active_file') - field('total_inactive_file');
  return { rss: rss / 2 ** 20, own: own / 2 ** 20 };
}

export async function machineRssMiB(
  driver: LocalMachineDriver,
  technicalId: string,
  name: string,
): Promise<number> {
  return (await machineMemoryMiB(driver, technicalId, name)).rss;
}

/** Resolves once the shoot cannot be read any more (its finalizer gone). */
export function shootGone(garden: Garden, name: string, timeoutMs: number): Promise<true> {
  return until(
    () =>
      garden.read(name).then(
        () => undefined,
        () => true as const,
      ),
    timeoutMs,
  );
}
