/**
 * Create-to-Succeeded and delete-to-gone of workerless local shoots through a gardenlet, for one
 * shoot and for five at once, and the ratio of a create to a bare control-plane start measured in
 * the same run. Targets (issue 7): one shoot <= 20 s, ratio <= 2.0, delete <= 10 s.
 *
 *   npm run build && npm run bench -- bench/gardenlet-shoots.ts
 */
import { gardenletConfigFromEnv } from '@gardener-ts/gardenlet';
import { NestFactory } from '@nestjs/core';
import { createGarden, until } from '../test/support/garden.js';

const garden = await createGarden();
Object.assign(process.env, garden.gardenletEnv);
const { GardenletModule } = await import('../apps/gardenlet/src/gardenlet.module.js');
const gardenlet = await NestFactory.createApplicationContext(
  GardenletModule.forRoot({ ...gardenletConfigFromEnv(garden.gardenletEnv), careIntervalSeconds: 3600 }),
  { logger: false },
);

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

const succeeded = (name: string) =>
  until(
    async () => ((await garden.read(name)).status?.lastOperation?.state === 'Succeeded' ? true : undefined),
    300_000,
  );
const gone = (name: string) =>
  until(
    () =>
      garden.read(name).then(
        () => undefined,
        () => true,
      ),
    300_000,
  );

async function createAndDelete(names: string[], firstOctet: number) {
  const create = await seconds(async () => {
    await Promise.all(names.map((name, i) => garden.createShoot(name, firstOctet + i)));
    await Promise.all(names.map(succeeded));
  });
  const remove = await seconds(async () => {
    await Promise.all(names.map((name) => garden.deleteShoot(name)));
    await Promise.all(names.map(gone));
  });
  return { create, remove };
}

try {
  const bareId = `bench-bare-${garden.id}`;
  const bare = await seconds(async () => {
    await garden.seed.deploy({ id: bareId, listenAddress: '127.0.0.1', serviceCidr: '100.104.0.0/13' });
    await garden.seed.waitReady(bareId, { timeoutMs: 120_000 });
  });
  await garden.seed.destroy(bareId);
  const one = await createAndDelete(['one'], 230);
  const five = await createAndDelete(['f1', 'f2', 'f3', 'f4', 'f5'], 240);
  console.log(`bare control plane (deploy to /readyz): ${bare.toFixed(1)} s`);
  console.log(
    `one shoot:   create to Succeeded ${one.create.toFixed(1)} s (target 20), delete to gone ${one.remove.toFixed(1)} s (target 10)`,
  );
  console.log(
    `five at once: create to all Succeeded ${five.create.toFixed(1)} s, delete to all gone ${five.remove.toFixed(1)} s`,
  );
  console.log(`ratio create / bare control plane: ${(one.create / bare).toFixed(2)} (target 2.0)`);
} finally {
  await gardenlet.close();
  await garden.close();
}
