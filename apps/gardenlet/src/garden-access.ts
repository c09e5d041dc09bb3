import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  ClientError,
  ClientErrorCode,
  GardenClient,
  HttpTransport,
  InProcessTransport,
} from '@gardener-ts/client';
import { seedRedisUser } from '@gardener-ts/jobs';
import { apiIndexWriter, databaseIndexWriter, type IndexWriter, SearchIndex } from '@gardener-ts/search';
import { openStore, ResourceService } from '@gardener-ts/store';
import { KubeConfig } from '@kubernetes/client-node';
import { Redis, type RedisOptions } from 'ioredis';
import type { GardenletConfig } from './config.js';

/** The manager the gardenlet's writes (its status writes above all) are recorded under in managedFields. */
export const GARDENLET_FIELD_MANAGER = 'gardenlet';

/** How the gardenlet reaches the garden's objects, and how it lets go of them. */
export interface GardenAccess {
  readonly client: GardenClient;
  readonly via: 'api' | 'database';
  /** where the search syncer writes its shoots' index: the garden API, or the garden's database */
  readonly indexWriter: IndexWriter;
  close(): Promise<void>;
}

/**
 * With GARDEN_KUBECONFIG the gardenlet is a client of the garden API alone (its server, CA and
 * token), as a gardenlet on another host is; without it, it opens the garden's database itself.
 */
export async function openGardenAccess(config: GardenletConfig): Promise<GardenAccess> {
  if (config.gardenKubeconfig) {
    const transport = new HttpTransport({
      ...transportOptionsOf(config.gardenKubeconfig),
      fieldManager: GARDENLET_FIELD_MANAGER,
    });
    const indexWriter = apiIndexWriter((method, path, body) => transport.request(method, path, body));
    return { client: new GardenClient(transport), via: 'api', indexWriter, close: async () => undefined };
  }
  const store = await openStore({ databaseUrl: config.databaseUrl, keyFile: config.keyFile });
  const client = new GardenClient(
    new InProcessTransport(new ResourceService(store.repository, store.watches), GARDENLET_FIELD_MANAGER),
  );
  const indexWriter = databaseIndexWriter(new SearchIndex(store.pool));
  return { client, via: 'database', indexWriter, close: () => store.close() };
}

/**
 * A new gardenlet's first start (Gardener's bootstrap kubeconfig): when GARDEN_KUBECONFIG does not
 * exist yet, the bootstrap token of GARDEN_BOOTSTRAP_KUBECONFIG is traded, once, for the seed's
 * credential, which is written to GARDEN_KUBECONFIG (0600). Later starts use that file alone.
 */
export async function bootstrapGardenKubeconfig(config: GardenletConfig): Promise<void> {
  const target = config.gardenKubeconfig;
  if (!target || existsSync(target) || !config.gardenBootstrapKubeconfig) return;
  const bootstrap = transportOptionsOf(config.gardenBootstrapKubeconfig);
  const credential = await new HttpTransport(bootstrap).request<{ status: { token: string } }>(
    'POST',
    '/apis/auth.gardener-ts.io/v1alpha1/seedcredentials',
    {},
  );
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  await writeFile(target, seedKubeconfig(config.seedName, bootstrap, credential.status.token), {
    mode: 0o600,
    flag: 'wx',
  });
}

/**
 * A bootstrap kubeconfig for a new seed's gardenlet, asked for with a garden admin's kubeconfig:
 * the garden's server and CA and a single-use token that expires (1 h unless told otherwise).
 */
export async function seedBootstrapKubeconfig(
  adminKubeconfig: string,
  seedName: string,
  expirationSeconds = 3600,
): Promise<string> {
  const garden = transportOptionsOf(adminKubeconfig);
  const answer = await new HttpTransport(garden).request<{ status: { token: string } }>(
    'POST',
    '/apis/auth.gardener-ts.io/v1alpha1/seedbootstraptokens',
    { spec: { seedName, expirationSeconds } },
  );
  return seedKubeconfig(seedName, garden, answer.status.token);
}

/** Whether the garden still authenticates this kubeconfig's token (any answer but 401). */
export async function credentialWorks(kubeconfig: string): Promise<boolean> {
  try {
    await new HttpTransport(transportOptionsOf(kubeconfig)).request('GET', '/apis');
    return true;
  } catch (error) {
    if (error instanceof ClientError && error.code === ClientErrorCode.Unauthorized) return false;
    throw error;
  }
}

/**
 * The gardenlet's Redis connection. With a garden credential of its seed it logs in as the seed's
 * ACL user with that token (the garden keeps the user, scoped to the seed's queues); a REDIS_URL
 * that carries a user or password is used as it is.
 */
export function connectGardenletRedis(config: GardenletConfig): Redis {
  const options: RedisOptions = { maxRetriesPerRequest: null };
  const url = new URL(config.redisUrl);
  if (!config.gardenKubeconfig || url.username || url.password) return new Redis(config.redisUrl, options);
  return new Redis(config.redisUrl, {
    ...options,
    username: seedRedisUser(config.queuePrefix, config.seedName),
    password: transportOptionsOf(config.gardenKubeconfig).token,
  });
}

function seedKubeconfig(seedName: string, garden: { server: string; caPem?: string }, token: string): string {
  const kubeconfig = new KubeConfig();
  const name = `garden-seed-${seedName}`;
  kubeconfig.loadFromOptions({
    clusters: [
      {
        name: 'garden',
        server: garden.server,
        ...(garden.caPem ? { caData: Buffer.from(garden.caPem).toString('base64') } : {}),
      },
    ],
    users: [{ name, token }],
    contexts: [{ name, cluster: 'garden', user: name }],
    currentContext: name,
  });
  return kubeconfig.exportConfig();
}

/** The current context's server, CA and bearer token; a kubeconfig without a token is refused. */
function transportOptionsOf(path: string) {
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(path);
  const cluster = kubeconfig.getCurrentCluster();
  const token = kubeconfig.getCurrentUser()?.token;
  if (!cluster || !token) {
    throw new Error(`kubeconfig ${path} has no current context with a server and a bearer token`);
  }
  const caPem = cluster.caData
    ? Buffer.from(cluster.caData, 'base64').toString()
    : cluster.caFile
      ? readFileSync(cluster.caFile, 'utf8')
      : undefined;
  return { server: cluster.server, token, ...(caPem ? { caPem } : {}) };
}
