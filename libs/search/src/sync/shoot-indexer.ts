import { setTimeout as sleep } from 'node:timers/promises';
import { emptyBatch, type IndexBatch, type IndexedObject } from '../batch.js';
import type { IndexedResource } from '../resources.js';
import { type Change, Reflector } from './reflector.js';
import { type ShootAccess, ShootApi } from './shoot-api.js';

/** The shoot a batch belongs to, as the garden knows it. */
export interface ShootRef {
  readonly uid: string;
  /** the project namespace */
  readonly namespace: string;
  readonly name: string;
}

/** Writes a batch to the garden's index (over the garden API, or straight to its database). */
export type IndexWriter = (shoot: ShootRef, batch: IndexBatch) => Promise<void>;

export interface ShootIndexerOptions {
  /** changes are gathered this long before a write (a burst becomes one batch) */
  readonly flushDelayMs?: number;
  /** a batch stays under this many bytes of objects (the garden's body limit is 3 MiB) */
  readonly maxBatchBytes?: number;
  readonly onError?: (error: Error) => void;
}

type ObjectChange = Exclude<Change, { type: 'listed' }>;

const keyOf = (c: ObjectChange) =>
  `${c.kind}/${c.type === 'upsert' ? (c.object.metadata.namespace ?? '') : (c.namespace ?? '')}/${c.type === 'upsert' ? c.object.metadata.name : c.name}`;

/**
 * Keeps one shoot's objects of the indexed kinds in the garden's index: a reflector per kind,
 * whose changes are gathered (the latest per object wins) and written in ordered batches, one at
 * a time; a failed write keeps its changes and is tried again.
 */
export class ShootIndexer {
  private readonly pending = new Map<string, ObjectChange>();
  private readonly prunes = new Map<string, string>();
  private readonly aborter = new AbortController();
  private readonly runs: Promise<void>[] = [];
  private api: ShootApi;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    readonly shoot: ShootRef,
    access: ShootAccess,
    private readonly resources: readonly IndexedResource[],
    private readonly write: IndexWriter,
    private readonly options: ShootIndexerOptions = {},
  ) {
    this.api = new ShootApi(access);
  }

  start(): void {
    for (const resource of this.resources) {
      const reflector = new Reflector(
        () => this.api,
        resource,
        (change) => this.onChange(change),
        {
          ...(this.options.onError ? { onError: this.options.onError } : {}),
        },
      );
      this.runs.push(reflector.run(this.aborter.signal));
    }
  }

  /** A renewed client certificate: connections made from now on use it. */
  updateAccess(access: ShootAccess): void {
    const previous = this.api;
    this.api = new ShootApi(access);
    void previous.close().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.aborter.abort();
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled(this.runs);
    await this.api.close().catch(() => undefined);
  }

  /** Waits until every change seen so far is written (tests, benchmarks). */
  async drained(): Promise<void> {
    while (this.pending.size > 0 || this.prunes.size > 0 || this.flushing) {
      await (this.flushing ?? sleep(10));
    }
  }

  private onChange(change: Change): void {
    if (change.type === 'listed') this.prunes.set(change.kind, change.epoch);
    else this.pending.set(keyOf(change), change);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.flushing || this.aborter.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
        if (this.pending.size > 0 || this.prunes.size > 0) this.schedule();
      });
    }, this.options.flushDelayMs ?? 50);
  }

  private async flush(): Promise<void> {
    let backoff = 250;
    while ((this.pending.size > 0 || this.prunes.size > 0) && !this.aborter.signal.aborted) {
      const { batch, taken, prunes } = this.nextBatch();
      try {
        await this.write(this.shoot, batch);
        backoff = 250;
      } catch (error) {
        this.options.onError?.(error as Error);
        await sleep(backoff, undefined, { signal: this.aborter.signal }).catch(() => undefined);
        backoff = Math.min(backoff * 2, 10_000);
        continue;
      }
      // what changed again while the batch was on its way stays pending
      for (const [key, change] of taken) if (this.pending.get(key) === change) this.pending.delete(key);
      for (const [kind, epoch] of prunes) if (this.prunes.get(kind) === epoch) this.prunes.delete(kind);
    }
  }

  private nextBatch(): { batch: IndexBatch; taken: Map<string, ObjectChange>; prunes: Map<string, string> } {
    const batch = emptyBatch();
    const taken = new Map<string, ObjectChange>();
    const limit = this.options.maxBatchBytes ?? 1024 * 1024;
    let bytes = 0;
    for (const [key, change] of this.pending) {
      if (change.type === 'upsert') {
        const size = JSON.stringify(change.object).length;
        if (bytes + size > limit && taken.size > 0) break;
        bytes += size;
        batch.upserts.push({
          kind: change.kind,
          epoch: change.epoch,
          object: change.object as IndexedObject,
        });
      } else {
        batch.deletes.push({
          kind: change.kind,
          name: change.name,
          ...(change.namespace ? { namespace: change.namespace } : {}),
        });
      }
      taken.set(key, change);
      if (taken.size >= 2_000) break;
    }
    // a list's prune goes only with (or after) the last of the objects it saw
    const prunes = taken.size === this.pending.size ? new Map(this.prunes) : new Map<string, string>();
    for (const [kind, epoch] of prunes) batch.prunes.push({ kind, epoch });
    return { batch, taken, prunes };
  }
}
