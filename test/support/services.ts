import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bootstrapGardenKubeconfig,
  type GardenletConfig,
  gardenletConfigFromEnv,
  seedBootstrapKubeconfig,
} from '@gardener-ts/gardenlet';
import { KubeConfig } from '@kubernetes/client-node';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Agent, fetch } from 'undici';
import { type RunningServer, startServer } from '../../apps/gardener-api/src/testing/server.js';
import type { Garden } from './garden.js';

export interface GardenServices {
  readonly gardenlet: INestApplicationContext;
  readonly api: RunningServer;
  /** the garden admin's bearer token */
  readonly adminToken: string;
  /** a request to the garden API as the garden admin: status and parsed JSON body */
  call(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/** A gardenlet in this process on the garden's database, queue prefix and directories. */
export async function startTestGardenlet(
  garden: Garden,
  overrides: Partial<GardenletConfig> = {},
): Promise<INestApplicationContext> {
  Object.assign(process.env, garden.gardenletEnv);
  const config = { ...gardenletConfigFromEnv(garden.gardenletEnv), careIntervalSeconds: 3600, ...overrides };
  await bootstrapGardenKubeconfig(config);
  const { GardenletModule } = await import('../../apps/gardenlet/src/gardenlet.module.js');
  return NestFactory.createApplicationContext(GardenletModule.forRoot(config), { logger: false });
}

/**
 * A gardenlet in this process and the real garden API as its own process (plain HTTP on
 * loopback), both on the garden's database, queue prefix and directories; `apiEnv` adds to the
 * API's environment.
 */
export async function startGardenServices(
  garden: Garden,
  overrides: Partial<GardenletConfig> = {},
  apiEnv: Record<string, string> = {},
): Promise<GardenServices> {
  const gardenlet = await startTestGardenlet(garden, overrides);
  const api = await startServer({
    ...garden.gardenletEnv,
    PORT: '0',
    GARDENER_TLS: 'off',
    GARDENER_DATA_DIR: join(garden.root, 'api'),
    ...apiEnv,
  });
  const adminToken = (await readFile(join(garden.root, 'api', 'admin.token'), 'utf8')).trim();
  return {
    gardenlet,
    api,
    adminToken,
    async call(method, path, body, contentType = 'application/json') {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': contentType },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async stop() {
      await api.stop();
      await gardenlet.close();
    },
  };
}

export interface HttpsGarden {
  readonly api: RunningServer;
  readonly adminToken: string;
  /** the garden admin's kubeconfig: the API's address, its CA and the admin token */
  readonly adminKubeconfig: string;
  /** a request as the admin (or with `token`): status and parsed JSON body, over HTTPS with the garden's CA */
  call(
    method: string,
    path: string,
    body?: unknown,
    options?: { token?: string; contentType?: string },
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** a bootstrap kubeconfig for a seed's gardenlet, written to `path` (0600) */
  seedBootstrap(seedName: string, path: string): Promise<void>;
}

/** The real garden API over HTTPS for a garden (`env` adds to its environment, e.g. HOST). */
export async function startHttpsGarden(
  garden: Garden,
  env: Record<string, string> = {},
): Promise<HttpsGarden> {
  const dataDir = join(garden.root, 'api');
  const api = await startServer({
    ...garden.gardenletEnv,
    PORT: '0',
    GARDENER_TLS: 'on',
    GARDENER_DATA_DIR: dataDir,
    ...env,
  });
  const adminToken = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  const adminKubeconfig = join(dataDir, 'garden.kubeconfig');
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(adminKubeconfig);
  const ca = Buffer.from(kubeconfig.getCurrentCluster()?.caData ?? '', 'base64').toString();
  const trustGarden = new Agent({ connect: { ca } });
  return {
    api,
    adminToken,
    adminKubeconfig,
    async call(method, path, body, options = {}) {
      const response = await fetch(`${api.url}${path}`, {
        method,
        dispatcher: trustGarden,
        headers: {
          authorization: `Bearer ${options.token ?? adminToken}`,
          'content-type': options.contentType ?? 'application/json',
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async seedBootstrap(seedName, path) {
      await writeFile(path, await seedBootstrapKubeconfig(adminKubeconfig, seedName, 600), { mode: 0o600 });
    },
  };
}

/** The bearer token of a kubeconfig's current user. */
export function tokenOf(path: string): string {
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(path);
  return kubeconfig.getCurrentUser()?.token ?? '';
}
