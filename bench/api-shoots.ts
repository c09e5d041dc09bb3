/**
 * Garden API under load: stores N shoots (10,000 by default) through the REST API and reports
 * create, GET and paginated-list latencies. Open loop: requests leave on a fixed schedule whatever
 * the server does, and each latency counts from the scheduled time (no coordinated omission).
 *
 *   npm run build && node --import ./scripts/dev/register-ts.mjs bench/api-shoots.ts \
 *     [--shoots 10000] [--create-rate 200] [--get-rate 1000] [--get-seconds 10] [--lists 5]
 *
 * The server runs as its own process (apps/gardener-api/dist/main.js) on a throw-away database.
 * Targets (issue 4): GET p99 <= 10 ms at 1,000 req/s, create p99 <= 50 ms at 200 req/s,
 * a full list paginated with limit=500 <= 300 ms.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { exampleCloudProfile, exampleProject, exampleSeed, exampleShoot } from '@gardener-ts/api';
import { createTestDatabase } from '@gardener-ts/store';
import { openLoop, percentiles } from './load/open-loop.js';

const { values } = parseArgs({
  options: {
    shoots: { type: 'string', default: '10000' },
    'create-rate': { type: 'string', default: '200' },
    'get-rate': { type: 'string', default: '1000' },
    'get-seconds': { type: 'string', default: '10' },
    lists: { type: 'string', default: '5' },
  },
});
const SHOOTS = Number(values.shoots);
const CREATE_RATE = Number(values['create-rate']);
const GET_RATE = Number(values['get-rate']);
const GET_SECONDS = Number(values['get-seconds']);
const LISTS = Number(values.lists);
const TARGETS = { getP99: 10, createP99: 50, listMs: 300 };
const SHOOTS_PATH = '/apis/core.gardener.cloud/v1beta1/namespaces/garden-dev/shoots';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
let port = 0;
let token = '';

function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function summary(name: string, latencies: number[], errors: number): { p50: number; p99: number } {
  const { p50, p90, p99, max } = percentiles(latencies);
  console.log(
    `${name.padEnd(8)} n=${latencies.length} errors=${errors}  p50=${p50.toFixed(2)} ms  p90=${p90.toFixed(2)} ms  p99=${p99.toFixed(2)} ms  max=${max.toFixed(2)} ms`,
  );
  return { p50, p99 };
}

/** The example shoot without its node network: bound to the seed, it gets a free one of the seed's range. */
function unplacedShoot(name: string) {
  const shoot = exampleShoot(name);
  delete shoot.spec.networking.nodes;
  return shoot;
}

async function waitForServer(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await call('GET', '/readyz')).status === 200) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error('gardener-api did not start');
}

const main = 'apps/gardener-api/dist/main.js';
if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
const database = await createTestDatabase('gts_bench');
const dataDir = mkdtempSync(join(tmpdir(), 'gts-bench-api-'));
let server: ChildProcess | undefined;
try {
  port = 20000 + Math.floor(Math.random() * 20000);
  server = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      GARDENER_DATA_DIR: dataDir,
      GARDENER_TLS: 'off',
      DB_POOL_SIZE: '20',
      // one project holds every shoot here: its quota must not stop the bench
      GARDENER_PROJECT_QUOTA_SHOOTS: String(SHOOTS),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForServer();
  token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  for (const [path, body] of [
    ['/apis/core.gardener.cloud/v1beta1/cloudprofiles', exampleCloudProfile()],
    ['/apis/core.gardener.cloud/v1beta1/seeds', exampleSeed()],
    ['/apis/core.gardener.cloud/v1beta1/projects', exampleProject()],
  ] as const) {
    const res = await call('POST', path, body);
    if (res.status !== 201) throw new Error(`set-up failed: ${res.status} ${res.body}`);
  }
  console.log(
    `gardener-api bench: ${SHOOTS} shoots; create at ${CREATE_RATE}/s, GET at ${GET_RATE}/s for ${GET_SECONDS} s, ${LISTS} full lists (limit=500)`,
  );

  const created = await openLoop(
    SHOOTS,
    CREATE_RATE,
    (i) => call('POST', SHOOTS_PATH, unplacedShoot(`s${i}`)),
    201,
  );
  const create = summary('create', created.latencies, created.errors);

  const gets = GET_RATE * GET_SECONDS;
  const got = await openLoop(
    gets,
    GET_RATE,
    () => call('GET', `${SHOOTS_PATH}/s${Math.floor(Math.random() * SHOOTS)}`),
    200,
  );
  const get = summary('GET', got.latencies, got.errors);

  const listTimes: number[] = [];
  let listed = 0;
  for (let round = 0; round < LISTS; round++) {
    const started = performance.now();
    let token = '';
    listed = 0;
    do {
      const res = await call(
        'GET',
        `${SHOOTS_PATH}?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`,
      );
      const page = JSON.parse(res.body) as { items: unknown[]; metadata: { continue?: string } };
      listed += page.items.length;
      token = page.metadata.continue ?? '';
    } while (token);
    listTimes.push(performance.now() - started);
  }
  const list = summary('list', listTimes, listed === SHOOTS ? 0 : 1);
  console.log(`list     ${listed} shoots per full list in ${Math.ceil(SHOOTS / 500)} pages`);
  console.log(
    `achieved rates: create ${created.achievedRate.toFixed(0)}/s, GET ${got.achievedRate.toFixed(0)}/s`,
  );

  const verdicts = [
    ['GET p99', get.p99, TARGETS.getP99],
    ['create p99', create.p99, TARGETS.createP99],
    ['full list p50', list.p50, TARGETS.listMs],
  ] as const;
  for (const [name, value, target] of verdicts) {
    console.log(
      `${value <= target ? 'PASS' : 'MISS'} ${name} ${value.toFixed(2)} ms (target <= ${target} ms, ratio ${(value / target).toFixed(2)})`,
    );
  }
} finally {
  server?.kill('SIGTERM');
  await sleep(500);
  agent.destroy();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
