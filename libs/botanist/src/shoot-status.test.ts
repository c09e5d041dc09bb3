import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleCloudProfile, exampleProject, exampleShoot, resourceByKind } from '@gardener-ts/api';
import { GardenClient, InProcessTransport } from '@gardener-ts/client';
import { ExtensionError, GardenerErrorCode } from '@gardener-ts/extensions';
import { createTestDatabase, openStore, ResourceService, type Store } from '@gardener-ts/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOOT, ShootStatusWriter } from './shoot-status.js';
import { shootHealth } from './status-label.js';

const HOUR = 3_600_000;

describe('ShootStatusWriter', () => {
  let root: string;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let store: Store;
  let resources: ResourceService;
  let clock = Date.parse('2026-11-25T10:00:00Z');
  const now = () => new Date(clock);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gardener-ts-status-'));
    database = await createTestDatabase('gardener_ts_status');
    store = await openStore({ databaseUrl: database.url, keyFile: join(root, 'key') });
    resources = new ResourceService(store.repository, store.watches);
    const cloudProfile = resourceByKind('CloudProfile');
    const project = resourceByKind('Project');
    if (!cloudProfile || !project) throw new Error('kinds missing');
    await resources.create(cloudProfile, undefined, exampleCloudProfile());
    await resources.create(project, undefined, exampleProject('st'));
    await resources.create(SHOOT, 'garden-st', exampleShoot('s1', 'garden-st'));
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
    await rm(root, { recursive: true, force: true });
  });

  const failure = [{ taskId: 'deploy-infrastructure', error: new ExtensionError('busy') }];
  const window = { finalCause: false, progress: 40, retryWindowMs: 12 * HOUR };

  it('an error within the retry window will be retried; past it the operation is Failed', async () => {
    const writer = new ShootStatusWriter(
      new GardenClient(new InProcessTransport(resources)),
      'garden-st',
      's1',
      now,
    );
    await writer.progress('Create', 40, 'running deploy-infrastructure');
    expect(await writer.failed('Create', failure, window)).toBe(false);
    let shoot = await writer.read();
    expect(shoot.status?.lastOperation).toMatchObject({ state: 'Error', progress: 40 });
    expect(shoot.metadata.labels?.['shoot.gardener.cloud/status']).toBe('unhealthy');
    expect(shoot.status?.lastOperation?.description).toContain('(will be retried)');
    expect(shoot.status?.lastErrors).toEqual([
      expect.objectContaining({ taskID: 'deploy-infrastructure', description: 'busy' }),
    ]);
    expect(shoot.status?.retryCycleStartTime).toBe('2026-11-25T10:00:00Z');

    clock += 13 * HOUR;
    expect(await writer.failed('Create', failure, window)).toBe(true);
    shoot = await writer.read();
    expect(shoot.status?.lastOperation?.state).toBe('Failed');
  });

  it('a run after Failed starts a new retry cycle, and progress of one operation never goes back', async () => {
    const writer = new ShootStatusWriter(
      new GardenClient(new InProcessTransport(resources)),
      'garden-st',
      's1',
      now,
    );
    await writer.progress('Create', 10, 'starting again');
    let shoot = await writer.read();
    expect(shoot.status?.retryCycleStartTime).toBeUndefined();
    expect(shoot.status?.lastOperation).toMatchObject({ state: 'Processing', progress: 40 });
    expect(shoot.metadata.labels?.['shoot.gardener.cloud/status']).toBe('progressing');
    expect(await writer.failed('Create', failure, window)).toBe(false);
    await writer.succeeded('Create', 'done', () => {});
    shoot = await writer.read();
    expect(shoot.status?.lastOperation).toMatchObject({ state: 'Succeeded', progress: 100 });
    expect(shoot.metadata.labels?.['shoot.gardener.cloud/status']).toBe('healthy');
    expect(shoot.status?.lastErrors).toBeUndefined();
    expect(shoot.status?.observedGeneration).toBe(shoot.metadata.generation);
  });

  it('a final cause is Failed at once, and lastErrors show its Gardener codes', async () => {
    const writer = new ShootStatusWriter(
      new GardenClient(new InProcessTransport(resources)),
      'garden-st',
      's1',
      now,
    );
    const quota = new ExtensionError('quota exceeded', [GardenerErrorCode.InfraQuotaExceeded]);
    const failures = [{ taskId: 'deploy-infrastructure', error: quota }];
    expect(await writer.failed('Reconcile', failures, { ...window, finalCause: true })).toBe(true);
    const shoot = await writer.read();
    expect(shoot.status?.lastOperation?.state).toBe('Failed');
    expect(shoot.status?.observedGeneration).toBe(shoot.metadata.generation);
    expect(shoot.status?.lastErrors).toEqual([
      expect.objectContaining({ taskID: 'deploy-infrastructure', codes: ['ERR_INFRA_QUOTA_EXCEEDED'] }),
    ]);
  });
});

describe('shootHealth', () => {
  const shoot = (status: Record<string, unknown>) =>
    ({ ...exampleShoot('h', 'garden-st'), status }) as Parameters<typeof shootHealth>[0];
  const succeeded = {
    type: 'Create',
    state: 'Succeeded',
    progress: 100,
    description: '',
    lastUpdateTime: '',
  };
  it.each([
    ['no operation yet', {}, 'unknown'],
    [
      'succeeded, all conditions True',
      { lastOperation: succeeded, conditions: [{ type: 'A', status: 'True' }] },
      'healthy',
    ],
    [
      'succeeded, a condition False',
      { lastOperation: succeeded, conditions: [{ type: 'A', status: 'False' }] },
      'unhealthy',
    ],
    ['processing', { lastOperation: { ...succeeded, state: 'Processing' } }, 'progressing'],
    ['failed', { lastOperation: { ...succeeded, state: 'Failed' } }, 'unhealthy'],
    [
      'hibernated',
      { lastOperation: succeeded, hibernated: true, conditions: [{ type: 'A', status: 'False' }] },
      'healthy',
    ],
  ])('%s → %s', (_, status, expected) => {
    expect(shootHealth(shoot(status))).toBe(expected);
  });
});
