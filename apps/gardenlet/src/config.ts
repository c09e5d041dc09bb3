import { homedir } from 'node:os';
import { join } from 'node:path';
import { providerPackagesFromEnv } from '@gardener-ts/extensions';

/** Everything the gardenlet reads from its environment, resolved once at start. */
export interface GardenletConfig {
  readonly seedName: string;
  readonly redisUrl: string;
  /**
   * A kubeconfig of the garden API (server, CA, bearer token): the gardenlet then reads and writes
   * the garden's objects only through the API, and DATABASE_URL serves its tofu state alone.
   */
  readonly gardenKubeconfig?: string | undefined;
  /**
   * A kubeconfig with a seed bootstrap token: when GARDEN_KUBECONFIG does not exist yet, the token
   * is exchanged for the seed's credential, written there (garden-access.ts)
   */
  readonly gardenBootstrapKubeconfig?: string | undefined;
  /** the garden's database without GARDEN_KUBECONFIG; in any case where tofu state is kept */
  readonly databaseUrl: string;
  /** the garden's Secret key (the API's GARDENER_KEY_FILE), without GARDEN_KUBECONFIG only */
  readonly keyFile: string;
  /** OpenTofu state passphrase, outside the database */
  readonly tofuStateKeyFile: string;
  readonly tofuWorkRoot: string;
  /** shoots reconciled at once by this process */
  readonly concurrency: number;
  /** provider packages to load besides the built-in `local` */
  readonly providerPackages: readonly string[];
  readonly queuePrefix: string;
  /** how often the seed's GardenletReady is renewed (the heartbeat) */
  readonly heartbeatSeconds: number;
  /** when the seed says it is short of room (SeedResourcesAvailable False) and gets no new shoots */
  readonly seedResources: { readonly minFreeMemoryMiB: number; readonly maxCpuBusy?: number };
  /** how often the health conditions of the seed's shoots are checked */
  readonly careIntervalSeconds: number;
  /** per condition type, seconds a failing health check shows Progressing before False */
  readonly conditionThresholdSeconds: Readonly<Record<string, number>>;
  /** how often settled shoots' machines are looked at (health timeout, orphans) */
  readonly machineSyncSeconds: number;
  /**
   * how long a machine the provider has but the store does not know lives before it is deleted;
   * the same grace applies to seed resources (control planes, networks, tofu workspaces, machines,
   * bastions) whose shoot is gone
   */
  readonly orphanGraceSeconds: number;
  /** how often the seed is searched for resources no shoot owns */
  readonly seedGcIntervalSeconds: number;
  /** machine create/delete jobs this process runs at once */
  readonly machineConcurrency: number;
  /** how soon a shoot or machine job whose gardenlet died is taken over (BullMQ lock and stalled check, the lease) */
  readonly takeoverMs: number;
  /** how often the seed's shoots are looked at for search indexing (issue 21); 0 = no indexing */
  readonly searchSyncSeconds: number;
  /** where `/metrics` is served (`GARDENLET_METRICS_ADDRESS`, `host:port`); not served when unset */
  readonly metricsListen?: { host: string; port: number };
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
    gardenKubeconfig: env.GARDEN_KUBECONFIG || undefined,
    gardenBootstrapKubeconfig: env.GARDEN_BOOTSTRAP_KUBECONFIG || undefined,
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    keyFile: env.GARDENER_KEY_FILE || join(dataDir, 'secrets.key'),
    tofuStateKeyFile: env.GARDENER_TOFU_STATE_KEY_FILE || join(dataDir, 'tofu-state.key'),
    tofuWorkRoot: env.GARDENER_TOFU_WORK_DIR || join(dataDir, 'tofu'),
    concurrency,
    providerPackages: providerPackagesFromEnv(env),
    queuePrefix: env.GARDENER_QUEUE_PREFIX || 'gardener-ts',
    heartbeatSeconds: Number(env.GARDENLET_HEARTBEAT_SECONDS || 10),
    seedResources: seedResourceLimits(env),
    careIntervalSeconds: Number(env.GARDENLET_CARE_INTERVAL_SECONDS || 60),
    conditionThresholdSeconds: conditionThresholds(env.GARDENLET_CONDITION_THRESHOLDS ?? ''),
    machineSyncSeconds: Number(env.GARDENLET_MACHINE_SYNC_SECONDS || 10),
    orphanGraceSeconds: Number(env.GARDENLET_ORPHAN_GRACE_SECONDS || 600),
    seedGcIntervalSeconds: positiveSeconds(env, 'GARDENLET_SEED_GC_INTERVAL_SECONDS', 60),
    machineConcurrency: Number(env.GARDENLET_MACHINE_CONCURRENCY || 10),
    takeoverMs: Number(env.GARDENLET_TAKEOVER_MS || 30_000),
    killAtTask: env.GARDENLET_TEST_KILL_AT_TASK || undefined,
    metricsListen: listenAddress(env, 'GARDENLET_METRICS_ADDRESS'),
    searchSyncSeconds: Number(env.GARDENLET_SEARCH_SYNC_SECONDS ?? 10),
  };
}

/**
 * GARDENLET_MIN_FREE_MEMORY_MIB (default 1024: an idle control plane holds about 450 MiB RSS) and
 * GARDENLET_MAX_CPU_BUSY (a share of all cores, 0–1; unset: CPU is not a limit, as a busy host's
 * CPU comes and goes while a control plane that does not fit in memory fails).
 */
function seedResourceLimits(env: NodeJS.ProcessEnv): GardenletConfig['seedResources'] {
  const memory = Number(env.GARDENLET_MIN_FREE_MEMORY_MIB || 1024);
  if (!Number.isInteger(memory) || memory < 0)
    throw new Error(
      `GARDENLET_MIN_FREE_MEMORY_MIB must be a whole number of MiB, got "${env.GARDENLET_MIN_FREE_MEMORY_MIB}"`,
    );
  if (!env.GARDENLET_MAX_CPU_BUSY) return { minFreeMemoryMiB: memory };
  const cpu = Number(env.GARDENLET_MAX_CPU_BUSY);
  if (!(cpu > 0 && cpu <= 1))
    throw new Error(
      `GARDENLET_MAX_CPU_BUSY must be a share of all cores above 0 and at most 1 (e.g. 0.9), got "${env.GARDENLET_MAX_CPU_BUSY}"`,
    );
  return { minFreeMemoryMiB: memory, maxCpuBusy: cpu };
}

/** `host:port`, e.g. `127.0.0.1:9251` or `[::1]:9251`; port 0 picks a free one. */
function listenAddress(env: NodeJS.ProcessEnv, name: string): { host: string; port: number } | undefined {
  const value = env[name];
  if (!value) return undefined;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([\w.-]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new Error(`${name} must be host:port (e.g. 127.0.0.1:9251), got "${value}"`);
  }
  return { host: match[1] ?? match[2] ?? '', port };
}

function positiveSeconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  if (!value) return fallback;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`${name} must be a positive number of seconds, got "${value}"`);
  }
  return seconds;
}

/** `Type=seconds,…`, e.g. `EveryNodeReady=300,APIServerAvailable=60`; types left out keep Gardener's defaults. */
function conditionThresholds(value: string): Record<string, number> {
  const thresholds: Record<string, number> = {};
  for (const entry of value.split(',').filter((e) => e.trim())) {
    const match = /^\s*([A-Za-z]+)=(\d+)\s*$/.exec(entry);
    if (!match) {
      throw new Error(
        `GARDENLET_CONDITION_THRESHOLDS: "${entry}" is not Type=seconds (e.g. EveryNodeReady=300)`,
      );
    }
    thresholds[match[1] ?? ''] = Number(match[2]);
  }
  return thresholds;
}
