import type { ShootCare } from '@gardener-ts/botanist';
import { Inject, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { GardenletConfig } from './config.js';
import { GARDENLET_CONFIG, SHOOT_CARE } from './tokens.js';

/** Runs the care check on an interval, one round at a time. */
export class CareService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ShootCare');
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;

  constructor(
    @Inject(SHOOT_CARE) private readonly care: ShootCare,
    @Inject(GARDENLET_CONFIG) private readonly config: GardenletConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.round ??= this.care
        .checkAll()
        .catch((error: Error) => this.logger.warn(`care check failed: ${error.message}`))
        .finally(() => {
          this.round = undefined;
        });
    }, this.config.careIntervalSeconds * 1000);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.round;
  }
}
