/**
 * What one gardenlet that reaches the garden only through its API (as a seed, issue 17 outcome 7)
 * costs the API and itself while it keeps N running shoots: N workerless local shoots are created
 * and reach Succeeded; then for `--idle` seconds the gardenlet only keeps them (care every 60 s,
 * machine sync every 10 s, its heartbeat, the bastion watch and resync, the hibernation and
 * maintenance checks). Prints the gardenlet's request rate to the API by verb and kind, latency
 * p50/p99 as the gardenlet saw it, its CPU (this process, which also holds the test garden's idle
 * store handle) and the API process's CPU.
 *
 *   npm run build && npm run bench -- bench/gardenlet-api-load.ts [--shoots 20] [--idle 120]
 */
import { subscribe } from 'node:diagnostics_channel';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createGarden, until } from '../test/support/garden.js';
import { shootGone, startGardenlet } from './support.js';

const { values } = parseArgs({
  options: { shoots: { type: 'string', default: '20' }, idle: { type: 'string', default: '120' } },
});
const shoots = Number(values.shoots);
const idleSeconds = Number(values.idle);
if (!Number.isInteger(shoots) || shoots < 1 || shoots > 20) throw new Error('--shoots must be 1 to 20');
if (!Number.isInteger(idleSeconds) || idleSeconds < 30) throw new Error('--idle must be at least 30 (s)');
/** node networks 10.10.200-219 are this benchmark's */
const FIRST_OCTET = 200;
const CLOCK_TICKS = 100;

/** Every request this process makes to the API (undici's diagnostics channels), with its latency. */
class RequestLog {
  private readonly started = new WeakMap<object, { at: number; label: string }>();
  readonly done: { label: string; ms: number }[] = [];
  counting = false;

  constructor(private readonly origin: string) {
    subscribe('undici:request:create', (message) => {
      const { request } = message as { request: { origin: string; method: string; path: string } };
      if (!this.counting || request.origin !== this.origin) return;
      this.started.set(request, { at: performance.now(), label: labelOf(request.method, request.path) });
    });
    subscribe('undici:request:headers', (message) => {
      const { request } = message as { request: object };
      const start = this.started.get(request);
      if (start) this.done.push({ label: start.label, ms: performance.now() - start.at });
    });
  }
}

/** `GET shoots (list)`, `PUT shoots/status`, `GET shoots (watch)`: what the request did, not to which object. */
function labelOf(method: string, path: string): string {
  const [route = '', query = ''] = path.split('?');
  const parts = route.split('/').filter(Boolean);
  const namespaced = parts.indexOf('namespaces');
  const rest = namespaced >= 0 ? parts.slice(namespaced + 2) : parts.slice(parts[0] === 'api' ? 2 : 3);
  const [plural = '?', name, subresource] = rest;
  if (/(^|&)watch=(1|true)/.test(query)) return `${method} ${plural} (watch)`;
  if (!name) return `${method} ${plural} (list)`;
  return `${method} ${plural}${subresource ? `/${subresource}` : ''}`;
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? Number.NaN;

async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

const garden = await createGarden();
const gardenlet = await startGardenlet(garden, false, 'api', { careIntervalSeconds: 60 });
const api = gardenlet.api;
if (!api?.child.pid) throw new Error('the garden API did not start');
const requests = new RequestLog(new URL(api.url).origin);
const names = Array.from({ length: shoots }, (_, i) => `load${i}`);
try {
  const createdAt = performance.now();
  for (const [i, name] of names.entries()) await garden.createShoot(name, FIRST_OCTET + i);
  for (const name of names)
    await until(
      async () => ((await garden.read(name)).status?.lastOperation?.state === 'Succeeded' ? true : undefined),
      900_000,
    );
  console.log(`${shoots} shoots Succeeded in ${((performance.now() - createdAt) / 1000).toFixed(1)} s`);
  for (const name of names) await garden.idle(name);

  const ownBefore = process.cpuUsage();
  const apiBefore = await cpuSecondsOf(api.child.pid);
  const wallBefore = performance.now();
  requests.counting = true;
  await sleep(idleSeconds * 1000);
  requests.counting = false;
  const wall = (performance.now() - wallBefore) / 1000;
  const own = process.cpuUsage(ownBefore);
  const apiCpu = (await cpuSecondsOf(api.child.pid)) - apiBefore;

  const byLabel = new Map<string, number[]>();
  for (const { label, ms } of requests.done) byLabel.set(label, [...(byLabel.get(label) ?? []), ms]);
  const all = requests.done.map((r) => r.ms);
  console.log(`\nidle, ${shoots} shoots, ${wall.toFixed(0)} s: the gardenlet's requests to the garden API`);
  console.log('  request                          count   per s   p50 ms   p99 ms');
  for (const [label, ms] of [...byLabel].sort((a, b) => b[1].length - a[1].length))
    console.log(
      `  ${label.padEnd(32)} ${String(ms.length).padStart(5)} ${(ms.length / wall).toFixed(2).padStart(7)} ${percentile(ms, 0.5).toFixed(1).padStart(8)} ${percentile(ms, 0.99).toFixed(1).padStart(8)}`,
    );
  console.log(
    `  ${'all'.padEnd(32)} ${String(all.length).padStart(5)} ${(all.length / wall).toFixed(2).padStart(7)} ${percentile(all, 0.5).toFixed(1).padStart(8)} ${percentile(all, 0.99).toFixed(1).padStart(8)}`,
  );
  const gardenletMilliCpu = ((own.user + own.system) / 1e6 / wall) * 1000;
  console.log(
    `  per shoot: ${(all.length / wall / shoots).toFixed(3)} requests/s; gardenlet CPU ${gardenletMilliCpu.toFixed(1)} mCPU (${(gardenletMilliCpu / shoots).toFixed(2)} per shoot); API CPU ${((apiCpu / wall) * 1000).toFixed(1)} mCPU`,
  );
} finally {
  for (const name of names) await garden.deleteShoot(name).catch(() => undefined);
  for (const name of names) await shootGone(garden, name, 600_000).catch(() => undefined);
  await gardenlet.close();
  await garden.close();
}
