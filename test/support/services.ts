import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bootstrapGardenKubeconfig,
  type GardenletConfig,
  gardenletConfigFromEnv,
} from '@gardener-ts/gardenlet';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
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
