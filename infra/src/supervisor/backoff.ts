import { backoffDelay, type BackoffPolicy as DelayPolicy } from '@gardener-ts/api/backoff';

/** When a supervised service that died is started again: from initialMs, doubling per crash up to maxMs. */
export interface BackoffPolicy extends DelayPolicy {
  /** a run at least this long counts as stable: the delay starts over */
  readonly resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000, resetAfterMs: 60_000 };

/** this many short runs in a row make a crash loop (logged and shown in the status file) */
export const CRASH_LOOP_THRESHOLD = 5;

/** Exponential backoff with a cap, reset by a stable run; counts the short runs in a row. */
export class RestartBackoff {
  /** restarts since the last stable run */
  consecutive = 0;

  constructor(private readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {}

  /** The delay before the next start, given how long the run that just ended lasted. */
  next(ranMs: number): number {
    if (ranMs >= this.policy.resetAfterMs) this.consecutive = 0;
    this.consecutive++;
    return backoffDelay(this.policy, this.consecutive);
  }

  get crashLooping(): boolean {
    return this.consecutive >= CRASH_LOOP_THRESHOLD;
  }
}
