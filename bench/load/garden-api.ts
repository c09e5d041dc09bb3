/**
 * Our garden API for the side-by-side benchmark: its own process over HTTPS (GARDENER_TLS=on), on a
 * throw-away garden (database with the local CloudProfile, Seed and one project; a queue prefix of
 * its own, so no running gardenlet takes its jobs), driven with the garden admin's token.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { exampleSeed, type Seed } from '@gardener-ts/api';
import pg from 'pg';
import { startServer } from '../../apps/gardener-api/src/testing/server.js';
import { createGarden, type Garden, kind } from '../../test/support/garden.js';
import { HttpsTarget } from './https-target.js';
import { type BenchServer, pidsNamed } from './server.js';

export interface GardenApiOptions {
  /** shoots the project may hold (the quota must not stop the benchmark) */
  readonly quota: number;
  /** seeds besides the garden's `local` (capacity 40), each for SHOOTS_PER_SEED shoots */
  readonly seeds: number;
  /** where `profile` writes CPU profiles of the API process (none without) */
  readonly profileDir?: string;
  /** run apps/gardener-api/dist (built) instead of the sources through the TypeScript loader */
  readonly fromDist?: boolean;
}

export interface GardenApi extends BenchServer {
  /** the project's namespace the shoots go to */
  readonly namespace: string;
  /** the throw-away database */
  readonly databaseUrl: string;
}

/** What a Gardener seed is commonly sized for (its capacity); a /16 of /24 node networks holds it. */
export const SHOOTS_PER_SEED = 250;

/** Seed `bench-k`: the example seed with room for SHOOTS_PER_SEED shoots in node range 10.(16+k).0.0/16. */
export function benchSeed(k: number): Seed {
  const seed = exampleSeed();
  seed.metadata.name = `bench-${k}`;
  seed.spec.capacity = { shoots: SHOOTS_PER_SEED };
  seed.spec.networks.shootDefaults = { nodes: `10.${16 + k}.0.0/16` };
  return seed;
}

/** Loaded into the API process: SIGWINCH starts and stops V8's CPU profiler. */
const PROFILER = fileURLToPath(new URL('./cpu-profile.mjs', import.meta.url));

/** Runs `fn` with the API process's CPU profiler on; resolves once the profile is written. */
function profiler(pid: number, dir: string) {
  let written = 0;
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    process.kill(pid, 'SIGWINCH');
    await sleep(200);
    try {
      return await fn();
    } finally {
      process.kill(pid, 'SIGWINCH');
      const file = join(dir, `${++written}.cpuprofile`);
      for (let i = 0; i < 300 && !existsSync(file); i++) await sleep(100);
      console.log(`  CPU profile of gardener-api: ${file}`);
    }
  };
}

/** The PostgreSQL processes working for one database: its backends and the server's WAL writer. */
async function gardenBackends(databaseUrl: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE (datname = current_database() AND pid <> pg_backend_pid()) OR backend_type = 'walwriter'`,
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

export async function startGardenApi(options: GardenApiOptions): Promise<GardenApi> {
  if (options.seeds > 239) throw new Error('at most 239 bench seeds (node ranges 10.16-254.0.0/16)');
  const garden: Garden = await createGarden();
  const dataDir = join(garden.root, 'api');
  try {
    const seedType = kind('Seed');
    for (let k = 0; k < options.seeds; k++) await garden.resources.create(seedType, undefined, benchSeed(k));
    const server = await startServer(
      {
        ...garden.gardenletEnv,
        PORT: '0',
        HOST: '127.0.0.1',
        GARDENER_TLS: 'on',
        GARDENER_DATA_DIR: dataDir,
        DB_POOL_SIZE: '20',
        GARDENER_PROJECT_QUOTA_SHOOTS: String(options.quota),
        ...(options.profileDir ? { BENCH_CPU_PROFILE_DIR: options.profileDir } : {}),
      },
      { nodeFlags: options.profileDir ? ['--import', PROFILER] : [], fromDist: options.fromDist },
    );
    const [token, caPem] = await Promise.all([
      readFile(join(dataDir, 'admin.token'), 'utf8'),
      readFile(join(dataDir, 'tls', 'ca.crt'), 'utf8'),
    ]);
    const target = new HttpsTarget({ url: server.url, token: token.trim(), caPem });
    const pid = server.child.pid ?? 0;
    return {
      name: 'gardener-api',
      namespace: garden.namespace,
      databaseUrl: garden.gardenletEnv.DATABASE_URL,
      target,
      pids: async () => ({ 'gardener-api': pid }),
      // shared servers: their CPU is shown (PostgreSQL: the backends serving this garden's database
      // and the WAL writer), their memory not counted
      helperPids: async () => ({
        postgresql: await gardenBackends(garden.gardenletEnv.DATABASE_URL),
        redis: await pidsNamed('redis-server'),
      }),
      ...(options.profileDir ? { profile: profiler(pid, options.profileDir) } : {}),
      async stop() {
        await target.close();
        await server.stop();
        await garden.close();
      },
    };
  } catch (error) {
    await garden.close();
    throw error;
  }
}
