import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exampleProject, requireResourceByKind } from '@gardener-ts/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceService, type WatchEvent } from './resource-service.js';
import { openStore, type Store } from './store.js';
import { createTestDatabase } from './testing.js';

const CONFIGMAP = requireResourceByKind('ConfigMap');
const NS = 'garden-hub';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let store: Store;
let service: ResourceService;

beforeAll(async () => {
  db = await createTestDatabase('gts_watch_hub');
  dir = mkdtempSync(join(tmpdir(), 'gts-hub-'));
  store = await openStore({ databaseUrl: db.url, keyFile: join(dir, 'secrets.key') });
  service = new ResourceService(store.repository, store.watches);
  for (const project of ['hub', 'elsewhere'])
    await service.create(requireResourceByKind('Project'), undefined, exampleProject(project));
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !check(); i++) await sleep(20);
  expect(check()).toBe(true);
}

function configMap(name: string, data: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
}

async function watchFromNow(events: WatchEvent[]) {
  const from = String(await store.repository.currentResourceVersion());
  return service.watch(
    CONFIGMAP,
    NS,
    { resourceVersion: from },
    (e) => events.push(e),
    () => undefined,
  );
}

const names = (events: WatchEvent[]) => events.map((e) => `${e.type} ${e.object.metadata.name}`);

describe('a paused watch', () => {
  it('holds nothing while paused and, resumed, replays what it missed in order', async () => {
    const events: WatchEvent[] = [];
    const handle = await watchFromNow(events);
    let fellBehind = false;
    handle.pause(10, () => {
      fellBehind = true;
    });
    await service.create(CONFIGMAP, NS, configMap('p1'));
    await service.create(CONFIGMAP, NS, configMap('p2'));
    await service.create(CONFIGMAP, 'garden-elsewhere', configMap('p3'));
    await sleep(200);
    expect(events).toEqual([]);
    handle.resume();
    await service.create(CONFIGMAP, NS, configMap('p4'));
    await until(() => events.length >= 3);
    handle.close();
    expect(names(events)).toEqual(['ADDED p1', 'ADDED p2', 'ADDED p4']);
    expect(fellBehind).toBe(false);
  });

  it('ends once it missed more events than allowed, counting only events it would have seen', async () => {
    const events: WatchEvent[] = [];
    const handle = await watchFromNow(events);
    let fellBehind = 0;
    handle.pause(3, () => fellBehind++);
    // another namespace's events do not count against the watch
    for (let i = 0; i < 5; i++) await service.create(CONFIGMAP, 'garden-elsewhere', configMap(`o${i}`));
    for (let i = 0; i < 3; i++) await service.create(CONFIGMAP, NS, configMap(`m${i}`));
    await sleep(200);
    expect(fellBehind).toBe(0);
    await service.create(CONFIGMAP, NS, configMap('m3'));
    await until(() => fellBehind === 1);
    // it is gone from the hub: resuming or more events change nothing
    handle.resume();
    await service.create(CONFIGMAP, NS, configMap('m4'));
    await sleep(200);
    expect(events).toEqual([]);
    expect(fellBehind).toBe(1);
  });

  it('can pause again while it replays, and still delivers each event once, in order', async () => {
    const sink: WatchEvent[] = [];
    let handle: Awaited<ReturnType<typeof watchFromNow>> | undefined;
    handle = await service.watch(
      CONFIGMAP,
      NS,
      { resourceVersion: String(await store.repository.currentResourceVersion()) },
      (e) => {
        sink.push(e);
        // a reader that fills up after every second event
        if (sink.length % 2 === 0) {
          handle?.pause(1000, () => undefined);
          setTimeout(() => handle?.resume(), 5);
        }
      },
      () => undefined,
    );
    for (let i = 0; i < 12; i++) await service.create(CONFIGMAP, NS, configMap(`r${i}`));
    await until(() => sink.length >= 12);
    await sleep(100);
    handle.close();
    expect(names(sink)).toEqual(Array.from({ length: 12 }, (_, i) => `ADDED r${i}`));
  });
});
