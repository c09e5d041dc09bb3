/**
 * The load phases of the side-by-side API benchmark, each against one server over HTTPS: creates
 * and GETs open loop, full paginated lists, and a watch fan-out (many watchers, a burst of updates).
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Shoot } from '@gardener-ts/api';
import type { HttpsTarget } from './https-target.js';
import { type Latencies, openLoop, type Percentiles, percentiles } from './open-loop.js';

export interface LoadFigures extends Percentiles {
  readonly errors: number;
  readonly achievedRate: number;
  /** the first unexpected answer, to tell what went wrong */
  readonly firstError?: string;
}

const shootsPath = (namespace: string) => `/apis/core.gardener.cloud/v1beta1/namespaces/${namespace}/shoots`;

/** openLoop, remembering the first answer that was not `ok`. */
async function measured(
  count: number,
  rate: number,
  send: (i: number) => Promise<{ status: number; body: string }>,
  ok: number,
): Promise<LoadFigures> {
  let firstError: string | undefined;
  const result: Latencies = await openLoop(
    count,
    rate,
    async (i) => {
      const answer = await send(i).catch((error: Error) => ({ status: 0, body: error.message }));
      if (answer.status !== ok) firstError ??= `${answer.status} ${answer.body.slice(0, 300)}`;
      return answer;
    },
    ok,
  );
  return {
    ...percentiles(result.latencies),
    errors: result.errors,
    achievedRate: result.achievedRate,
    ...(firstError ? { firstError } : {}),
  };
}

/** POSTs one shoot per name at `rate` per second. */
export function createShoots(
  target: HttpsTarget,
  namespace: string,
  names: readonly string[],
  rate: number,
  shoot: (name: string) => Shoot,
): Promise<LoadFigures> {
  const path = shootsPath(namespace);
  return measured(names.length, rate, (i) => target.call('POST', path, shoot(names[i] ?? '')), 201);
}

/** GETs shoots picked at random from `names` at `rate` per second for `seconds`. */
export function getShoots(
  target: HttpsTarget,
  namespace: string,
  names: readonly string[],
  rate: number,
  seconds: number,
): Promise<LoadFigures> {
  const path = shootsPath(namespace);
  const pick = () => names[Math.floor(Math.random() * names.length)];
  return measured(rate * seconds, rate, () => target.call('GET', `${path}/${pick()}`), 200);
}

export interface ListFigures extends Percentiles {
  /** shoots in the last full list */
  readonly items: number;
  readonly pages: number;
}

/** `rounds` full lists of the namespace's shoots, one page of `limit` after another. */
export async function listShoots(
  target: HttpsTarget,
  namespace: string,
  rounds: number,
  limit = 500,
): Promise<ListFigures> {
  const times: number[] = [];
  let items = 0;
  let pages = 0;
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    ({ items, pages } = await fullList(target, shootsPath(namespace), limit));
    times.push(performance.now() - started);
  }
  return { ...percentiles(times), items, pages };
}

async function fullList(target: HttpsTarget, path: string, limit: number) {
  let items = 0;
  let pages = 0;
  let next = '';
  do {
    const query = `limit=${limit}${next ? `&continue=${encodeURIComponent(next)}` : ''}`;
    const page = JSON.parse(await target.must('GET', `${path}?${query}`, 200)) as {
      items: unknown[];
      metadata: { continue?: string };
    };
    items += page.items.length;
    pages++;
    next = page.metadata.continue ?? '';
  } while (next);
  return { items, pages };
}

export interface WatchFigures extends Percentiles {
  readonly watchers: number;
  readonly updates: number;
  /** events expected (watchers × updates) that did not arrive within the timeout */
  readonly missing: number;
  /** latency of the updates themselves (merge patches sent all at once) */
  readonly patch: Percentiles;
}

const BURST_LABEL = 'bench.gardener-ts.io/burst';
const BURST_MARK = /"bench\.gardener-ts\.io\/burst":"b(\d+)"/;

/**
 * `watchers` watches of the namespace's shoots from its current resourceVersion; then one label
 * update per name, all sent at once. Delivery latency: from an update's send to its event's arrival
 * at each watcher (the first event carrying the update's label value).
 */
export async function watchFanOut(
  target: HttpsTarget,
  namespace: string,
  watchers: number,
  names: readonly string[],
  timeoutMs = 30_000,
): Promise<WatchFigures> {
  const path = shootsPath(namespace);
  const list = JSON.parse(await target.must('GET', `${path}?limit=1`, 200)) as {
    metadata: { resourceVersion: string };
  };
  const abort = new AbortController();
  setMaxListeners(watchers + 10, abort.signal);
  const arrivals = Array.from({ length: watchers }, () => new Map<number, number>());
  try {
    const query = `watch=true&resourceVersion=${list.metadata.resourceVersion}`;
    await Promise.all(
      arrivals.map((seen) =>
        target.watch(`${path}?${query}`, abort.signal, (line) => noteArrival(line, seen)),
      ),
    );
    await sleep(500);
    const sent = names.map(() => performance.now());
    const patches = await Promise.all(names.map((name, i) => patchLabel(target, `${path}/${name}`, i, sent)));
    const expected = watchers * names.length;
    const deadline = performance.now() + timeoutMs;
    while (delivered(arrivals) < expected && performance.now() < deadline) await sleep(20);
    const latencies = arrivals.flatMap((seen) => [...seen].map(([i, at]) => at - (sent[i] ?? at)));
    return {
      ...percentiles(latencies),
      watchers,
      updates: names.length,
      missing: expected - latencies.length,
      patch: percentiles(patches),
    };
  } finally {
    abort.abort();
  }
}

function noteArrival(line: string, seen: Map<number, number>): void {
  const mark = BURST_MARK.exec(line);
  if (!mark) return;
  const i = Number(mark[1]);
  if (!seen.has(i)) seen.set(i, performance.now());
}

function delivered(arrivals: readonly Map<number, number>[]): number {
  return arrivals.reduce((sum, seen) => sum + seen.size, 0);
}

/** Sets the burst label on one shoot; resolves with the patch's latency. */
async function patchLabel(target: HttpsTarget, path: string, i: number, sent: number[]): Promise<number> {
  sent[i] = performance.now();
  const body = { metadata: { labels: { [BURST_LABEL]: `b${i}` } } };
  const answer = await target.call('PATCH', path, body, 'merge');
  if (answer.status !== 200) throw new Error(`PATCH ${path}: ${answer.status} ${answer.body.slice(0, 300)}`);
  return performance.now() - (sent[i] ?? 0);
}
