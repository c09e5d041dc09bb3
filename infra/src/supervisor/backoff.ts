/** When a supervised service that died is started again. */
export interface BackoffPolicy {
  /** the first restart's delay */
  readonly initialMs: number;
  /** the delay doubles per crash up to this */
  readonly maxMs: number;
  /** a run at least this long counts as stable: the delay starts over */
  readonly resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000, resetAfterMs: 60_000 };

/** this many short runs in a row make a crash loop (logged and shown in the status file) */
export const CRASH_LOOP_THRESHOLD = 5;

/** Exponential backoff with a cap, reset by a stable run; counts the short runs in a row. */
export class RestartBackoff {
  private delayMs: number;
  /** restarts since the last stable run */
  consecutive = 0;

  constructor(private readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {
    this.delayMs = policy.initialMs;
  }

  /** The delay before the next start, given how long the run that just ended lasted. */
  next(ranMs: number): number {
    if (ranMs >= this.policy.resetAfterMs) {
      this.delayMs = this.policy.initialMs;
      this.consecutive = 0;
    }
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.policy.maxMs);
    this.consecutive++;
    return delay;
  }

  get crashLooping(): boolean {
    return this.consecutive >= CRASH_LOOP_THRESHOLD;
  }
}
