import { readFileSync } from 'node:fs';
import { GardenClient, HttpTransport, InProcessTransport } from '@gardener-ts/client';
import { openStore, ResourceService } from '@gardener-ts/store';
import { KubeConfig } from '@kubernetes/client-node';
import type { GardenletConfig } from './config.js';

/** How the gardenlet reaches the garden's objects, and how it lets go of them. */
export interface GardenAccess {
  readonly client: GardenClient;
  readonly via: 'api' | 'database';
  close(): Promise<void>;
}

/**
 * With GARDEN_KUBECONFIG the gardenlet is a client of the garden API alone (its server, CA and
 * token), as a gardenlet on another host is; without it, it opens the garden's database itself.
 */
export async function openGardenAccess(config: GardenletConfig): Promise<GardenAccess> {
  if (config.gardenKubeconfig) {
    const client = new GardenClient(new HttpTransport(transportOptionsOf(config.gardenKubeconfig)));
    return { client, via: 'api', close: async () => undefined };
  }
  const store = await openStore({ databaseUrl: config.databaseUrl, keyFile: config.keyFile });
  const client = new GardenClient(
    new InProcessTransport(new ResourceService(store.repository, store.watches)),
  );
  return { client, via: 'database', close: () => store.close() };
}

/** The current context's server, CA and bearer token; a kubeconfig without a token is refused. */
function transportOptionsOf(path: string) {
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(path);
  const cluster = kubeconfig.getCurrentCluster();
  const token = kubeconfig.getCurrentUser()?.token;
  if (!cluster || !token) {
    throw new Error(`GARDEN_KUBECONFIG ${path} has no current context with a server and a bearer token`);
  }
  const caPem = cluster.caData
    ? Buffer.from(cluster.caData, 'base64').toString()
    : cluster.caFile
      ? readFileSync(cluster.caFile, 'utf8')
      : undefined;
  return { server: cluster.server, token, ...(caPem ? { caPem } : {}) };
}
