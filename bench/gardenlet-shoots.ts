/**
 * Create-to-Succeeded and delete-to-gone of workerless local shoots through a gardenlet, for one
 * shoot and for five at once, and the ratio of a create to a bare control-plane start measured in
 * the same run. Targets (issue 7): one shoot <= 20 s, ratio <= 2.0, delete <= 10 s.
 * The bare start and the one shoot alternate `--runs` times (at most 5); figures are medians.
 *
 * `--via api`: the gardenlet reads and writes through the garden API with a seed credential (as
 * `npm run up` runs it) instead of the garden's database in its own process.
 *
 *   npm run build && npm run bench -- bench/gardenlet-shoots.ts [--runs 3] [--via database|api]
 */
import { parseArgs } from 'node:util';
import type { LoggerService } from '@nestjs/common';
import { createGarden, until } from '../test/support/garden.js';
import { shootGone, startGardenlet } from './support.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, via: { type: 'string', default: 'database' } },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 5) throw new Error('--runs must be 1 to 5');
const via = values.via;
if (via !== 'database' && via !== 'api') throw new Error('--via must be database or api');
/** node networks 10.10.230-245 are the benchmarks': one shoot per run 230-234, five at once 240-244 */
const ONE_OCTET = 230;
const FIVE_OCTET = 240;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const list = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');

/** The gardenlet's `Flow` log lines, as task durations of each shoot's create: where the time goes. */
class TaskTimings implements LoggerService {
  readonly byShoot = new Map<string, Map<string, number>>();
  log(message: string, context?: string): void {
    const match = /^reconcile shoot--[a-z0-9-]+?--(\S+): task (\S+) succeeded in ([\d.]+) s$/.exec(message);
    if (context !== 'Flow' || !match) return;
    const [, shoot = '', task = '', took = ''] = match;
    const tasks = this.byShoot.get(shoot) ?? new Map<string, number>();
    tasks.set(task, Number(took));
    this.byShoot.set(shoot, tasks);
  }
  error(): void {}
  warn(): void {}
}

const garden = await createGarden();
const timings = new TaskTimings();
const gardenlet = await startGardenlet(garden, timings, via);

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

const succeeded = (name: string) =>
  until(
    async () => ((await garden.read(name)).status?.lastOperation?.state === 'Succeeded' ? true : undefined),
    300_000,
  );
const gone = (name: string) => shootGone(garden, name, 300_000);

async function createAndDelete(names: string[], firstOctet: number) {
  const create = await seconds(async () => {
    await Promise.all(names.map((name, i) => garden.createShoot(name, firstOctet + i)));
    await Promise.all(names.map(succeeded));
  });
  const remove = await seconds(async () => {
    await Promise.all(names.map((name) => garden.deleteShoot(name)));
    await Promise.all(names.map(gone));
  });
  return { create, remove };
}

async function bareControlPlane(run: number): Promise<number> {
  const bareId = `bench-bare-${garden.id}-${run}`;
  const bare = await seconds(async () => {
    await garden.seed.deploy({ id: bareId, listenAddress: '127.0.0.1', serviceCidr: '100.104.0.0/13' });
    await garden.seed.waitReady(bareId, { timeoutMs: 120_000 });
  });
  await garden.seed.destroy(bareId);
  return bare;
}

try {
  const bare: number[] = [];
  const create: number[] = [];
  const remove: number[] = [];
  const ratio: number[] = [];
  for (let run = 0; run < runs; run++) {
    bare.push(await bareControlPlane(run));
    const one = await createAndDelete([`one-${run}`], ONE_OCTET + run);
    create.push(one.create);
    remove.push(one.remove);
    ratio.push(one.create / (bare.at(-1) ?? Number.NaN));
  }
  const five = await createAndDelete(['f1', 'f2', 'f3', 'f4', 'f5'], FIVE_OCTET);
  console.log(`${runs} run(s), gardenlet reaches the garden via ${via}; medians, samples in brackets`);
  console.log(`bare control plane (deploy to /readyz): ${median(bare).toFixed(1)} s [${list(bare)}]`);
  console.log(
    `one shoot:   create to Succeeded ${median(create).toFixed(1)} s [${list(create)}] (target 20), delete to gone ${median(remove).toFixed(1)} s [${list(remove)}] (target 10)`,
  );
  console.log(
    `five at once: create to all Succeeded ${five.create.toFixed(1)} s, delete to all gone ${five.remove.toFixed(1)} s`,
  );
  const tasks = new Set([...timings.byShoot.values()].flatMap((t) => [...t.keys()]));
  for (const task of tasks) {
    const taken = Array.from({ length: runs }, (_, run) => timings.byShoot.get(`one-${run}`)?.get(task) ?? 0);
    console.log(`  one shoot, task ${task}: ${median(taken).toFixed(1)} s [${list(taken)}]`);
  }
  console.log(
    `ratio create / bare control plane: ${median(ratio).toFixed(2)} [${ratio.map((r) => r.toFixed(2)).join(', ')}] (target 2.0)`,
  );
} finally {
  await gardenlet.close();
  await garden.close();
}
