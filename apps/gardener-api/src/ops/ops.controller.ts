import type { Store } from '@gardener-ts/store';
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { REQUEST_AUTHORIZER, type RequestAuthorizer } from '../http/authorizer.js';
import { REDIS } from '../jobs/jobs.lifecycle.js';
import { STORE } from '../tokens.js';
import { ApiMetrics } from './metrics.js';

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS).unref()),
  ]);
}

/** Liveness, readiness (PostgreSQL and Redis reachable) and Prometheus metrics. */
@Controller()
export class OpsController {
  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(ApiMetrics) private readonly metrics: ApiMetrics,
    @Inject(REQUEST_AUTHORIZER) private readonly authorizer: RequestAuthorizer,
  ) {}

  /** Kubernetes' verbose readyz format: one `[+]name ok` / `[-]name failed` line per check. */
  @Get('readyz')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const checks: Array<[string, () => Promise<unknown>]> = [
      ['postgresql', () => this.store.pool.query('SELECT 1')],
      [
        'redis',
        () =>
          this.redis.status === 'ready' ? this.redis.ping() : Promise.reject(new Error(this.redis.status)),
      ],
    ];
    const results = await Promise.all(
      checks.map(
        async ([name, check]) =>
          [
            name,
            await withTimeout(check()).then(
              () => true,
              () => false,
            ),
          ] as const,
      ),
    );
    const ok = results.every(([, passed]) => passed);
    const lines = results.map(
      ([name, passed]) => `[${passed ? '+' : '-'}]${name} ${passed ? 'ok' : 'failed'}`,
    );
    lines.push(ok ? 'readyz check passed' : 'readyz check failed');
    void reply
      .status(ok ? 200 : 503)
      .header('content-type', 'text/plain')
      .send(`${lines.join('\n')}\n`);
  }

  /** Any valid token may scrape (as kube-apiserver's /metrics needs authentication). */
  @Get('metrics')
  async scrape(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.authorizer.authenticate(request);
    const text = await this.metrics.registry.metrics();
    void reply.header('content-type', this.metrics.registry.contentType).send(text);
  }
}
