// A seed's life as its gardenlet comes and goes: the gardenlet's heartbeat keeps GardenletReady
// True; once it stops, the garden API's seed lifecycle turns the seed and its shoots' health
// Unknown and the scheduler sends the seed no new shoot; a gardenlet that comes back makes it True
// and the waiting shoot is scheduled. Real API process, real gardenlet, real store.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Condition, exampleShoot, type Shoot } from '@gardener-ts/api';
import type { INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGarden, type Garden, SHOOT, until } from './support/garden.js';
import { type GardenServices, startGardenServices, startTestGardenlet } from './support/services.js';

const GRACE_SECONDS = 5; // heartbeats every second, stamped in whole seconds
const HEARTBEAT_SECONDS = 1;

describe('seed lifecycle: GardenletReady follows the gardenlet', () => {
  let garden: Garden;
  let services: GardenServices;
  let second: INestApplicationContext | undefined;

  const seedCondition = async (type: string) => {
    const { body } = await services.call('GET', '/apis/core.gardener.cloud/v1beta1/seeds/local');
    const conditions = (body.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
    return conditions.find((c) => c.type === type);
  };
  const seedReady = () => seedCondition('GardenletReady');
  const shootPath = (name: string) =>
    `/apis/core.gardener.cloud/v1beta1/namespaces/${garden.namespace}/shoots/${name}`;
  const readShoot = async (name: string) =>
    (await services.call('GET', shootPath(name))).body as unknown as Shoot;
  const untilSeed = (status: string) =>
    until(async () => ((await seedReady())?.status === status ? true : undefined), 30_000);

  beforeAll(async () => {
    garden = await createGarden();
    services = await startGardenServices(
      garden,
      { heartbeatSeconds: HEARTBEAT_SECONDS },
      {
        GARDENER_SEED_GRACE_SECONDS: String(GRACE_SECONDS),
      },
    );
  }, 60_000);

  afterAll(async () => {
    await second?.close();
    await services?.api.stop();
    await garden?.close();
  });

  it('is True while the gardenlet runs, renewed by its heartbeat', async () => {
    await untilSeed('True');
    const first = await seedReady();
    await sleep(2_500);
    const later = await seedReady();
    expect(later).toMatchObject({ status: 'True', reason: 'GardenletReady' });
    expect(await seedCondition('SeedResourcesAvailable')).toMatchObject({
      status: 'True',
      reason: 'ResourcesAvailable',
      message: expect.stringMatching(/^\d+ MiB of memory available$/),
    });
    expect(Date.parse(later?.lastUpdateTime ?? '')).toBeGreaterThan(Date.parse(first?.lastUpdateTime ?? ''));
  });

  it('turns Unknown with its shoots once the gardenlet is gone, and new shoots go nowhere', async () => {
    // a shoot on the seed that the gardenlet never got to (no job): only its status matters here
    const bound = exampleShoot('bound', garden.namespace);
    bound.spec.seedName = 'local';
    delete bound.spec.networking?.nodes;
    delete bound.spec.hibernation;
    garden.track('bound');
    await garden.resources.create(SHOOT, garden.namespace, bound);
    await services.gardenlet.close();

    await untilSeed('Unknown');
    expect(await seedReady()).toMatchObject({
      reason: 'StatusUnknown',
      message: 'Gardenlet stopped posting seed status.',
    });
    expect(await seedCondition('SeedResourcesAvailable')).toMatchObject({ status: 'Unknown' });
    const conditions = await until(async () => {
      const found = ((await readShoot('bound')).status as { conditions?: Condition[] } | undefined)
        ?.conditions;
      return found?.length ? found : undefined;
    }, 15_000);
    expect(conditions.map((c) => c.type).sort()).toEqual([
      'APIServerAvailable',
      'ControlPlaneHealthy',
      'EveryNodeReady',
      'SystemComponentsHealthy',
    ]);
    for (const condition of conditions)
      expect(condition).toMatchObject({
        status: 'Unknown',
        message: 'Gardenlet stopped sending heartbeats.',
      });

    const waiting = exampleShoot('waiting', garden.namespace);
    delete waiting.spec.seedName;
    delete waiting.spec.networking?.nodes;
    delete waiting.spec.hibernation;
    garden.track('waiting');
    const created = await services.call(
      'POST',
      `/apis/core.gardener.cloud/v1beta1/namespaces/${garden.namespace}/shoots`,
      waiting,
    );
    expect(created.status).toBe(201);
    expect((created.body as unknown as Shoot).spec.seedName).toBeUndefined();
    const pending = await until(async () => {
      const op = (await readShoot('waiting')).status?.lastOperation;
      return op?.state === 'Pending' ? op : undefined;
    }, 15_000);
    expect(pending.description).toContain('has no gardenlet posting its status');
  });

  it('is True again when a gardenlet comes back, and the waiting shoot is scheduled there', async () => {
    second = await startTestGardenlet(garden, { heartbeatSeconds: HEARTBEAT_SECONDS });
    await untilSeed('True');
    const seedName = await until(async () => (await readShoot('waiting')).spec?.seedName, 60_000);
    expect(seedName).toBe('local');
  });

  it('gets no new shoots while its gardenlet measures too little memory, and takes them once there is room', async () => {
    await second?.close();
    second = await startTestGardenlet(garden, {
      heartbeatSeconds: HEARTBEAT_SECONDS,
      seedResources: { minFreeMemoryMiB: 100_000_000 },
    });
    const short = await until(async () => {
      const condition = await seedCondition('SeedResourcesAvailable');
      return condition?.status === 'False' ? condition : undefined;
    }, 30_000);
    expect(short).toMatchObject({
      reason: 'MemoryPressure',
      message: expect.stringMatching(
        /MiB of memory available, less than the 100000000 MiB a new control plane needs/,
      ),
    });
    const crowded = exampleShoot('crowded', garden.namespace);
    delete crowded.spec.seedName;
    delete crowded.spec.networking?.nodes;
    delete crowded.spec.hibernation;
    garden.track('crowded');
    const path = `/apis/core.gardener.cloud/v1beta1/namespaces/${garden.namespace}/shoots`;
    expect((await services.call('POST', path, crowded)).status).toBe(201);
    const pending = await until(async () => {
      const op = (await readShoot('crowded')).status?.lastOperation;
      return op?.state === 'Pending' ? op : undefined;
    }, 15_000);
    expect(pending.description).toContain('1 seed is short of resources (');

    await second.close();
    second = await startTestGardenlet(garden, { heartbeatSeconds: HEARTBEAT_SECONDS });
    const seedName = await until(async () => (await readShoot('crowded')).spec?.seedName, 60_000);
    expect(seedName).toBe('local');
  });
});
