import type { Client } from 'pg';
import { StoreError, StoreErrorCode } from './errors.js';
import { EVENTS_CHANNEL, ResourceRepository, type Selection, type StoredEvent } from './repository.js';

const PAGE = 1000;
/** A fallback poll in case a notification is lost (e.g. while the listener reconnects). */
const POLL_MS = 1000;

export interface WatchHandle {
  close(): void;
  /**
   * Stops delivering (the reader cannot keep up); nothing is buffered meanwhile, as the events
   * table keeps the history. Once more than `maxMissed` events for this watch went undelivered
   * since it was last caught up, the watch ends and `onFallenBehind` is called, as kube-apiserver
   * closes a watcher that is too slow.
   */
  pause(maxMissed: number, onFallenBehind: () => void): void;
  /** Delivers again, first what was missed (read back from the table), then live events. */
  resume(): void;
}

/**
 * live: events go straight to the watcher. catchingUp: the watcher reads history from the table
 * while live events wait in a bounded buffer. paused: nothing is delivered, missed events are
 * only counted. closed: gone from the hub.
 */
type WatcherState = 'catchingUp' | 'live' | 'paused' | 'closed';

interface Watcher {
  kind: string;
  selection: Selection;
  cursor: bigint;
  state: WatcherState;
  /** Live events that arrived during a catch-up; dropped (and re-read) once over MAX_BUFFERED. */
  buffer: StoredEvent[];
  overflowed: boolean;
  /** Tells a catch-up that a newer one (after pause and resume) took over. */
  round: number;
  /** Events missed while paused since the watcher was last caught up. */
  missed: number;
  maxMissed: number;
  onFallenBehind: () => void;
  onEvent: (event: StoredEvent) => void;
  onError: (error: Error) => void;
}

/** Live events a catching-up watcher may hold; beyond it the catch-up reads the table once more. */
const MAX_BUFFERED = 100;

/**
 * Fans the events table out to in-process watchers. One LISTEN connection wakes the hub on every
 * commit; the hub reads new events once and hands each to the watchers whose kind and selection
 * match. A watcher resuming from an old resourceVersion first replays history from the table, as
 * does a paused watcher when it resumes: the memory a watcher holds stays bounded however slow its
 * reader is.
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
    for (const watcher of this.watchers) this.remove(watcher);
    await this.pumping?.catch(() => undefined);
    await this.listener.end().catch(() => undefined);
  }

  get size(): number {
    return this.watchers.size;
  }

  /**
   * Streams events of `kind` after `from`; throws Expired when that history is gone. The first
   * page of history is delivered before this resolves, the rest (if any) right after.
   */
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
      state: 'catchingUp',
      buffer: [],
      overflowed: false,
      round: 0,
      missed: 0,
      maxMissed: 0,
      onFallenBehind: () => undefined,
      onEvent,
      onError,
    };
    this.watchers.add(watcher);
    const round = ++watcher.round;
    try {
      const more = await this.readPage(watcher, round);
      if (more) this.continueCatchUp(watcher, round);
      else if (this.current(watcher, round)) this.goLive(watcher);
    } catch (error) {
      this.remove(watcher);
      throw error;
    }
    return {
      close: () => this.remove(watcher),
      pause: (maxMissed, onFallenBehind) => this.pause(watcher, maxMissed, onFallenBehind),
      resume: () => this.resume(watcher),
    };
  }

  private pause(watcher: Watcher, maxMissed: number, onFallenBehind: () => void): void {
    if (watcher.state === 'closed' || watcher.state === 'paused') return;
    watcher.state = 'paused';
    watcher.buffer = [];
    watcher.maxMissed = maxMissed;
    watcher.onFallenBehind = onFallenBehind;
  }

  private resume(watcher: Watcher): void {
    if (watcher.state !== 'paused') return;
    watcher.state = 'catchingUp';
    this.continueCatchUp(watcher, ++watcher.round);
  }

  private remove(watcher: Watcher): void {
    watcher.state = 'closed';
    watcher.buffer = [];
    this.watchers.delete(watcher);
  }

  /** Is this catch-up still the watcher's current one (not paused, closed or superseded)? */
  private current(watcher: Watcher, round: number): boolean {
    return watcher.state === 'catchingUp' && watcher.round === round;
  }

  private continueCatchUp(watcher: Watcher, round: number): void {
    void this.catchUp(watcher, round).catch((error: Error) => {
      if (watcher.state === 'closed') return;
      this.remove(watcher);
      watcher.onError(error);
    });
  }

  /** Reads history until the table has nothing newer, then hands over to live delivery. */
  private async catchUp(watcher: Watcher, round: number): Promise<void> {
    while (await this.readPage(watcher, round)) {
      // a full page: more to read
    }
    if (this.current(watcher, round)) this.goLive(watcher);
  }

  /** One page of history; true when there may be more (or live events were dropped meanwhile). */
  private async readPage(watcher: Watcher, round: number): Promise<boolean> {
    if (watcher.overflowed) {
      // everything dropped from the buffer is in the table; read it from there
      watcher.overflowed = false;
      watcher.buffer = [];
    }
    const events = await this.repository.eventsSince([watcher.kind], watcher.cursor, PAGE);
    for (const event of events) {
      if (!this.current(watcher, round)) return false;
      this.send(watcher, event);
    }
    if (!this.current(watcher, round)) return false;
    return events.length === PAGE || watcher.overflowed;
  }

  private goLive(watcher: Watcher): void {
    watcher.state = 'live';
    // misses add up over pauses until the watcher has caught up: a reader that never does is cut off
    watcher.missed = 0;
    const buffered = watcher.buffer
      .splice(0)
      .sort((a, b) => (a.resourceVersion < b.resourceVersion ? -1 : 1));
    for (const event of buffered) {
      if (watcher.state !== 'live') return;
      this.send(watcher, event);
    }
  }

  private deliver(watcher: Watcher, event: StoredEvent): void {
    switch (watcher.state) {
      case 'live':
        this.send(watcher, event);
        return;
      case 'catchingUp':
        if (watcher.overflowed) return;
        if (watcher.buffer.length < MAX_BUFFERED) watcher.buffer.push(event);
        else {
          watcher.overflowed = true;
          watcher.buffer = [];
        }
        return;
      case 'paused':
        this.countMissed(watcher, event);
        return;
      case 'closed':
        return;
    }
  }

  private countMissed(watcher: Watcher, event: StoredEvent): void {
    if (event.resourceVersion <= watcher.cursor) return;
    if (!ResourceRepository.seenAs(event, watcher.selection)) return;
    watcher.missed++;
    if (watcher.missed <= watcher.maxMissed) return;
    this.remove(watcher);
    watcher.onFallenBehind();
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
        for (const watcher of this.watchers) {
          this.remove(watcher);
          watcher.onError(error);
        }
        this.last = await this.repository.currentResourceVersion();
      }
    }
  }
}
