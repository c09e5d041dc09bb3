import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

/** The gardenlet's Prometheus metrics. Labels come from the system's own fixed names, never from users. */
export class GardenletMetrics {
  readonly registry = new Registry();
  readonly seedOrphansRemoved = new Counter({
    name: 'gardenlet_seed_orphans_removed_total',
    help: 'Seed resources (control planes, networks, tofu workspaces, machines, bastions) removed because no shoot owned them',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly seedOrphanRemovalFailures = new Counter({
    name: 'gardenlet_seed_orphan_removal_failures_total',
    help: 'Attempts to remove an orphaned seed resource that failed (retried on the next pass)',
    labelNames: ['kind'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gardenlet_' });
  }
}

/** Serves `/metrics` on `host:port` when configured; nothing else is served, nothing needs a token. */
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server?: Server;

  constructor(
    private readonly metrics: GardenletMetrics,
    private readonly listen: { host: string; port: number } | undefined,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.listen) return;
    const { host, port } = this.listen;
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      this.metrics.registry.metrics().then(
        (body) => response.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(body),
        () => response.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    this.server = server;
    this.logger.log(`metrics on http://${host}:${this.address()?.port}/metrics`);
  }

  /** The bound address (port 0 picks a free one), once listening. */
  address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
