import { setTimeout as sleep } from 'node:timers/promises';
import { isExpired } from './errors.js';
import type { WatchEvent, WatchQuery, WatchStream } from './transport.js';

/** Pauses between failed attempts to watch: doubling from the first to the last, with jitter. */
const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 30_000;

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
    let pause = FIRST_RETRY_MS;
    let failedBefore = false;
    while (!this.stopped) {
      try {
        await this.watchOnce(failedBefore);
        pause = FIRST_RETRY_MS;
        failedBefore = false;
      } catch (error) {
        if (this.stopped) return;
        if (isExpired(error)) {
          this.resourceVersion = undefined;
          continue;
        }
        this.options.onError?.(error);
        failedBefore = true;
        await sleep(pause * (0.5 + Math.random() / 2), undefined, { signal: this.wake.signal }).catch(
          () => undefined,
        );
        pause = Math.min(pause * 2, LAST_RETRY_MS);
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
