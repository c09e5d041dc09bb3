import { EventExpiry } from '@gardener-ts/garden-controllers';
import type { Store } from '@gardener-ts/store';
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

/**
 * Event expiry (libs/garden-controllers) in the API process: every `eventExpirySeconds` the events
 * that have not happened again for `eventTtlSeconds` are deleted. Every API process runs it; an
 * advisory lock lets one pass run at a time.
 */
@Injectable()
export class EventExpiryLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('event-expiry');
  private readonly passes: PeriodicPass;

  constructor(@Inject(STORE) store: Store, @Inject(API_CONFIG) config: ApiConfig) {
    const expiry = new EventExpiry(store.pool, store.repository, { ttlMs: config.eventTtlSeconds * 1000 });
    this.passes = new PeriodicPass(this.logger, config.eventExpirySeconds * 1000, async () => {
      const deleted = await expiry.pass();
      if (deleted) this.logger.log(`${deleted} expired events deleted`);
    });
  }

  onApplicationBootstrap(): void {
    this.passes.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.passes.stop();
  }
}
