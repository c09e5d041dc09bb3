import { setTimeout as sleep } from 'node:timers/promises';
import { Backoff } from '@gardener-ts/api/backoff';
import { isExpired } from './errors.js';
import type { WatchEvent, WatchQuery, WatchStream } from './transport.js';

/** Pauses between failed attempts to watch: doubling from 500 ms to 30 s, with jitter. */
const RETRY = { initialMs: 500, maxMs: 30_000 };

export interface WatcherOptions {
  /** called once the watch is open again after it was down (a reconnect may have missed events) */
  readonly onReconnect?: () => void;
  readonly onError?: (error: unknown) => void;
}

/**
 * Keeps one watch open for as long as it runs, as client-go's reflector (from the query's
 * resourceVersion if it has one, else every current object first): a watch the server ends is
 * opened again from the last resourceVersion seen; one whose history expired starts over (every
 * current object comes again as ADDED); one that fails is tried again after a growing pause.
 */
export class Watcher {
  private stream: WatchStream | undefined;
  private stopped = false;
  private resourceVersion: string | undefined;
  private readonly running: Promise<void>;
  private readonly wake = new AbortController();

  constructor(
    private readonly open: (query: WatchQuery, onEvent: (event: WatchEvent) => void) => Promise<WatchStream>,
    private readonly query: WatchQuery,
    private readonly onEvent: (event: WatchEvent) => void,
    private readonly options: WatcherOptions = {},
  ) {
    this.resourceVersion = query.resourceVersion;
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stream?.close();
    this.wake.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(RETRY);
    let failedBefore = false;
    while (!this.stopped) {
      try {
        await this.watchOnce(failedBefore);
        backoff.reset();
        failedBefore = false;
      } catch (error) {
        if (this.stopped) return;
        if (isExpired(error)) {
          this.resourceVersion = undefined;
          continue;
        }
        this.options.onError?.(error);
        failedBefore = true;
        await sleep(backoff.next(), undefined, { signal: this.wake.signal }).catch(() => undefined);
      }
    }
  }

  private async watchOnce(reconnecting: boolean): Promise<void> {
    this.stream = await this.open({ ...this.query, resourceVersion: this.resourceVersion }, (event) => {
      this.resourceVersion = event.object.metadata.resourceVersion ?? this.resourceVersion;
      this.onEvent(event);
    });
    if (this.stopped) this.stream.close();
    if (reconnecting) this.options.onReconnect?.();
    await this.stream.done;
  }
}
