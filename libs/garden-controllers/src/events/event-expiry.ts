import { DEFAULT_EVENT_TTL_MS } from '@gardener-ts/api';
import { type ResourceRepository, StoreError, StoreErrorCode } from '@gardener-ts/store';
import type { Pool } from 'pg';
import { whileHoldingLock } from '../project/pass-lock.js';

/** When an event last happened: the newest of its own times, its creation when it has none. */
const EVENT_TIMES = {
  timeFields: ['lastTimestamp', 'eventTime', 'series.lastObservedTime'],
  fallbackField: 'metadata.creationTimestamp',
} as const;

const BATCH = 500;
const LOCK = 'gardener-ts:event-expiry';

export interface EventExpiryOptions {
  /** how long an event lives after it last happened (kube-apiserver's --event-ttl, 1 h) */
  readonly ttlMs?: number;
  readonly now?: () => Date;
}

/** Gone, or written again since it was read (then it is no longer expired): not ours to delete. */
function isGoneOrChanged(error: unknown): boolean {
  return (
    error instanceof StoreError &&
    (error.code === StoreErrorCode.NotFound || error.code === StoreErrorCode.Conflict)
  );
}

/**
 * Old events go, as kube-apiserver's event TTL makes them: an event that has not happened again
 * for the TTL (its lastTimestamp, eventTime or series.lastObservedTime, whichever is newest; its
 * creation when it carries none) is deleted, and watchers see it DELETED. One pass at a time across API replicas
 * (a transaction-scoped advisory lock, tried, never waited for); each deletion names the version
 * it read, so an event counted up meanwhile stays.
 */
export class EventExpiry {
  constructor(
    private readonly pool: Pool,
    private readonly repository: ResourceRepository,
    private readonly options: EventExpiryOptions = {},
  ) {}

  /** Deletes what has expired; returns how many, or undefined when another process holds the pass. */
  async pass(): Promise<number | undefined> {
    let deleted = 0;
    const ran = await whileHoldingLock(this.pool, LOCK, async () => {
      deleted = await this.deleteExpired();
    });
    return ran ? deleted : undefined;
  }

  private async deleteExpired(): Promise<number> {
    const ttl = this.options.ttlMs ?? DEFAULT_EVENT_TTL_MS;
    const cutoff = new Date((this.options.now?.() ?? new Date()).getTime() - ttl);
    let deleted = 0;
    for (;;) {
      const expired = await this.repository.olderThan('Event', EVENT_TIMES, cutoff, BATCH);
      const before = deleted;
      for (const { resourceVersion, ...key } of expired) {
        try {
          await this.repository.delete(key, resourceVersion);
          deleted++;
        } catch (error) {
          if (!isGoneOrChanged(error)) throw error;
        }
      }
      // a full batch that all changed meanwhile is left to the next pass
      if (expired.length < BATCH || deleted === before) return deleted;
    }
  }
}
