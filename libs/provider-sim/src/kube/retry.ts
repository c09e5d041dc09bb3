import { backoffDelay, withJitter } from '@gardener-ts/api/backoff';
import type { ApiResponse } from './api-client.js';

/** How calls to a shoot's API server are retried when they fail in a way that may pass. */
export interface ApiRetrySettings {
  /** tries per call, the first included; default 5 (1 = no retries) */
  readonly attempts?: number;
  /** the pause before the first retry; it doubles with every retry; default 250 ms */
  readonly initialDelayMs?: number;
  /** the longest pause between two tries, a server's Retry-After included; default 4 s */
  readonly maxDelayMs?: number;
  /** a try that has not sent or received anything for this long has timed out; default 15 s */
  readonly timeoutMs?: number;
}

export const DEFAULT_API_RETRY: Required<ApiRetrySettings> = {
  attempts: 5,
  initialDelayMs: 250,
  maxDelayMs: 4_000,
  timeoutMs: 15_000,
};

/** What the calls to the shoots' API servers went through since the provider was made. */
export interface ApiCallStats {
  /** calls made (a call retried three times counts once) */
  readonly calls: number;
  /** tries that failed transiently and were tried again */
  readonly retries: number;
  /** calls that still failed transiently after their last try */
  readonly failures: number;
  /** every transient failure seen (retried or final) by reason: `timeout`, `ECONNRESET`, `HTTP 503`, … */
  readonly reasons: Readonly<Record<string, number>>;
}

/** HTTP answers a later try may not get: throttling and the server's own trouble (not 501) */
const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);
/** socket errors of a server that is busy, restarting or briefly out of reach */
const TRANSIENT_ERRNOS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** the reason to try an answer again, or undefined when it is final */
export function transientStatus(response: ApiResponse): string | undefined {
  return TRANSIENT_STATUSES.has(response.status) ? `HTTP ${response.status}` : undefined;
}

/** the reason to try a failed request again (its errno, or `timeout`), or undefined when it is final */
export function transientError(error: Error & { code?: unknown }): string | undefined {
  if (error instanceof RequestTimeout) return 'timeout';
  return typeof error.code === 'string' && TRANSIENT_ERRNOS.has(error.code) ? error.code : undefined;
}

/** a try that went quiet for longer than the client's timeout */
export class RequestTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'RequestTimeout';
  }
}

/**
 * The pause before retry number `retry` (1-based): exponential, with jitter so that the hundreds of
 * calls that failed together do not come back together; at least the server's Retry-After, and
 * never longer than maxDelayMs.
 */
export function backoffMs(retry: number, settings: Required<ApiRetrySettings>, retryAfterMs = 0): number {
  const exponential = backoffDelay({ initialMs: settings.initialDelayMs, maxMs: settings.maxDelayMs }, retry);
  return Math.min(settings.maxDelayMs, Math.max(withJitter(exponential), retryAfterMs));
}

export class ApiCallCounter {
  private calls = 0;
  private retries = 0;
  private failures = 0;
  private readonly reasons = new Map<string, number>();

  called(): void {
    this.calls += 1;
  }

  retried(reason: string): void {
    this.retries += 1;
    this.seen(reason);
  }

  failed(reason: string): void {
    this.failures += 1;
    this.seen(reason);
  }

  snapshot(): ApiCallStats {
    return {
      calls: this.calls,
      retries: this.retries,
      failures: this.failures,
      reasons: Object.fromEntries(this.reasons),
    };
  }

  private seen(reason: string): void {
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }
}
