/**
 * Exponential backoff, the one way every retry here waits: the first retry waits `initialMs`, each
 * next one twice as long, never longer than `maxMs`. Jitter, where callers that failed together
 * should not come back together, takes a random point in the upper half of that pause ("equal
 * jitter"), so a pause is never shorter than half its step. Also `@gardener-ts/api/backoff`, which
 * loads nothing else.
 */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** doublings past this only ever hit the cap (2^40 ms is decades); it keeps 0 × ∞ out */
const MAX_DOUBLINGS = 40;

/** The pause before retry number `retry` (1-based; 0 and below count as 1), without jitter. */
export function backoffDelay(policy: BackoffPolicy, retry: number): number {
  const doublings = Math.min(Math.max(0, retry - 1), MAX_DOUBLINGS);
  return Math.min(policy.initialMs * 2 ** doublings, policy.maxMs);
}

/** A random pause between half of `delayMs` and `delayMs`. */
export function withJitter(delayMs: number): number {
  return delayMs * (0.5 + Math.random() / 2);
}

/** The pauses of one retry loop, jittered: `next()` after each failure, `reset()` after a success. */
export class Backoff {
  private retries = 0;

  constructor(private readonly policy: BackoffPolicy) {}

  next(): number {
    this.retries++;
    return withJitter(backoffDelay(this.policy, this.retries));
  }

  reset(): void {
    this.retries = 0;
  }
}
