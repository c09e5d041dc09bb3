import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from './app.module.js';
import type { ApiConfig } from './config.js';
import { registerBodyParsers } from './http/body-parsers.js';
import { KubeStatusFilter } from './http/status.filter.js';
import { toStatus } from './http/status.js';

/** Builds the API server (not yet listening); main.ts and the tests both start it this way. */
export async function createApp(
  config: ApiConfig,
  options: { logger?: boolean } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    // Errors the router raises before any route runs (a malformed URL) are Statuses too.
    frameworkErrors: (error: Error, _request: FastifyRequest, reply: FastifyReply) => {
      const status = toStatus(error);
      void reply.status(status.code).send(status);
    },
  });
  registerBodyParsers(adapter.getInstance(), config.bodyLimitBytes);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bodyParser: false,
    logger: options.logger === false ? false : ['error', 'warn'],
  });
  app.useGlobalFilters(new KubeStatusFilter());
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
