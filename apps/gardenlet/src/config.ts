import { homedir } from 'node:os';
import { join } from 'node:path';

/** Everything the gardenlet reads from its environment, resolved once at start. */
export interface GardenletConfig {
  readonly seedName: string;
  readonly redisUrl: string;
  readonly databaseUrl: string;
  /** the garden's Secret key (the API's GARDENER_KEY_FILE): the gardenlet writes Secrets too */
  readonly keyFile: string;
  /** OpenTofu state passphrase, outside the database */
  readonly tofuStateKeyFile: string;
  readonly tofuWorkRoot: string;
  /** shoots reconciled at once by this process */
  readonly concurrency: number;
  /** provider packages to load besides the built-in `local` */
  readonly providerPackages: readonly string[];
  readonly queuePrefix: string;
  /** how often the health conditions of the seed's shoots are checked */
  readonly careIntervalSeconds: number;
  /** how soon a job whose gardenlet died is taken over (BullMQ lock and stalled check, the lease) */
  readonly takeoverMs: number;
  /** test-only: the gardenlet kills itself with SIGKILL when this task starts */
  readonly killAtTask?: string;
}

export function gardenletConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GardenletConfig {
  const dataDir = env.GARDENER_DATA_DIR || join(homedir(), '.gardener-ts');
  const concurrency = Number(env.GARDENLET_CONCURRENCY || 20);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`GARDENLET_CONCURRENCY must be a positive integer, got "${env.GARDENLET_CONCURRENCY}"`);
  }
  return {
    seedName: env.SEED_NAME || 'local',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    keyFile: env.GARDENER_KEY_FILE || join(dataDir, 'secrets.key'),
    tofuStateKeyFile: env.GARDENER_TOFU_STATE_KEY_FILE || join(dataDir, 'tofu-state.key'),
    tofuWorkRoot: env.GARDENER_TOFU_WORK_DIR || join(dataDir, 'tofu'),
    concurrency,
    providerPackages: (env.GARDENLET_PROVIDER_PACKAGES || '').split(',').filter(Boolean),
    queuePrefix: env.GARDENER_QUEUE_PREFIX || 'gardener-ts',
    careIntervalSeconds: Number(env.GARDENLET_CARE_INTERVAL_SECONDS || 60),
    takeoverMs: Number(env.GARDENLET_TAKEOVER_MS || 30_000),
    killAtTask: env.GARDENLET_TEST_KILL_AT_TASK || undefined,
  };
}
