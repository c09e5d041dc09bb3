import { randomUUID } from 'node:crypto';
import { MUTATING_VERBS } from '@gardener-ts/auth';
import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Logger, pino } from 'pino';
import { contextOf } from './request-context.js';

/** JSON lines on stdout. Tokens and keys never reach a log: headers are not logged, and redacted if they were. */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'gardener-api' },
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', '*.token', 'token'],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? process.stdout,
  );
}

/** A client's X-Request-Id is kept (if sane) so logs can be joined across services; else one is made. */
export function requestId(request: { headers: Record<string, unknown> }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
}

/**
 * One audit line per mutation (whatever its outcome) and per denial (401, 403): who, what, where,
 * the answer's code, and for a 403 why.
 */
export function registerAudit(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    void reply.header('x-request-id', request.id);
  });
  fastify.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const code = reply.statusCode;
    const context = contextOf(request);
    const attributes = context.attributes;
    const mutation = attributes !== undefined && MUTATING_VERBS.has(attributes.verb);
    if (!mutation && code !== 401 && code !== 403) return;
    request.log.info(
      {
        audit: {
          user: context.identity?.name ?? null,
          gardenAdmin: context.identity?.gardenAdmin ?? false,
          verb: attributes?.verb ?? request.method.toLowerCase(),
          resource: attributes
            ? attributes.group
              ? `${attributes.resource}.${attributes.group}`
              : attributes.resource
            : null,
          subresource: attributes?.subresource ?? null,
          namespace: attributes?.namespace ?? null,
          name: attributes?.name ?? null,
          path: request.url.split('?')[0],
          code,
          decision: code === 401 || code === 403 ? 'deny' : 'allow',
          ...(context.denial ? { reason: context.denial } : {}),
        },
      },
      'audit',
    );
  });
}

/** Nest's own messages (start-up, errors) through the same JSON logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
