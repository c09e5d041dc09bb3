import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  exampleCloudProfile,
  exampleProject,
  exampleSeed,
  exampleShoot,
  type Seed,
  type Shoot,
} from '@gardener-ts/api';
import { createTestDatabase } from '@gardener-ts/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './testing/server.js';

const CORE = '/apis/core.gardener.cloud/v1beta1';
const SHOOTS = `${CORE}/namespaces/garden-dev/shoots`;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let server: RunningServer;
let token: string;

async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function eventually<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await sleep(25);
  }
}

function unscheduledShoot(name: string): Shoot {
  const shoot = exampleShoot(name);
  delete shoot.spec.seedName;
  delete shoot.spec.networking.nodes;
  return shoot;
}

function seed(name: string, change: (s: Seed) => void = () => {}): Seed {
  const s = exampleSeed();
  s.metadata.name = name;
  change(s);
  return s;
}

const getShoot = async (name: string) => (await call<Shoot>('GET', `${SHOOTS}/${name}`)).body;

beforeAll(async () => {
  db = await createTestDatabase('gts_sched');
  dir = mkdtempSync(join(tmpdir(), 'gts-sched-'));
  server = await startServer({
    PORT: '0',
    DATABASE_URL: db.url,
    GARDENER_DATA_DIR: dir,
    GARDENER_SCHEDULE_RETRY_SECONDS: '3600',
  });
  token = readFileSync(join(dir, 'admin.token'), 'utf8').trim();
  expect((await call('POST', `${CORE}/cloudprofiles`, exampleCloudProfile())).status).toBe(201);
  expect((await call('POST', `${CORE}/projects`, exampleProject())).status).toBe(201);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('seed scheduling', () => {
  it('lets a shoot that fits nowhere wait with the reason, and binds it once a seed fits', async () => {
    const created = await call<Shoot>('POST', SHOOTS, unscheduledShoot('early'));
    expect(created.status).toBe(201);
    expect(created.body.spec.seedName).toBeUndefined();
    let shoot = await eventually(
      () => getShoot('early'),
      (s) => s.status?.lastOperation !== undefined,
    );
    expect(shoot.status?.lastOperation).toMatchObject({
      type: 'Create',
      state: 'Pending',
      description: 'Failed to schedule shoot: no seeds exist',
    });

    await call(
      'POST',
      `${CORE}/seeds`,
      seed('tainted', (s) => (s.spec.taints = [{ key: 'dedicated' }])),
    );
    shoot = await eventually(
      () => getShoot('early'),
      (s) => /taints/.test(s.status?.lastOperation?.description ?? ''),
    );
    expect(shoot.status?.lastOperation?.description).toBe(
      'Failed to schedule shoot: 0/1 seeds are available: 1 seed has taints the shoot does not tolerate (dedicated)',
    );

    await call('POST', `${CORE}/seeds`, seed('local'));
    shoot = await eventually(
      () => getShoot('early'),
      (s) => s.spec.seedName !== undefined,
    );
    expect(shoot.spec.seedName).toBe('local');
    expect(shoot.spec.networking.nodes).toBe('10.10.0.0/24');
  });

  it('binds at create to the least used fitting seed, with a node network from it', async () => {
    await call('POST', `${CORE}/seeds`, seed('local-2'));
    const second = await call<Shoot>('POST', SHOOTS, unscheduledShoot('second'));
    expect(second.body.spec.seedName).toBe('local-2');
    expect(second.body.spec.networking.nodes).toBe('10.10.0.0/24');
    const third = await call<Shoot>('POST', SHOOTS, unscheduledShoot('third'));
    expect(third.body.spec.seedName).toBe('local');
    expect(third.body.spec.networking.nodes).toBe('10.10.1.0/24');
  });

  it('retries when capacity frees up', async () => {
    for (const name of ['local', 'local-2']) {
      const response = await fetch(`${server.url}${CORE}/seeds/${name}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ spec: { capacity: { shoots: 2 } } }),
      });
      expect(response.status).toBe(200);
    }
    const waiting = await call<Shoot>('POST', SHOOTS, unscheduledShoot('waiting'));
    expect(waiting.body.spec.seedName).toBe('local-2');
    const full = await call<Shoot>('POST', SHOOTS, unscheduledShoot('full'));
    expect(full.body.spec.seedName).toBeUndefined();
    const pending = await eventually(
      () => getShoot('full'),
      (s) => /capacity/.test(s.status?.lastOperation?.description ?? ''),
    );
    expect(pending.status?.lastOperation?.description).toMatch(/2 seeds have no capacity left/);
    const confirm = { metadata: { annotations: { 'confirmation.gardener.cloud/deletion': 'true' } } };
    await fetch(`${server.url}${SHOOTS}/second`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify(confirm),
    });
    expect((await call('DELETE', `${SHOOTS}/second`)).status).toBe(200);
    const bound = await eventually(
      () => getShoot('full'),
      (s) => s.spec.seedName !== undefined,
    );
    expect(bound.spec.seedName).toBe('local-2');
  });
});
