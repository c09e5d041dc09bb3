// What several benchmarks share: an in-process gardenlet on a test garden, waiting for a shoot to go, a machine's RSS.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LocalMachineDriver } from '@gardener-ts/extensions';
import { gardenletConfigFromEnv } from '@gardener-ts/gardenlet';
import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type Garden, until } from '../test/support/garden.js';

const run = promisify(execFile);

/** A gardenlet in this process for the garden (care checks off); `logger` receives its logs, if given. */
export async function startGardenlet(garden: Garden, logger: LoggerService | false = false) {
  Object.assign(process.env, garden.gardenletEnv);
  const { GardenletModule } = await import('../apps/gardenlet/src/gardenlet.module.js');
  return NestFactory.createApplicationContext(
    GardenletModule.forRoot({ ...gardenletConfigFromEnv(garden.gardenletEnv), careIntervalSeconds: 3600 }),
    { logger },
  );
}

/** RSS summed over every process of the machine's container, in MiB. */
export async function machineRssMiB(
  driver: LocalMachineDriver,
  technicalId: string,
  name: string,
): Promise<number> {
  const { containerId } = driver.layout({ name, technicalId });
  const { stdout } = await run('runc', [
    '--root',
    join(driver.root, 'runc'),
    'ps',
    '--format',
    'json',
    containerId,
  ]);
  let kib = 0;
  for (const pid of (JSON.parse(stdout) as number[] | null) ?? []) {
    // a heartbeat's curl may have exited between the listing and this read
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    kib += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  }
  return kib / 1024;
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
