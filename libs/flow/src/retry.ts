import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, withJitter } from '@gardener-ts/api/backoff';
import type { Task } from './task.js';

const DEFAULT_INITIAL_DELAY_MS = 1_000;
const DEFAULT_MAX_DELAY_MS = 30_000;

/**
 * Runs the task, retrying failed attempts with exponential backoff (and jitter) until its retry
 * window closes, the error is not retryable, or the flow is aborted. The last error is thrown.
 */
export async function runWithRetry(
  task: Task,
  signal: AbortSignal,
  isRetryable: (error: Error) => boolean = () => true,
): Promise<void> {
  const started = Date.now();
  const policy = task.retry;
  const backoff = {
    initialMs: policy?.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS,
    maxMs: policy?.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await task.fn({ signal, attempt });
      return;
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      const windowLeft = policy ? started + policy.timeoutMs - Date.now() : 0;
      if (!policy || signal.aborted || !isRetryable(error) || windowLeft <= 0) throw error;
      const wait = Math.min(withJitter(backoffDelay(backoff, attempt)), windowLeft);
      // an abort ends the wait early; the next attempt sees the aborted signal
      await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
  }
}
