import type { Client } from 'pg';
import { StoreError, StoreErrorCode } from './errors.js';
import { EVENTS_CHANNEL, ResourceRepository, type Selection, type StoredEvent } from './repository.js';

const PAGE = 1000;
/** A fallback poll in case a notification is lost (e.g. while the listener reconnects). */
const POLL_MS = 1000;

export interface WatchHandle {
  close(): void;
}

interface Watcher {
  kind: string;
  selection: Selection;
  cursor: bigint;
  catchingUp: boolean;
  buffer: StoredEvent[];
  onEvent: (event: StoredEvent) => void;
  onError: (error: Error) => void;
}

/**
 * Fans the events table out to in-process watchers. One LISTEN connection wakes the hub on every
 * commit; the hub reads new events once and hands each to the watchers whose kind and selection
 * match. A watcher resuming from an old resourceVersion first replays history from the table.
 */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private last = 0n;
  private pumping: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly listener: Client,
    private readonly repository: ResourceRepository,
  ) {}

  async start(): Promise<void> {
    this.last = await this.repository.currentResourceVersion();
    this.listener.on('notification', () => this.pump());
    this.listener.on('error', () => undefined);
    await this.listener.query(`LISTEN ${EVENTS_CHANNEL}`);
    this.timer = setInterval(() => this.pump(), POLL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const watcher of this.watchers) this.watchers.delete(watcher);
    await this.pumping?.catch(() => undefined);
    await this.listener.end().catch(() => undefined);
  }

  get size(): number {
    return this.watchers.size;
  }

  /** Streams events of `kind` after `from`; throws Expired when that history is gone. */
  async watch(
    kind: string,
    selection: Selection,
    from: bigint,
    onEvent: (event: StoredEvent) => void,
    onError: (error: Error) => void,
  ): Promise<WatchHandle> {
    const watcher: Watcher = {
      kind,
      selection,
      cursor: from,
      catchingUp: true,
      buffer: [],
      onEvent,
      onError,
    };
    this.watchers.add(watcher);
    try {
      for (;;) {
        const events = await this.repository.eventsSince([kind], watcher.cursor, PAGE);
        for (const event of events) this.send(watcher, event);
        if (events.length < PAGE) break;
      }
    } catch (error) {
      this.watchers.delete(watcher);
      throw error;
    }
    watcher.catchingUp = false;
    const buffered = watcher.buffer
      .splice(0)
      .sort((a, b) => (a.resourceVersion < b.resourceVersion ? -1 : 1));
    for (const event of buffered) this.send(watcher, event);
    return { close: () => this.watchers.delete(watcher) };
  }

  /** Live events wait in a buffer while the watcher still replays history. */
  private deliver(watcher: Watcher, event: StoredEvent): void {
    if (watcher.catchingUp) watcher.buffer.push(event);
    else this.send(watcher, event);
  }

  private send(watcher: Watcher, event: StoredEvent): void {
    if (event.resourceVersion <= watcher.cursor) return;
    watcher.cursor = event.resourceVersion;
    if (event.object.kind !== watcher.kind) return;
    const type = ResourceRepository.seenAs(event, watcher.selection);
    if (type) watcher.onEvent(type === event.type ? event : { ...event, type });
  }

  private pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.drain().finally(() => {
      this.pumping = undefined;
      if (this.again) {
        this.again = false;
        this.pump();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        if (this.watchers.size === 0) {
          this.last = await this.repository.currentResourceVersion();
          return;
        }
        // All kinds, not only the watched ones: a watcher that registers mid-drain must not find
        // the hub already past events of its kind that its own catch-up read did not see yet.
        const events = await this.repository.eventsSince(undefined, this.last, PAGE);
        for (const event of events) {
          this.last = event.resourceVersion;
          for (const watcher of this.watchers) {
            if (watcher.kind === event.object.kind) this.deliver(watcher, event);
          }
        }
        if (events.length < PAGE) return;
      }
    } catch (error) {
      if (error instanceof StoreError && error.code === StoreErrorCode.Expired) {
        for (const watcher of this.watchers) watcher.onError(error);
        this.watchers.clear();
        this.last = await this.repository.currentResourceVersion();
      }
    }
  }
}
