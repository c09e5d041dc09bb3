import { homedir } from 'node:os';
import { join } from 'node:path';
import { BASTION_COUNT_KEY, type QuotaLimits, SHOOT_COUNT_KEY } from '@gardener-ts/api';
import { providerPackagesFromEnv } from '@gardener-ts/extensions';

export type TlsMode = 'auto' | 'on' | 'off';

/** Everything the API process reads from its environment, resolved once at start. */
export interface ApiConfig {
  host: string;
  port: number;
  databaseUrl: string;
  dataDir: string;
  /** AES-256-GCM key for Secrets at rest; created (mode 0600) when missing. */
  keyFile: string;
  /** How long watch history is kept; older resourceVersions get 410 Expired. */
  watchHistorySeconds: number;
  bodyLimitBytes: number;
  poolSize: number;
  /** auto: HTTPS unless bound to loopback; on: always HTTPS; off: plain HTTP (loopback only). */
  tls: TlsMode;
  /** Operator-supplied serving certificate and key (PEM); else made from the garden CA. */
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  /** The CA that signed an operator-supplied certificate, for the kubeconfig (default: the certificate). */
  tlsCaFile: string | undefined;
  /** Extra names/addresses for the generated serving certificate. */
  tlsSans: string[];
  /** The garden admin token: made at first start (0600) or operator-supplied. */
  adminTokenFile: string;
  /** Where the garden kubeconfig (server, CA, admin token) is written, mode 0600. */
  kubeconfigFile: string;
  /** The URL clients use, for the kubeconfig; default from the bound address. */
  publicUrl: string | undefined;
  redisUrl: string;
  /** Namespaces every BullMQ key; the gardenlets must use the same. */
  queuePrefix: string;
  /** Moves outbox rows to BullMQ (off only in tests that simulate a crash before the relay ran). */
  relay: boolean;
  /** How often shoots whose observedGeneration lags are re-enqueued. */
  sweepIntervalSeconds: number;
  /** How often unschedulable shoots are tried again even when no seed changed. */
  scheduleRetrySeconds: number;
  /**
   * How often the project controller looks at every project and at namespaces no project owns,
   * besides reacting to project events and to shoots and bastions going.
   */
  projectResyncSeconds: number;
  /** How long a seed's GardenletReady may go without a heartbeat before it (and its shoots) turn Unknown. */
  seedGraceSeconds: number;
  /** How long an event lives after it last happened (kube-apiserver's --event-ttl). */
  eventTtlSeconds: number;
  /** How often expired events are looked for. */
  eventExpirySeconds: number;
  /** provider packages besides the built-in `local` whose provider-config checks admission runs */
  providerPackages: string[];
  watchLimits: WatchLimitSettings;
  /** Shoots and bastions a project may hold unless a ProjectQuota names its own limit. */
  projectQuotaDefaults: QuotaLimits;
}

/** Bounds on the watches users hold open; garden admins have no per-user cap and no total cap. */
export interface WatchLimitSettings {
  /** Concurrent watches per identity (user or service account). */
  maxPerUser: number;
  /** Concurrent watches of all non-admin identities together. */
  maxTotal: number;
  /** How often an open watch's token and access are checked again. */
  recheckMs: number;
  /** Events a watch whose reader does not keep up may miss before the server closes it. */
  maxLagEvents: number;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got "${text}"`);
  return value;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = integer(env, name, fallback);
  if (value === 0) throw new Error(`${name} must be a positive integer, got "0"`);
  return value;
}

function watchLimits(env: NodeJS.ProcessEnv): WatchLimitSettings {
  return {
    maxPerUser: positive(env, 'GARDENER_WATCH_MAX_PER_USER', 100),
    maxTotal: positive(env, 'GARDENER_WATCH_MAX_TOTAL', 2000),
    recheckMs: positive(env, 'GARDENER_WATCH_RECHECK_MS', 5000),
    maxLagEvents: positive(env, 'GARDENER_WATCH_MAX_LAG_EVENTS', 1000),
  };
}

/** Gardener ships no default quota (operators configure one); these keep one tenant from filling a seed. */
function projectQuotaDefaults(env: NodeJS.ProcessEnv): QuotaLimits {
  return {
    [SHOOT_COUNT_KEY]: integer(env, 'GARDENER_PROJECT_QUOTA_SHOOTS', 20),
    [BASTION_COUNT_KEY]: integer(env, 'GARDENER_PROJECT_QUOTA_BASTIONS', 10),
  };
}

function tlsMode(text: string | undefined): TlsMode {
  if (text === undefined || text === '') return 'auto';
  if (text === 'auto' || text === 'on' || text === 'off') return text;
  throw new Error(`GARDENER_TLS must be auto, on or off, got "${text}"`);
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const dataDir = env.GARDENER_DATA_DIR || join(homedir(), '.gardener-ts');
  return {
    host: env.HOST || '127.0.0.1',
    port: integer(env, 'PORT', 8080),
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    dataDir,
    keyFile: env.GARDENER_KEY_FILE || join(dataDir, 'secrets.key'),
    watchHistorySeconds: integer(env, 'WATCH_HISTORY_SECONDS', 600),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 3 * 1024 * 1024),
    poolSize: integer(env, 'DB_POOL_SIZE', 10),
    tls: tlsMode(env.GARDENER_TLS),
    tlsCertFile: env.GARDENER_TLS_CERT_FILE || undefined,
    tlsKeyFile: env.GARDENER_TLS_KEY_FILE || undefined,
    tlsCaFile: env.GARDENER_TLS_CA_FILE || undefined,
    tlsSans: (env.GARDENER_TLS_SANS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    adminTokenFile: env.GARDENER_ADMIN_TOKEN_FILE || join(dataDir, 'admin.token'),
    kubeconfigFile: env.GARDENER_KUBECONFIG || join(dataDir, 'garden.kubeconfig'),
    publicUrl: env.GARDENER_PUBLIC_URL || undefined,
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    queuePrefix: env.GARDENER_QUEUE_PREFIX || 'gardener-ts',
    relay: env.GARDENER_OUTBOX_RELAY !== 'off',
    sweepIntervalSeconds: integer(env, 'GARDENER_SWEEP_SECONDS', 60),
    scheduleRetrySeconds: integer(env, 'GARDENER_SCHEDULE_RETRY_SECONDS', 30),
    projectResyncSeconds: positive(env, 'GARDENER_PROJECT_RESYNC_SECONDS', 30),
    seedGraceSeconds: positive(env, 'GARDENER_SEED_GRACE_SECONDS', 40),
    eventTtlSeconds: positive(env, 'GARDENER_EVENT_TTL_SECONDS', 3600),
    eventExpirySeconds: positive(env, 'GARDENER_EVENT_EXPIRY_SECONDS', 60),
    providerPackages: providerPackagesFromEnv(env),
    watchLimits: watchLimits(env),
    projectQuotaDefaults: projectQuotaDefaults(env),
  };
}
