import { homedir } from 'node:os';
import { join } from 'node:path';

/** Everything the API process reads from its environment, resolved once at start. */
export interface ApiConfig {
  host: string;
  port: number;
  databaseUrl: string;
  /** AES-256-GCM key for Secrets at rest; created (mode 0600) when missing. */
  keyFile: string;
  /** How long watch history is kept; older resourceVersions get 410 Expired. */
  watchHistorySeconds: number;
  bodyLimitBytes: number;
  poolSize: number;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got "${text}"`);
  return value;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const dataDir = env.GARDENER_DATA_DIR || join(homedir(), '.gardener-ts');
  return {
    host: env.HOST || '127.0.0.1',
    port: integer(env, 'PORT', 8080),
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    keyFile: env.GARDENER_KEY_FILE || join(dataDir, 'secrets.key'),
    watchHistorySeconds: integer(env, 'WATCH_HISTORY_SECONDS', 600),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 3 * 1024 * 1024),
    poolSize: integer(env, 'DB_POOL_SIZE', 10),
  };
}
