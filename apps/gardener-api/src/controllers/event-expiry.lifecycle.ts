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

/**
 * Event expiry (libs/garden-controllers) in the API process: every `eventExpirySeconds` the events
 * that have not happened again for `eventTtlSeconds` are deleted. Every API process runs it; an
 * advisory lock lets one pass run at a time.
 */
@Injectable()
export class EventExpiryLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('event-expiry');
  private readonly expiry: EventExpiry;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(@Inject(STORE) store: Store, @Inject(API_CONFIG) config: ApiConfig) {
    this.expiry = new EventExpiry(store.pool, store.repository, { ttlMs: config.eventTtlSeconds * 1000 });
    this.intervalMs = config.eventExpirySeconds * 1000;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.pass(), this.intervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private pass(): void {
    if (this.running) return;
    this.running = this.expiry
      .pass()
      .then((deleted) => {
        if (deleted) this.logger.log(`${deleted} expired events deleted`);
      })
      .catch((error) =>
        this.logger.warn(`expiring events: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => {
        this.running = undefined;
      });
  }
}
