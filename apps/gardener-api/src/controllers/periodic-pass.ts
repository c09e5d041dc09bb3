import type { Logger } from '@nestjs/common';

/**
 * A garden controller's pass on an interval in the API process: one pass at a time (a call during
 * a pass joins it), a failed pass is logged and the next one tries again, and stop() waits for the
 * pass under way so that the store may close after it.
 */
export class PeriodicPass {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly pass: () => Promise<void>,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.run(), this.intervalMs);
    this.timer.unref();
  }

  run(): Promise<void> {
    this.running ??= this.pass()
      .catch((error: unknown) => this.logger.warn(error instanceof Error ? error.message : String(error)))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
