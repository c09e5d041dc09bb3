/**
 * Reconcile and destroy times of the local cloud's infrastructure stack (bridge, firewall, SSH key)
 * through the OpenTofu runner, state in PostgreSQL.
 *
 *   node --import ./scripts/dev/register-ts.mjs bench/tofu-local-stack.ts [--warm 5]
 *
 * cold: a new working directory (tofu init, workspace creation, first apply); warm: a reconcile
 * that finds nothing to do. Target (issue 6): warm reconcile <= 3 s.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localInfrastructureStack } from '@gardener-ts/infra/stacks';
import { createTestDatabase } from '@gardener-ts/infra/testing';
import { loadOrCreateStateKey, TofuRunner } from '@gardener-ts/infra/tofu';

const { values } = parseArgs({ options: { warm: { type: 'string', default: '5' } } });
const WARM_TARGET_SECONDS = 3;

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

const database = await createTestDatabase('gardener_ts_bench');
const root = await mkdtemp(join(tmpdir(), 'gardener-ts-bench-tofu-'));
try {
  const stateKey = await loadOrCreateStateKey(join(root, 'state.key'));
  const runner = new TofuRunner({ databaseUrl: database.url, workRoot: join(root, 'work'), stateKey });
  const workspace = `shoot--bench--net${process.pid}`;
  const stack = localInfrastructureStack({ technicalId: workspace, nodesCidr: '10.254.9.0/24' });

  const cold = await seconds(() => runner.reconcile(stack, workspace));
  const warm: number[] = [];
  for (let i = 0; i < Number(values.warm); i++)
    warm.push(await seconds(() => runner.reconcile(stack, workspace)));
  const destroy = await seconds(() => runner.destroy(stack, workspace));

  warm.sort((a, b) => a - b);
  const median = warm[Math.floor(warm.length / 2)] ?? Number.NaN;
  console.log(`cold reconcile (init + workspace + apply): ${cold.toFixed(2)} s`);
  console.log(
    `warm reconcile, no change (n=${warm.length}): median ${median.toFixed(2)} s, ` +
      `min ${warm[0]?.toFixed(2)} s, max ${warm.at(-1)?.toFixed(2)} s`,
  );
  console.log(`destroy (resources + workspace + working dir): ${destroy.toFixed(2)} s`);
  console.log(
    `warm/cold ratio: ${(median / cold).toFixed(2)}; warm vs target ${WARM_TARGET_SECONDS} s: ` +
      `${(median / WARM_TARGET_SECONDS).toFixed(2)}x (${median <= WARM_TARGET_SECONDS ? 'met' : 'missed'})`,
  );
} finally {
  await database.drop();
  await rm(root, { recursive: true, force: true });
}
