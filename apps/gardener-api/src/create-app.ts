import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import type { ApiConfig } from './config.js';
import { parseQueryString, registerBodyParsers, registerQueryGuard } from './http/body-parsers.js';
import { createLogger, PinoNestLogger, registerAudit, requestId } from './http/logging.js';
import { KubeStatusFilter } from './http/status.filter.js';
import { toStatus } from './http/status.js';
import { ApiMetrics } from './ops/metrics.js';

export interface CreateAppOptions {
  /** Serve HTTPS with this certificate and key (PEM). */
  https?: { cert: string; key: string };
  logger?: Logger;
  /** Adds routes or hooks to the Fastify instance, as the API's own get them (tests). */
  configure?: (fastify: FastifyInstance) => void;
}

/** Builds the API server (not yet listening); main.ts and the tests both start it this way. */
export async function createApp(
  config: ApiConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const logger = options.logger ?? createLogger();
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    loggerInstance: logger,
    // The audit hook writes the lines that matter; no per-request access log (and so no headers).
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestId,
    routerOptions: { querystringParser: parseQueryString },
    ...(options.https ? { https: { cert: options.https.cert, key: options.https.key } } : {}),
    // Errors the router raises before any route runs (a malformed URL) are Statuses too.
    frameworkErrors: (error: Error, _request: FastifyRequest, reply: FastifyReply) => {
      const status = toStatus(error);
      void reply.status(status.code).send(status);
    },
  });
  registerBodyParsers(adapter.getInstance(), config.bodyLimitBytes);
  registerQueryGuard(adapter.getInstance());
  registerAudit(adapter.getInstance());
  const metrics = new ApiMetrics();
  metrics.register(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, metrics), adapter, {
    bodyParser: false,
    logger: new PinoNestLogger(logger),
  });
  app.useGlobalFilters(new KubeStatusFilter());
  options.configure?.(adapter.getInstance());
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
