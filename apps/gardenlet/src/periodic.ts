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
    private readonly options: { runAtStart?: boolean } = {},
  ) {
    this.logger = new Logger(name);
  }

  onApplicationBootstrap(): void {
    if (this.options.runAtStart) this.runRound();
    this.timer = setInterval(() => this.runRound(), this.intervalMs);
  }

  private runRound(): void {
    this.round ??= this.check()
      .catch((error: Error) => this.logger.warn(`${this.name} failed: ${error.message}`))
      .finally(() => {
        this.round = undefined;
      });
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.round;
  }
}
