// Issue 15, outcome 11: a shoot deleted without its delete flow (its `gardener` finalizer taken
// away and the object removed behind the gardenlet's back) must not leave its control plane,
// network, firewall, seed directory or tofu workspace on the seed. The gardenlet's seed garbage
// collector removes what no shoot owns after a grace period, and never what a shoot still owns,
// even one whose deletion is in progress.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gardenletConfigFromEnv } from '@gardener-ts/gardenlet';
import { localNetworkNames } from '@gardener-ts/infra/stacks';
import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGarden, type Garden, SHOOT, until } from '../support/garden.js';
import { expectNothingLeft } from '../support/leftovers.js';

const run = promisify(execFile);
const GRACE_SECONDS = 2;

/** Every line the gardenlet logs, kept for assertions. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log = (message: unknown, context?: string) => this.lines.push(`${context ?? ''} ${String(message)}`);
  warn = (message: unknown, context?: string) => this.lines.push(`WARN ${context ?? ''} ${String(message)}`);
  error = (message: unknown, context?: string) =>
    this.lines.push(`ERROR ${context ?? ''} ${String(message)}`);
}

describe('seed garbage collection (real gardenlet, local seed)', () => {
  let garden: Garden;
  let gardenlet: INestApplicationContext;
  const logger = new CapturingLogger();
  let orphanId: string;
  let aliveId: string;

  const succeeded = (name: string) =>
    until(async () => {
      const op = (await garden.read(name)).status?.lastOperation;
      if (op?.state === 'Failed') throw new Error(`${name} failed: ${op.description}`);
      return op?.state === 'Succeeded' ? true : undefined;
    }, 240_000);

  const workspaces = async (): Promise<string[]> => {
    const client = new pg.Client({ connectionString: garden.gardenletEnv.DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        'SELECT name FROM gardener_tofu.states ORDER BY name',
      );
      return rows.map((row) => row.name);
    } finally {
      await client.end();
    }
  };

  /** The gardenlet's /metrics as Prometheus scrapes it: `name{labels}` → value. */
  const scrape = async (): Promise<Map<string, number>> => {
    const { MetricsServer } = await import('../../apps/gardenlet/src/metrics.js');
    const port = gardenlet.get(MetricsServer).address()?.port;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const samples = text.split('\n').filter((line) => line && !line.startsWith('#'));
    return new Map(
      samples.map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.split(' ').pop())]),
    );
  };

  const exists = (command: string, args: string[]) =>
    run(command, args).then(
      () => true,
      () => false,
    );

  /** What the seed holds for one shoot, as a user on the seed host would look. */
  const onSeed = async (technicalId: string) => {
    const { bridge, table } = localNetworkNames(technicalId);
    const { stdout } = await run('ps', ['-eo', 'args']);
    return {
      processes: stdout.includes(technicalId),
      bridge: await exists('ip', ['link', 'show', bridge]),
      firewall: await exists('nft', ['list', 'table', 'inet', table]),
      seedDir: existsSync(join(garden.root, 'seed', technicalId)),
      tofuDir: existsSync(join(garden.root, 'tofu', technicalId)),
      workspace: (await workspaces()).includes(technicalId),
    };
  };
  const everything = {
    processes: true,
    bridge: true,
    firewall: true,
    seedDir: true,
    tofuDir: true,
    workspace: true,
  };
  const nothing = {
    processes: false,
    bridge: false,
    firewall: false,
    seedDir: false,
    tofuDir: false,
    workspace: false,
  };

  beforeAll(async () => {
    garden = await createGarden();
    orphanId = `shoot--${garden.project}--orphan`;
    aliveId = `shoot--${garden.project}--alive`;
    Object.assign(process.env, garden.gardenletEnv);
    const config = {
      ...gardenletConfigFromEnv(garden.gardenletEnv),
      careIntervalSeconds: 3600,
      orphanGraceSeconds: GRACE_SECONDS,
      seedGcIntervalSeconds: 1,
      metricsListen: { host: '127.0.0.1', port: 0 },
    };
    const { GardenletModule } = await import('../../apps/gardenlet/src/gardenlet.module.js');
    gardenlet = await NestFactory.createApplicationContext(GardenletModule.forRoot(config), { logger });
    const octet = 150 + (Number.parseInt(garden.id, 16) % 50);
    await Promise.all([garden.createShoot('orphan', octet), garden.createShoot('alive', octet + 50)]);
    await Promise.all([succeeded('orphan'), succeeded('alive')]);
  }, 300_000);

  afterAll(async () => {
    await gardenlet?.close();
    await garden?.close();
  }, 120_000);

  it('removes every seed resource of a shoot deleted without its flow, one log line each', async () => {
    expect(await onSeed(orphanId)).toEqual(everything);
    // a garden admin (or the store itself) takes the finalizer away: the delete flow never runs
    await garden.resources.patch(SHOOT, garden.namespace, 'orphan', 'merge', {
      metadata: { finalizers: null, annotations: { 'confirmation.gardener.cloud/deletion': 'true' } },
    });
    await garden.resources.delete(SHOOT, garden.namespace, 'orphan');
    await expect(garden.read('orphan')).rejects.toMatchObject({ code: 'NotFound' });

    await until(async () => {
      const left = await onSeed(orphanId);
      return Object.values(left).every((v) => v === false) ? left : undefined;
    }, 60_000);
    await expectNothingLeft(garden, orphanId);
    const said = logger.lines.filter(
      (line) => line.includes('SeedGarbageCollector') && line.includes(orphanId),
    );
    expect(said).toEqual([
      expect.stringMatching(
        new RegExp(
          `removed orphaned control-plane ${orphanId} of ${orphanId}: no shoot has owned it for \\d+ s`,
        ),
      ),
      expect.stringMatching(
        new RegExp(`removed orphaned infrastructure ${orphanId} of ${orphanId}: no shoot has owned it`),
      ),
    ]);
    const metrics = await scrape();
    expect(metrics.get('gardenlet_seed_orphans_removed_total{kind="control-plane"}')).toBe(1);
    expect(metrics.get('gardenlet_seed_orphans_removed_total{kind="infrastructure"}')).toBe(1);
  }, 90_000);

  it('never touched the living shoot meanwhile: its control plane, network and workspace are all there', async () => {
    expect(await onSeed(aliveId)).toEqual(everything);
    const plane = await garden.seed.status(aliveId);
    expect(plane.phase).toBe('Running');
    expect(logger.lines.filter((line) => line.includes(aliveId) && line.includes('orphaned'))).toEqual([]);
  });

  it('leaves a shoot whose deletion is in progress alone; its own delete flow then removes it', async () => {
    await garden.resources.patch(SHOOT, garden.namespace, 'alive', 'merge', {
      metadata: { annotations: { 'confirmation.gardener.cloud/deletion': 'true' } },
    });
    await garden.resources.delete(SHOOT, garden.namespace, 'alive');
    expect((await garden.read('alive')).metadata.deletionTimestamp).toBeTruthy();
    // the delete is not enqueued yet: several collector passes past the grace period go by
    await sleep((GRACE_SECONDS + 4) * 1000);
    expect(await onSeed(aliveId)).toEqual(everything);
    expect((await garden.seed.status(aliveId)).phase).toBe('Running');

    const shoot = await garden.read('alive');
    await garden.queue.enqueue({ uid: shoot.metadata.uid ?? '', namespace: garden.namespace, name: 'alive' });
    await until(
      () =>
        garden.read('alive').then(
          () => undefined,
          () => true,
        ),
      180_000,
    );
    expect(await onSeed(aliveId)).toEqual(nothing);
    expect(logger.lines.filter((line) => line.includes(aliveId) && line.includes('orphaned'))).toEqual([]);
    // still only the orphan's two: the living shoot's own deletion counted nothing
    const removed = [...(await scrape())].filter(([name]) =>
      name.startsWith('gardenlet_seed_orphans_removed_total'),
    );
    expect(removed.reduce((sum, [, value]) => sum + value, 0)).toBe(2);
  }, 240_000);
});
