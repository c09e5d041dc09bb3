import type { QuotaLimits } from '@gardener-ts/api';
import pg from 'pg';
import { SecretCipher } from './cipher.js';
import { ObjectCodec } from './codec.js';
import { migrate } from './migrations.js';
import { ResourceRepository } from './repository.js';
import { WatchHub } from './watch-hub.js';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface StoreOptions {
  databaseUrl?: string;
  /** Path of the AES-256-GCM key file; created with mode 0600 when absent. */
  keyFile: string;
  poolSize?: number;
  /** Fields kept encrypted at rest, per kind. */
  sealedFields?: Readonly<Record<string, readonly string[]>>;
  /** Object counts a project may hold unless its ProjectQuota says otherwise (none: unlimited). */
  projectQuotaDefaults?: QuotaLimits;
}

export interface Store {
  readonly pool: pg.Pool;
  readonly repository: ResourceRepository;
  readonly watches: WatchHub;
  close(): Promise<void>;
}

/** Connects, migrates the schema, loads (or makes) the key and starts the watch hub. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const connectionString = options.databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const cipher = SecretCipher.fromKeyFile(options.keyFile);
  const pool = new pg.Pool({ connectionString, max: options.poolSize ?? 10 });
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
    const repository = new ResourceRepository(
      pool,
      new ObjectCodec(cipher, options.sealedFields ?? { Secret: ['data'] }),
      options.projectQuotaDefaults ? { projectQuotaDefaults: options.projectQuotaDefaults } : {},
    );
    const listener = new pg.Client({ connectionString });
    await listener.connect();
    const watches = new WatchHub(listener, repository);
    await watches.start();
    return {
      pool,
      repository,
      watches,
      async close() {
        await watches.stop();
        await pool.end();
      },
    };
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
}
