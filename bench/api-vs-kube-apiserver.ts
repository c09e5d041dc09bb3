/**
 * Our garden API against the peer a Gardener user already has (kube-apiserver + etcd with a Shoot
 * CRD), on this machine, one after the other, with the same open-loop load over HTTPS and a bearer
 * token, and the same Shoot objects (exampleShoot, distinct names). Prints each figure for both and
 * the ratio ours/peer (issue 18):
 *   create p50/p99 and achieved rate at --rate (and at --fast-rate, a second batch of new names),
 *   GET p50/p99 at --get-rate for --get-seconds, full list time (--lists lists, pages of 500),
 *   watch fan-out (--watchers watches, delivery p50/p99 of a burst of --burst label updates),
 *   CPU per create at --rate (ours: the API, the PostgreSQL backends of its database and the WAL
 *   writer, redis-server; peer: kube-apiserver and etcd),
 *   RSS after the load and its peak: kube-apiserver + etcd against the API process alone
 *   (PostgreSQL and Redis, shared servers of this machine, are not counted).
 *
 *   npm run bench -- bench/api-vs-kube-apiserver.ts [--creates 10000] [--rate 200] [--fast-rate 400]
 *     [--get-rate 1000] [--get-seconds 10] [--lists 5] [--watchers 100] [--burst 100]
 *     [--warmup 200] [--short] [--sides both|ours|peer] [--api-from source|dist] [--peer-gogc N] [--cpu-prof DIR]
 *
 * --cpu-prof DIR: a V8 CPU profile of our API process during the creates at --rate, DIR/1.cpuprofile.
 * --short: the few-second load CI runs after the tests (300 creates at 100/s, 2 s of GETs at 300/s,
 * 2 lists, 20 watchers; explicit options still override); its ratios are shown, not asserted.
 * Quick try: --creates 1000. --fast-rate 0 skips the second create batch. Both servers first take
 * --warmup creates at 100/s, unmeasured. Our garden gets one seed per 250 shoots (a Gardener seed's
 * usual capacity), so every shoot is scheduled and given a node network, as in a real landscape.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exampleShoot, type Shoot } from '@gardener-ts/api';
import { SHOOTS_PER_SEED, startGardenApi } from './load/garden-api.js';
import { startPeer } from './load/peer-apiserver.js';
import {
  createShoots,
  getShoots,
  type ListFigures,
  type LoadFigures,
  listShoots,
  type WatchFigures,
  watchFanOut,
} from './load/phases.js';
import { type BenchServer, cpuDuring, type Memory, serverMemory } from './load/server.js';

/** The full load (issue 18's figures) and the short one CI runs after the tests, to show the ratios. */
const PRESETS = {
  full: {
    creates: '10000',
    rate: '200',
    'fast-rate': '400',
    'get-rate': '1000',
    'get-seconds': '10',
    lists: '5',
    watchers: '100',
    burst: '100',
    warmup: '200',
  },
  short: {
    creates: '300',
    rate: '100',
    'fast-rate': '0',
    'get-rate': '300',
    'get-seconds': '2',
    lists: '2',
    watchers: '20',
    burst: '20',
    warmup: '50',
  },
} as const;
type LoadOption = keyof typeof PRESETS.full;

const { values: given } = parseArgs({
  options: {
    ...(Object.fromEntries(Object.keys(PRESETS.full).map((name) => [name, { type: 'string' }])) as Record<
      LoadOption,
      { type: 'string' }
    >),
    short: { type: 'boolean', default: false },
    sides: { type: 'string', default: 'both' },
    'api-from': { type: 'string', default: 'source' },
    'peer-gogc': { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
const preset = given.short ? PRESETS.short : PRESETS.full;
const values = {
  ...given,
  ...Object.fromEntries(Object.entries(preset).map(([k, v]) => [k, given[k as LoadOption] ?? v])),
} as typeof given & Record<LoadOption, string>;

const count = (name: LoadOption | 'peer-gogc', min = 0): number => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return value;
};
const settings = {
  creates: count('creates', 1),
  rate: count('rate', 1),
  fastRate: count('fast-rate'),
  getRate: count('get-rate', 1),
  getSeconds: count('get-seconds', 1),
  lists: count('lists', 1),
  watchers: count('watchers', 1),
  burst: count('burst', 1),
  warmup: count('warmup'),
};
/** shoots each server holds at the end */
const TOTAL = settings.warmup + settings.creates * (settings.fastRate > 0 ? 2 : 1);
/**
 * Seeds of our garden, so that every shoot is scheduled (the peer has no scheduler), filled to 80 %
 * at most: near a full seed, concurrent creates can be bound to it and refused (see the README).
 */
const SEEDS = Math.ceil(TOTAL / (0.8 * SHOOTS_PER_SEED));
if (settings.burst > settings.creates) throw new Error('--burst must not exceed --creates');
if (!['both', 'ours', 'peer'].includes(values.sides ?? ''))
  throw new Error('--sides must be both, ours or peer');
if (!['source', 'dist'].includes(values['api-from'] ?? ''))
  throw new Error('--api-from must be source or dist');
const peerGoGC = values['peer-gogc'] === undefined ? undefined : count('peer-gogc', 1);

interface SideFigures {
  readonly server: string;
  readonly namespace: string;
  readonly create: LoadFigures;
  /** CPU milliseconds per create at --rate, by process (group) */
  readonly createCpu: Record<string, number>;
  readonly createFast?: LoadFigures;
  readonly get: LoadFigures;
  readonly list: ListFigures;
  readonly watch: WatchFigures;
  readonly memory: { parts: Record<string, Memory>; total: Memory };
}

/** The same shoot for both servers: no node network, so our scheduler gives it one of the seed's. */
function benchShoot(namespace: string): (name: string) => Shoot {
  return (name) => {
    const shoot = exampleShoot(name, namespace);
    delete shoot.spec.networking.nodes;
    return shoot;
  };
}

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Every phase against one server, in order; prints as it goes. */
async function drive(server: BenchServer, namespace: string): Promise<SideFigures> {
  const { target } = server;
  const shoot = benchShoot(namespace);
  const created = names('s', settings.creates);
  const log = (phase: string, figures: object) => console.log(`  ${server.name} ${phase}: ${brief(figures)}`);
  if (settings.warmup > 0)
    log('warm-up creates', await createShoots(target, namespace, names('w', settings.warmup), 100, shoot));
  const profiled = <T>(fn: () => Promise<T>) => (server.profile ? server.profile(fn) : fn());
  const { result: create, cpuMs } = await cpuDuring(server, () =>
    profiled(() => createShoots(target, namespace, created, settings.rate, shoot)),
  );
  log(`create at ${settings.rate}/s`, create);
  const createCpu = perCreate(cpuMs, settings.creates);
  log('CPU ms per create', createCpu);
  const get = await getShoots(target, namespace, created, settings.getRate, settings.getSeconds);
  log(`GET at ${settings.getRate}/s`, get);
  const list = await listShoots(target, namespace, settings.lists);
  log('full list', list);
  const watch = await watchFanOut(target, namespace, settings.watchers, created.slice(0, settings.burst));
  log('watch fan-out', watch);
  let createFast: LoadFigures | undefined;
  if (settings.fastRate > 0) {
    createFast = await createShoots(
      target,
      namespace,
      names('f', settings.creates),
      settings.fastRate,
      shoot,
    );
    log(`create at ${settings.fastRate}/s`, createFast);
  }
  const memory = await serverMemory(server);
  log('memory (MiB)', memory.parts);
  return { server: server.name, namespace, create, createCpu, createFast, get, list, watch, memory };
}

function perCreate(cpuMs: Record<string, number>, creates: number): Record<string, number> {
  return Object.fromEntries(Object.entries(cpuMs).map(([name, ms]) => [name, ms / creates]));
}

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

function brief(figures: object): string {
  return JSON.stringify(figures, (_, v) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v));
}

async function runOurs(): Promise<SideFigures> {
  const profileDir = values['cpu-prof'] ? resolve(values['cpu-prof']) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const api = await startGardenApi({
    quota: TOTAL,
    seeds: SEEDS,
    fromDist: values['api-from'] === 'dist',
    profileDir,
  });
  try {
    console.log(`gardener-api at ${api.target.url} (from ${values['api-from']}), namespace ${api.namespace}`);
    return await drive(api, api.namespace);
  } finally {
    await api.stop();
  }
}

async function runPeer(namespace: string): Promise<SideFigures> {
  const peer = await startPeer({ namespace, goGC: peerGoGC });
  try {
    console.log(
      `kube-apiserver + etcd at ${peer.target.url} (GOGC ${peerGoGC ?? 'default'}), namespace ${namespace}`,
    );
    return await drive(peer, namespace);
  } finally {
    await peer.stop();
  }
}

type Row = [label: string, unit: string, pick: (side: SideFigures) => number | undefined];

const ROWS: Row[] = [
  [`create p50 at ${settings.rate}/s`, 'ms', (s) => s.create.p50],
  [`create p99 at ${settings.rate}/s`, 'ms', (s) => s.create.p99],
  [`create achieved (offered ${settings.rate}/s)`, '/s', (s) => s.create.achievedRate],
  [`create p50 at ${settings.fastRate}/s`, 'ms', (s) => s.createFast?.p50],
  [`create p99 at ${settings.fastRate}/s`, 'ms', (s) => s.createFast?.p99],
  [`create achieved (offered ${settings.fastRate}/s)`, '/s', (s) => s.createFast?.achievedRate],
  [`GET p50 at ${settings.getRate}/s`, 'ms', (s) => s.get.p50],
  [`GET p99 at ${settings.getRate}/s`, 'ms', (s) => s.get.p99],
  [`full list p50 (${settings.lists} lists, limit 500)`, 'ms', (s) => s.list.p50],
  [`watch delivery p50 (${settings.watchers} watchers)`, 'ms', (s) => s.watch.p50],
  [`watch delivery p99 (${settings.watchers} watchers)`, 'ms', (s) => s.watch.p99],
  [`CPU per create at ${settings.rate}/s, all processes`, 'ms', (s) => sum(s.createCpu)],
  ['RSS after the load', 'MiB', (s) => s.memory.total.rss],
  ['peak RSS', 'MiB', (s) => s.memory.total.peak],
];

function report(ours: SideFigures | undefined, peer: SideFigures | undefined): void {
  const cell = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(v >= 100 ? 0 : 1)).padStart(10);
  console.log(`\n${'figure'.padEnd(44)} ${'ours'.padStart(10)} ${'peer'.padStart(10)}  unit  ours/peer`);
  for (const [label, unit, pick] of ROWS) {
    const [a, b] = [ours && pick(ours), peer && pick(peer)];
    if (a === undefined && b === undefined) continue;
    const ratio = a !== undefined && b !== undefined && b > 0 ? (a / b).toFixed(2) : '—';
    console.log(`${label.padEnd(44)} ${cell(a)} ${cell(b)}  ${unit.padEnd(4)}  ${ratio}`);
  }
  for (const side of [ours, peer]) if (side) errorsOf(side);
  console.log(
    '\nCPU per create: ours = gardener-api + the PostgreSQL backends of its database and the WAL writer + redis-server (shared); peer = kube-apiserver + etcd.',
  );
  console.log(
    'RSS counted: ours = the gardener-api process alone (PostgreSQL and Redis not counted); peer = kube-apiserver + etcd.',
  );
  console.log(
    'Ratios: below 1 is ours ahead for times and memory; above 1 is ours ahead for achieved rates.',
  );
}

function errorsOf(side: SideFigures): void {
  const phases: [string, LoadFigures | undefined][] = [
    ['create', side.create],
    ['create (fast)', side.createFast],
    ['GET', side.get],
  ];
  for (const [phase, figures] of phases)
    if (figures?.errors)
      console.log(`${side.server} ${phase}: ${figures.errors} errors, first: ${figures.firstError}`);
  if (side.watch.missing) console.log(`${side.server} watch: ${side.watch.missing} events missing`);
  if (side.list.items !== settings.creates + settings.warmup)
    console.log(
      `${side.server} list: ${side.list.items} shoots listed, ${settings.creates + settings.warmup} created`,
    );
}

console.log(
  `api-vs-kube-apiserver: ${settings.creates} creates at ${settings.rate}/s` +
    `${settings.fastRate ? ` and ${settings.creates} at ${settings.fastRate}/s` : ''}, GET at ${settings.getRate}/s for ${settings.getSeconds} s, ` +
    `${settings.lists} full lists, ${settings.watchers} watchers × ${settings.burst} updates` +
    ` (after ${settings.warmup} warm-up creates); our garden has ${SEEDS} seeds of ${SHOOTS_PER_SEED} shoots besides \`local\``,
);
const sides = values.sides;
const ours = sides === 'peer' ? undefined : await runOurs();
// the same namespace name, so both store the same objects byte for byte
const peer = sides === 'ours' ? undefined : await runPeer(ours?.namespace ?? 'garden-dev');
report(ours, peer);
