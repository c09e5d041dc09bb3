// A gardenlet that is a client of the garden API alone: it gets a bootstrap kubeconfig (server,
// CA, a seed bootstrap token), trades it for its seed's credential, and has a database of its own
// for tofu state, never the garden's database; Redis it reaches as its seed's ACL user. A shoot
// created over REST is reconciled and deleted by it; its heartbeat keeps the seed Ready.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Shoot, technicalId } from '@gardener-ts/api';
import { createTestDatabase, queryRows } from '@gardener-ts/infra/testing';
import { seedRedisUser } from '@gardener-ts/jobs';
import type { INestApplicationContext } from '@nestjs/common';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGarden, type Garden, until } from './support/garden.js';
import { expectNothingLeft } from './support/leftovers.js';
import { type HttpsGarden, startHttpsGarden, startTestGardenlet, tokenOf } from './support/services.js';

describe('a gardenlet that reaches the garden only through its API', () => {
  let garden: Garden;
  let https: HttpsGarden;
  let gardenlet: INestApplicationContext;
  let tofuState: Awaited<ReturnType<typeof createTestDatabase>>;
  let bootstrapToken: string;
  const name = 'remote';
  let seedKubeconfig: string;

  const call = (method: string, path: string, body?: unknown, contentType?: string) =>
    https.call(method, path, body, contentType ? { contentType } : {});
  const shoots = () => `/apis/core.gardener.cloud/v1beta1/namespaces/${garden.namespace}/shoots`;
  const read = async () => (await call('GET', `${shoots()}/${name}`)).body as unknown as Shoot;
  const shootEvents = async () => {
    const selector = `involvedObject.kind=Shoot,involvedObject.name=${name}`;
    const list = await call('GET', `/api/v1/namespaces/${garden.namespace}/events?fieldSelector=${selector}`);
    return (list.body.items ?? []) as Array<{
      type: string;
      reason: string;
      source?: { component?: string };
    }>;
  };

  beforeAll(async () => {
    garden = await createGarden();
    https = await startHttpsGarden(garden);
    tofuState = await createTestDatabase('gardener_ts_seed_state');
    const bootstrapKubeconfig = join(garden.root, 'bootstrap.kubeconfig');
    seedKubeconfig = join(garden.root, 'seed-host', 'garden.kubeconfig');
    await https.seedBootstrap('local', bootstrapKubeconfig);
    bootstrapToken = tokenOf(bootstrapKubeconfig);
    gardenlet = await startTestGardenlet(garden, {
      gardenBootstrapKubeconfig: bootstrapKubeconfig,
      gardenKubeconfig: seedKubeconfig,
      // the seed's own database, for tofu state only: not the garden's
      databaseUrl: tofuState.url,
      keyFile: join(garden.root, 'no-garden-key'),
      heartbeatSeconds: 1,
    });
  }, 120_000);

  afterAll(async () => {
    await gardenlet?.close();
    const redis = new Redis();
    await redis.call('ACL', 'DELUSER', seedRedisUser(garden.gardenletEnv.GARDENER_QUEUE_PREFIX, 'local'));
    redis.disconnect();
    await https?.api.stop();
    await tofuState?.drop();
    await garden?.close();
  });

  it('trades its bootstrap token once for a seed credential it keeps to itself', async () => {
    expect((await stat(seedKubeconfig)).mode & 0o777).toBe(0o600);
    const credential = tokenOf(seedKubeconfig);
    expect(credential).toMatch(/^gts_/);
    expect(credential).not.toBe(bootstrapToken);
    const again = await https.call(
      'POST',
      '/apis/auth.gardener-ts.io/v1alpha1/seedcredentials',
      {},
      {
        token: bootstrapToken,
      },
    );
    expect(again.status).toBe(401);
  });

  it('keeps its seed Ready over the API', async () => {
    const ready = await until(async () => {
      const { body } = await call('GET', '/apis/core.gardener.cloud/v1beta1/seeds/local');
      const conditions = (body.status as Shoot['status'])?.conditions ?? [];
      return conditions.find((c) => c.type === 'GardenletReady' && c.status === 'True');
    }, 30_000);
    expect(ready.reason).toBe('GardenletReady');
  });

  it('creates a shoot it reads and writes only through the API, then deletes it', async () => {
    garden.track(name);
    const created = await call('POST', shoots(), {
      apiVersion: 'core.gardener.cloud/v1beta1',
      kind: 'Shoot',
      metadata: { name },
      spec: {
        cloudProfileName: 'local',
        region: 'local',
        provider: { type: 'local' },
        kubernetes: { version: '1.34' },
        networking: { nodes: `10.10.${90 + (Number.parseInt(garden.id, 16) % 10)}.0/24` },
      },
    });
    expect(created.status).toBe(201);
    const succeeded = await until(async () => {
      const shoot = await read();
      return shoot.status?.lastOperation?.state === 'Succeeded' ? shoot : undefined;
    }, 180_000);
    expect(succeeded.status?.technicalID).toBe(technicalId(garden.namespace, name));
    expect(succeeded.metadata.finalizers).toContain('gardener');
    // its status writes are recorded under its own field manager (kubectl get --show-managed-fields)
    expect(succeeded.metadata.managedFields).toContainEqual(
      expect.objectContaining({ manager: 'gardenlet', operation: 'Update', subresource: 'status' }),
    );
    // its tofu state is in the seed's database, none in the garden's
    const id = technicalId(garden.namespace, name);
    const states = (url: string) =>
      queryRows<{ name: string }>(url, 'SELECT name FROM gardener_tofu.states WHERE name = $1', [id]).catch(
        () => [],
      );
    expect(await states(tofuState.url)).toHaveLength(1);
    expect(await states(garden.gardenletEnv.DATABASE_URL ?? '')).toHaveLength(0);
    // the gardenlet's own writes went through the API: the SSH key pair secret is there
    const secret = await call('GET', `/api/v1/namespaces/${garden.namespace}/secrets/${name}.ssh-keypair`);
    expect(secret.status).toBe(200);
    // and it recorded what it did as events about the shoot, with its seed's credential
    const reasons = await until(async () => {
      const found = (await shootEvents()).map((e) => `${e.type} ${e.reason} ${e.source?.component}`);
      return found.includes('Normal Reconciled gardenlet') ? found : undefined;
    }, 30_000);
    expect(reasons).toContain('Normal Reconciling gardenlet');

    await call(
      'PATCH',
      `${shoots()}/${name}`,
      { metadata: { annotations: { 'confirmation.gardener.cloud/deletion': 'true' } } },
      'application/merge-patch+json',
    );
    expect((await call('DELETE', `${shoots()}/${name}`)).status).toBe(200);
    await until(
      async () => ((await call('GET', `${shoots()}/${name}`)).status === 404 ? true : undefined),
      120_000,
    );
    await expectNothingLeft(garden, technicalId(garden.namespace, name));
    // the events outlive the shoot until they expire
    expect((await shootEvents()).map((e) => e.reason)).toContain('Deleting');
  });
});
