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
      // A metric that cannot be recorded is logged, never an error of the request it describes.
      try {
        this.requests.observe(requestLabels(request, reply), reply.elapsedTime / 1000);
      } catch (error) {
        request.log.warn({ error: (error as Error).message }, 'request metric not recorded');
      }
    });
  }
}

const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Label values from closed sets only: a known method, the route pattern this server registered
 * (never the raw URL, so names of objects do not become label values), a status code. A
 * null-prototype object, so prom-client's label check sees only these three keys.
 */
export function requestLabels(
  request: FastifyRequest,
  reply: FastifyReply,
): Record<'method' | 'route' | 'code', string> {
  const labels = Object.create(null) as Record<'method' | 'route' | 'code', string>;
  labels.method = METHODS.has(request.method) ? request.method : 'other';
  const route: unknown = request.routeOptions.url;
  labels.route = typeof route === 'string' && route !== '' ? route : 'unmatched';
  const code = reply.statusCode;
  labels.code = Number.isInteger(code) && code >= 100 && code <= 599 ? String(code) : 'other';
  return labels;
}
