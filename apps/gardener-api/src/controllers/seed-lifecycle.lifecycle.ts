import { GardenClient, InProcessTransport } from '@gardener-ts/client';
import { SeedLifecycle } from '@gardener-ts/garden-controllers';
import { ResourceService, type Store } from '@gardener-ts/store';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { ApiConfig } from '../config.js';
import { API_CONFIG, STORE } from '../tokens.js';
import { PeriodicPass } from './periodic-pass.js';

/** How often seeds' heartbeats are looked at: a quarter of the grace period, at least every 10 s. */
const passMs = (graceSeconds: number) => Math.min(10_000, Math.max(1_000, (graceSeconds * 1000) / 4));

/**
 * The seed lifecycle controller (libs/garden-controllers) in the API process: seeds whose gardenlet
 * stopped beating, and their shoots, turn Unknown. Every API process runs it; one pass at a time.
 */
@Injectable()
export class SeedLifecycleControllerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly passes: PeriodicPass;

  constructor(
    @Inject(STORE) store: Store,
    @Inject(ResourceService) resources: ResourceService,
    @Inject(API_CONFIG) config: ApiConfig,
  ) {
    const client = new GardenClient(new InProcessTransport(resources));
    const controller = new SeedLifecycle(client, store.pool, { graceMs: config.seedGraceSeconds * 1000 });
    this.passes = new PeriodicPass(new Logger('seed-lifecycle'), passMs(config.seedGraceSeconds), () =>
      controller.checkAll(),
    );
  }

  onApplicationBootstrap(): void {
    this.passes.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.passes.stop();
  }
}
