import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiError,
  ApiErrorCode,
  exampleCloudProfile,
  exampleProject,
  exampleSeed,
  exampleShoot,
  type KubeObject,
  QUOTA_API_VERSION,
  requireResourceByKind,
  SHOOT_COUNT_KEY,
  type Shoot,
} from '@gardener-ts/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceService } from './resource-service.js';
import { openStore, type Store } from './store.js';
import { createTestDatabase } from './testing.js';

const SHOOT = requireResourceByKind('Shoot');
const QUOTA = requireResourceByKind('ProjectQuota');
const DEFAULT_SHOOTS = 2;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let store: Store;
let service: ResourceService;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'gts-quota-'));
  // two connections: a lock holder that needed a second one while a waiter held the other would hang
  store = await openStore({
    databaseUrl: db.url,
    keyFile: join(dir, 'secrets.key'),
    poolSize: 2,
    projectQuotaDefaults: { [SHOOT_COUNT_KEY]: DEFAULT_SHOOTS },
  });
  service = new ResourceService(store.repository, store.watches);
  await service.create(requireResourceByKind('CloudProfile'), undefined, exampleCloudProfile());
  await service.create(requireResourceByKind('Seed'), undefined, exampleSeed());
  for (const project of ['dev', 'race'])
    await service.create(requireResourceByKind('Project'), undefined, exampleProject(project));
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

function unnetworked(name: string, namespace: string): KubeObject {
  const shoot = exampleShoot(name, namespace);
  shoot.spec.seedName = 'local';
  delete shoot.spec.networking.nodes;
  return shoot as unknown as KubeObject;
}

async function outcome(promise: Promise<unknown>): Promise<'created' | ApiError> {
  try {
    await promise;
    return 'created';
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
}

describe('node network allocation under a small pool', () => {
  it('finishes 12 concurrent creates, each with its own network', async () => {
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        service.create(SHOOT, 'garden', unnetworked(`many${i}`, 'garden')),
      ),
    );
    const nodes = created.map((s) => (s as unknown as Shoot).spec.networking.nodes);
    expect(new Set(nodes).size).toBe(12);
  }, 15_000);
});

describe('project quota', () => {
  it('lets concurrent creates take the last places once, in Kubernetes wording', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        outcome(service.create(SHOOT, 'garden-race', unnetworked(`r${i}`, 'garden-race'))),
      ),
    );
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(DEFAULT_SHOOTS);
    for (const refused of outcomes.filter((o) => o !== 'created')) {
      expect(refused.code).toBe(ApiErrorCode.Forbidden);
      expect(refused.message).toMatch(
        /^shoots\.core\.gardener\.cloud "r\d" is forbidden: exceeded quota: default, requested: count\/shoots\.core\.gardener\.cloud=1, used: count\/shoots\.core\.gardener\.cloud=2, limited: count\/shoots\.core\.gardener\.cloud=2$/,
      );
    }
    expect((await service.list(SHOOT, 'garden-race', {})).items).toHaveLength(DEFAULT_SHOOTS);
  });

  it("follows the project's own ProjectQuota, then the default again once it is gone", async () => {
    for (const name of ['a', 'b']) await service.create(SHOOT, 'garden-dev', unnetworked(name, 'garden-dev'));
    await service.create(QUOTA, undefined, {
      apiVersion: QUOTA_API_VERSION,
      kind: 'ProjectQuota',
      metadata: { name: 'dev' },
      spec: { hard: { [SHOOT_COUNT_KEY]: 3 } },
    });
    expect(await outcome(service.create(SHOOT, 'garden-dev', unnetworked('c', 'garden-dev')))).toBe(
      'created',
    );
    const fourth = await outcome(service.create(SHOOT, 'garden-dev', unnetworked('d', 'garden-dev')));
    expect(fourth).toBeInstanceOf(ApiError);
    expect((fourth as ApiError).message).toMatch(
      /exceeded quota: dev, .*limited: count\/shoots\.core\.gardener\.cloud=3$/,
    );
    await service.delete(QUOTA, undefined, 'dev');
    const again = await outcome(service.create(SHOOT, 'garden-dev', unnetworked('e', 'garden-dev')));
    expect((again as ApiError).message).toMatch(
      /exceeded quota: default, .*used: count\/shoots\.core\.gardener\.cloud=3,/,
    );
  });

  it('counts objects as the writes go: creates add, removals subtract', async () => {
    const CONFIGMAP = requireResourceByKind('ConfigMap');
    const configMap = (name: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name },
      data: {},
    });
    for (const name of ['one', 'two', 'three'])
      await service.create(CONFIGMAP, 'garden-race', configMap(name));
    await service.delete(CONFIGMAP, 'garden-race', 'two');
    const counted = async (kind: string, namespace: string) => {
      const { rows } = await store.pool.query<{ kept: string | null; actual: string }>(
        `SELECT (SELECT count::text FROM object_counts WHERE kind = $1 AND namespace = $2) AS kept,
           (SELECT count(*)::text FROM objects WHERE kind = $1 AND namespace = $2) AS actual`,
        [kind, namespace],
      );
      return rows[0];
    };
    expect(await counted('ConfigMap', 'garden-race')).toEqual({ kept: '2', actual: '2' });
    expect(await counted('Shoot', 'garden-race')).toEqual({
      kept: String(DEFAULT_SHOOTS),
      actual: String(DEFAULT_SHOOTS),
    });
  });

  it('leaves the garden namespace unlimited', async () => {
    const created = await outcome(service.create(SHOOT, 'garden', unnetworked('free', 'garden')));
    expect(created).toBe('created');
  });
});
