import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface JobFigures {
  lagSeconds(): Promise<number>;
  depths(): Promise<Map<string, number>>;
}

/** Prometheus metrics of this process: request latency by route and code, queue depth, outbox lag. */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests = new Histogram({
    name: 'gardener_api_request_duration_seconds',
    help: 'Latency of API requests by method, route pattern and status code',
    labelNames: ['method', 'route', 'code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  private jobs: JobFigures | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const metrics = this;
    new Gauge({
      name: 'gardener_outbox_lag_seconds',
      help: 'Age of the oldest outbox row not yet moved to a queue',
      registers: [this.registry],
      async collect() {
        if (metrics.jobs) this.set(await metrics.jobs.lagSeconds().catch(() => Number.NaN));
      },
    });
    new Gauge({
      name: 'gardener_shoot_queue_depth',
      help: 'Shoot jobs waiting, delayed or running, per seed queue',
      labelNames: ['seed'] as const,
      registers: [this.registry],
      async collect() {
        if (!metrics.jobs) return;
        const depths = await metrics.jobs.depths().catch(() => new Map<string, number>());
        for (const [seed, depth] of depths) this.set({ seed }, depth);
      },
    });
  }

  useJobs(jobs: JobFigures): void {
    this.jobs = jobs;
  }

  register(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      // The route pattern, never the raw URL, so names of objects do not become label values.
      const route = request.routeOptions.url ?? 'unmatched';
      this.requests.observe(
        { method: request.method, route, code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
  }
}
