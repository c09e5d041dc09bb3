import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';

/** Something that kicks a check when what it looks at changes (a watch), until stopped. */
export interface Trigger {
  stop(): Promise<void>;
}

export interface PeriodicOptions {
  readonly runAtStart?: boolean;
  /** started with the application: `kick` runs a round now (or once more after the running one) */
  readonly trigger?: (kick: () => void) => Trigger;
}

/**
 * Runs a check on an interval, one round at a time; a failed round is logged, not fatal. With a
 * trigger the interval is only the resync: changes start a round at once.
 */
export class Periodic implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private again = false;
  private trigger?: Trigger;

  constructor(
    readonly name: string,
    private readonly intervalMs: number,
    private readonly check: () => Promise<void>,
    private readonly options: PeriodicOptions = {},
  ) {
    this.logger = new Logger(name);
  }

  onApplicationBootstrap(): void {
    if (this.options.runAtStart) this.runRound();
    this.timer = setInterval(() => this.runRound(), this.intervalMs);
    this.trigger = this.options.trigger?.(() => this.kick());
  }

  /** A round now; if one is running, one more right after it (it may have read before the change). */
  kick(): void {
    if (!this.timer) return; // not started, or shut down
    if (this.round) this.again = true;
    else this.runRound();
  }

  private runRound(): void {
    this.round ??= this.check()
      .catch((error: Error) => this.logger.warn(`${this.name} failed: ${error.message}`))
      .finally(() => {
        this.round = undefined;
        if (this.again && this.timer) {
          this.again = false;
          this.runRound();
        }
      });
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.trigger?.stop();
    await this.round;
  }
}
