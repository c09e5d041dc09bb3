// The simulated cloud `sim`, loaded as a provider package by a gardenlet of its own seed: faults
// injected through a pool's providerConfig surface in the shoot's lastErrors with Gardener's codes,
// and decide whether the operation is retried or fails.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exampleCloudProfile, exampleSeed, exampleShoot, type Shoot } from '@gardener-ts/api';
import { gardenletConfigFromEnv } from '@gardener-ts/gardenlet';
import { binary } from '@gardener-ts/infra/toolchain';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGarden, type Garden, kind, SHOOT, until } from './support/garden.js';

const SIM_API_VERSION = 'sim.provider.gardener-ts.io/v1alpha1';
const run = promisify(execFile);

describe('machines on the simulated cloud: faults and their retry behaviour', () => {
  let garden: Garden;
  let gardenlet: INestApplicationContext;

  const createSimShoot = async (name: string, workerConfig: Record<string, unknown>, extra = {}) => {
    const shoot = exampleShoot(name, garden.namespace);
    shoot.spec.cloudProfileName = 'sim';
    shoot.spec.region = 'sim';
    shoot.spec.seedName = 'sim';
    delete shoot.spec.networking.nodes; // a free one of the sim seed's range
    shoot.spec.provider = {
      type: 'sim',
      workers: [
        {
          name: 'pool-a',
          machine: { type: 'local-small', image: { name: 'debian', version: '12' } },
          minimum: 2,
          maximum: 2,
          zones: ['zone-a'],
          providerConfig: { apiVersion: SIM_API_VERSION, kind: 'WorkerConfig', ...workerConfig },
          ...extra,
        },
      ],
    };
    garden.track(name);
    await garden.resources.create(SHOOT, garden.namespace, shoot);
    await garden.enqueue(name);
  };

  const operationOf = (name: string, accept: (shoot: Shoot) => boolean, timeoutMs = 120_000) =>
    until(async () => {
      const shoot = await garden.read(name);
      if (process.env.DEBUG_E2E)
        console.log(
          name,
          JSON.stringify(shoot.status?.lastOperation),
          JSON.stringify(shoot.status?.lastErrors),
        );
      return accept(shoot) ? shoot : undefined;
    }, timeoutMs);

  beforeAll(async () => {
    garden = await createGarden();
    const profile = exampleCloudProfile();
    profile.metadata.name = 'sim';
    profile.spec.type = 'sim';
    profile.spec.regions = [{ name: 'sim', zones: [{ name: 'zone-a' }] }];
    await garden.resources.create(kind('CloudProfile'), undefined, profile);
    const seed = exampleSeed();
    seed.metadata.name = 'sim';
    seed.spec.provider = { type: 'sim', region: 'sim', zones: ['zone-a'] };
    seed.spec.networks = { ...seed.spec.networks, shootDefaults: { nodes: '10.11.0.0/16' } };
    await garden.resources.create(kind('Seed'), undefined, seed);
    const env = {
      ...garden.gardenletEnv,
      SEED_NAME: 'sim',
      GARDENER_PROVIDER_PACKAGES: '@gardener-ts/provider-sim',
    };
    Object.assign(process.env, env);
    const config = { ...gardenletConfigFromEnv(env), careIntervalSeconds: 3600 };
    const { GardenletModule } = await import('../apps/gardenlet/src/gardenlet.module.js');
    gardenlet = await NestFactory.createApplicationContext(GardenletModule.forRoot(config), {
      logger: false,
    });
  });

  afterAll(async () => {
    await gardenlet?.close();
    await garden?.close();
  });

  it('a quota exceeded is final: the shoot is Failed with ERR_INFRA_QUOTA_EXCEEDED', {
    timeout: 150_000,
  }, async () => {
    await createSimShoot('quota', { fault: 'QuotaExceeded' });
    const failed = await operationOf('quota', (s) => s.status?.lastOperation?.state === 'Failed');
    expect(failed.status?.lastErrors).toEqual([
      expect.objectContaining({ taskID: 'wait-workers-ready', codes: ['ERR_INFRA_QUOTA_EXCEEDED'] }),
    ]);
    // the shoot's events tell it, with the Gardener code, and that it will not be retried
    const events = await until(async () => {
      const { items } = await garden.resources.list(kind('Event'), garden.namespace, {
        fieldSelector: 'involvedObject.kind=Shoot,involvedObject.name=quota,type=Warning',
      });
      return items.length > 0 ? items : undefined;
    }, 10_000);
    expect(events[0]).toMatchObject({
      reason: 'ReconcileError',
      message: expect.stringMatching(
        /^\[ERR_INFRA_QUOTA_EXCEEDED\] Failed to reconcile Shoot cluster \(Failed, not retried until the spec changes or a retry is asked for\): /,
      ),
      source: { component: 'gardenlet' },
    });
  });

  it('rate limiting is retried (Error, not Failed); once it stops, the shoot succeeds with its nodes', {
    timeout: 400_000,
  }, async () => {
    await createSimShoot('limited', { fault: 'RateLimited' });
    const erring = await operationOf('limited', (s) => s.status?.lastOperation?.state === 'Error');
    expect(erring.status?.lastErrors).toEqual([
      expect.objectContaining({ taskID: 'wait-workers-ready', codes: ['ERR_INFRA_RATE_LIMITS_EXCEEDED'] }),
    ]);
    await garden.resources.patch(SHOOT, garden.namespace, 'limited', 'strategic', {
      spec: {
        provider: {
          // a strategic merge patch merges maps: null removes the fault
          workers: [{ name: 'pool-a', providerConfig: { fault: null } }],
        },
      },
    });
    await garden.enqueue('limited');
    const done = await operationOf('limited', (s) => s.status?.lastOperation?.state === 'Succeeded', 240_000);
    expect(done.status?.lastErrors ?? []).toEqual([]);
    // the sim's ControlPlane actuator configured the shoot's cloud provider
    const admin = await garden.seed.issueKubeconfig(`shoot--${garden.project}--limited`, {
      role: 'admin',
      user: 'e2e',
    });
    const kubeconfig = join(garden.root, 'limited.kubeconfig');
    await writeFile(kubeconfig, admin.kubeconfig, { mode: 0o600 });
    const { stdout } = await run(binary('kubectl'), [
      ...['--kubeconfig', kubeconfig, 'get', 'configmap', 'cloud-provider-config', '-n', 'kube-system'],
      ...['-o', 'jsonpath={.data}'],
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ provider: 'sim', region: 'sim', zones: 'zone-a' });
    const { items } = await garden.resources.list(kind('Machine'), garden.namespace, {
      labelSelector: 'shoot.gardener.cloud/name=limited',
    });
    expect(
      items.map(
        (m) => (m as { status?: { currentStatus?: { phase?: string } } }).status?.currentStatus?.phase,
      ),
    ).toEqual(['Running', 'Running']);
  });

  it('a machine that never becomes Ready is Failed after the creation timeout and replaced', {
    timeout: 200_000,
  }, async () => {
    await createSimShoot(
      'stuck',
      { fault: 'CreationTimeout' },
      { machineControllerManager: { machineCreationTimeout: '5s' } },
    );
    const first = await until(async () => {
      const { items } = await garden.resources.list(kind('Machine'), garden.namespace, {
        labelSelector: 'shoot.gardener.cloud/name=stuck',
      });
      return items.length === 2 ? items.map((m) => m.metadata.name) : undefined;
    }, 60_000);
    await until(async () => {
      const { items } = await garden.resources.list(kind('Machine'), garden.namespace, {
        labelSelector: 'shoot.gardener.cloud/name=stuck',
      });
      const names = items.map((m) => m.metadata.name);
      return first.every((name) => !names.includes(name)) ? true : undefined;
    }, 90_000);
    expect((await garden.read('stuck')).status?.lastOperation?.state).not.toBe('Succeeded');
  });

  it('refuses an unknown fault at admission, naming the field', async () => {
    const error = await createSimShoot('typo', { fault: 'Meteor' }).catch((e: unknown) => e);
    expect(JSON.stringify(error)).toContain('spec.provider.workers[0].providerConfig.fault');
  });
});
