import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';

/** Runs a check on an interval, one round at a time; a failed round is logged, not fatal. */
export class Periodic implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;

  constructor(
    readonly name: string,
    private readonly intervalMs: number,
    private readonly check: () => Promise<void>,
  ) {
    this.logger = new Logger(name);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.round ??= this.check()
        .catch((error: Error) => this.logger.warn(`${this.name} failed: ${error.message}`))
        .finally(() => {
          this.round = undefined;
        });
    }, this.intervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.round;
  }
}
