// The one typed controller client, the same checks over both transports: in the garden's process
// (its ResourceService) and over the real garden API process (HTTP, bearer token).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ConfigMap, exampleShoot, type Shoot } from '@gardener-ts/api';
import {
  ClientErrorCode,
  GardenClient,
  HttpTransport,
  InProcessTransport,
  isConflict,
  isNotFound,
  type Transport,
} from '@gardener-ts/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../apps/gardener-api/src/testing/server.js';
import { createGarden, type Garden, until } from './support/garden.js';

let garden: Garden;
let api: RunningServer;
let adminToken: string;
const clients: Record<string, GardenClient> = {};
const transports: Record<string, Transport> = {};

/** A transport whose first status write is preceded by `interrupt` (another writer's change). */
function interruptedOnce(inner: Transport, interrupt: () => Promise<void>): Transport {
  let interrupted = false;
  return {
    get: (...args) => inner.get(...args),
    list: (...args) => inner.list(...args),
    create: (...args) => inner.create(...args),
    patch: (...args) => inner.patch(...args),
    delete: (...args) => inner.delete(...args),
    watch: (...args) => inner.watch(...args),
    async update(type, namespace, name, body, subresource) {
      if (subresource === 'status' && !interrupted) {
        interrupted = true;
        await interrupt();
      }
      return inner.update(type, namespace, name, body, subresource);
    },
  };
}

beforeAll(async () => {
  garden = await createGarden();
  api = await startServer({
    ...garden.gardenletEnv,
    PORT: '0',
    GARDENER_TLS: 'off',
    GARDENER_DATA_DIR: join(garden.root, 'api'),
  });
  adminToken = (await readFile(join(garden.root, 'api', 'admin.token'), 'utf8')).trim();
  transports['in-process'] = new InProcessTransport(garden.resources);
  transports.http = new HttpTransport({ server: api.url, token: adminToken });
  for (const [kind, transport] of Object.entries(transports)) clients[kind] = new GardenClient(transport);
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await garden?.close();
});

describe.each(['in-process', 'http'])('GardenClient (%s)', (transport) => {
  const client = () => clients[transport] as GardenClient;
  const name = `gc-${transport}`.replace('in-process', 'inproc');
  const key = () => ({ namespace: garden.namespace, name });

  function shoot(): Shoot {
    const object = exampleShoot(name, garden.namespace);
    object.metadata.labels = { 'client-test': transport };
    delete object.spec.networking?.nodes;
    delete object.spec.hibernation;
    return object;
  }

  it('creates, gets and lists typed objects by kind, with label and field selectors', async () => {
    garden.track(name);
    const created = await client().create('Shoot', shoot());
    expect(created.metadata.uid).toBeTruthy();
    const got = await client().get('Shoot', key());
    expect(got.spec.provider.type).toBe('local');
    const byLabel = await client().list('Shoot', {
      namespace: garden.namespace,
      labelSelector: `client-test=${transport}`,
    });
    expect(byLabel.map((s) => s.metadata.name)).toEqual([name]);
    const byField = await client().list('Shoot', { fieldSelector: `metadata.name=${name}` });
    expect(byField).toHaveLength(1);
    const seeds = await client().list('Seed');
    expect(seeds.map((s) => s.metadata.name)).toContain('local');
  });

  it('reports a missing object as NotFound, and find() as undefined', async () => {
    const missing = { namespace: garden.namespace, name: 'nope' };
    await expect(client().get('Shoot', missing)).rejects.toSatisfy(isNotFound);
    expect(await client().find('Shoot', missing)).toBeUndefined();
    await expect(client().delete('Shoot', missing)).rejects.toSatisfy(isNotFound);
  });

  it('refuses an update from a stale read as a Conflict, and bad input as Invalid', async () => {
    const stale = await client().get('Shoot', key());
    await client().patch('Shoot', key(), 'merge', { metadata: { labels: { touched: 'yes' } } });
    stale.metadata.labels = { ...stale.metadata.labels, lost: 'update' };
    await expect(client().update('Shoot', stale)).rejects.toSatisfy(isConflict);
    const bad = shoot();
    bad.metadata.name = 'Not_A_Name';
    await expect(client().create('Shoot', bad)).rejects.toMatchObject({ code: ClientErrorCode.Invalid });
  });

  it('updates status with a retry when another writer got there first, losing neither write', async () => {
    const base = await client().updateStatus('Shoot', key(), (status) => {
      status.technicalID = `shoot--${garden.project}--${name}`;
    });
    expect(base.status?.technicalID).toBe(`shoot--${garden.project}--${name}`);
    // another writer lands between the client's read and its write, once
    const racing = new GardenClient(
      interruptedOnce(transports[transport] as Transport, () =>
        client()
          .patch('Shoot', key(), 'merge', { metadata: { labels: { raced: 'yes' } } })
          .then(() => undefined),
      ),
    );
    let attempts = 0;
    const updated = await racing.updateStatus('Shoot', key(), (status) => {
      attempts += 1;
      status.gardener = { id: 'x', name: 'client-test', version: '1' };
    });
    // at least the injected race; the garden's own controllers may write the shoot meanwhile too
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(updated.status).toMatchObject({
      technicalID: base.status?.technicalID,
      gardener: { name: 'client-test' },
    });
    expect(updated.metadata.labels?.raced).toBe('yes');
  });

  it('adds a finalizer once and removes it; removing from a gone object is fine', async () => {
    const finalizer = `test.gardener-ts.io/${transport}`;
    await client().ensureFinalizer('Shoot', key(), finalizer);
    const twice = await client().ensureFinalizer('Shoot', key(), finalizer);
    expect(twice.metadata.finalizers?.filter((f) => f === finalizer)).toHaveLength(1);
    await client().removeFinalizer('Shoot', key(), finalizer);
    expect((await client().get('Shoot', key())).metadata.finalizers ?? []).not.toContain(finalizer);
    await client().removeFinalizer('Shoot', { namespace: garden.namespace, name: 'gone' }, finalizer);
  });

  it('watches: the current objects first, then each change the selector matches, until stopped', async () => {
    const label = `watch-${transport}`;
    const configMap = (suffix: string, labelled = true): ConfigMap => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: `${label}-${suffix}`,
        namespace: garden.namespace,
        ...(labelled ? { labels: { watched: label } } : {}),
      },
      data: { n: '1' },
    });
    await client().create('ConfigMap', configMap('before'));
    const seen: string[] = [];
    const watcher = client().watch(
      'ConfigMap',
      { namespace: garden.namespace, labelSelector: `watched=${label}` },
      (event) => seen.push(`${event.type} ${event.object.metadata.name} ${event.object.data?.n}`),
    );
    await until(async () => (seen.length === 1 ? true : undefined), 10_000);
    await client().create('ConfigMap', configMap('after'));
    await client().create('ConfigMap', configMap('unlabelled', false));
    await client().patch('ConfigMap', { namespace: garden.namespace, name: `${label}-before` }, 'merge', {
      data: { n: '2' },
    });
    await client().delete('ConfigMap', { namespace: garden.namespace, name: `${label}-after` });
    await until(async () => (seen.length >= 4 ? true : undefined), 10_000);
    await watcher.stop();
    await client().delete('ConfigMap', { namespace: garden.namespace, name: `${label}-before` });
    await sleep(500);
    expect(seen).toEqual([
      `ADDED ${label}-before 1`,
      `ADDED ${label}-after 1`,
      `MODIFIED ${label}-before 2`,
      `DELETED ${label}-after 1`,
    ]);
  });
});

describe('GardenClient over HTTPS', () => {
  it("trusts the garden's CA when given it, and refuses the server without it", async () => {
    const dataDir = join(garden.root, 'api-tls');
    const tls = await startServer({
      ...garden.gardenletEnv,
      PORT: '0',
      GARDENER_TLS: 'on',
      GARDENER_DATA_DIR: dataDir,
    });
    try {
      const kubeconfig = await readFile(join(dataDir, 'garden.kubeconfig'), 'utf8');
      const caPem = Buffer.from(
        /certificate-authority-data: (\S+)/.exec(kubeconfig)?.[1] ?? '',
        'base64',
      ).toString();
      const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
      expect(tls.url).toMatch(/^https:/);
      const trusted = new GardenClient(new HttpTransport({ server: tls.url, token, caPem }));
      expect((await trusted.list('Seed')).map((s) => s.metadata.name)).toContain('local');
      const untrusted = new GardenClient(new HttpTransport({ server: tls.url, token }));
      await expect(untrusted.list('Seed')).rejects.toMatchObject({
        code: ClientErrorCode.Unavailable,
        message: expect.stringMatching(/certificate/i),
      });
    } finally {
      await tls.stop();
    }
  });
});

describe('GardenClient over HTTP, failures', () => {
  it('is Unauthorized with a wrong token, and Unavailable when nothing answers', async () => {
    const wrong = new GardenClient(new HttpTransport({ server: api.url, token: 'not-a-token' }));
    await expect(wrong.list('Seed')).rejects.toMatchObject({ code: ClientErrorCode.Unauthorized });
    const down = new GardenClient(new HttpTransport({ server: 'http://127.0.0.1:1', token: adminToken }));
    await expect(down.list('Seed')).rejects.toMatchObject({ code: ClientErrorCode.Unavailable });
  });
});
