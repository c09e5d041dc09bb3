import type { ServerResponse } from 'node:http';
import type { WatchHandle } from '@gardener-ts/store';

/** How long an ended watch may take to flush to a reader that has stopped reading. */
const END_GRACE_MS = 5000;

/**
 * One watch's chunked response, honouring backpressure: while the socket's buffer is full the
 * store's watch is paused (nothing queues here), and a reader that falls more than `maxLagEvents`
 * behind is cut off, as kube-apiserver closes a watcher that is too slow. The client re-watches
 * from the last resourceVersion it saw (410 Expired if that history is gone).
 */
export class WatchStream {
  /** Lines produced before the stream opens: the first page of history, or the initial list. */
  private readonly queue: string[] = [];
  private handle: WatchHandle | undefined;
  private open = false;
  private ended = false;
  private readonly cleanups: Array<() => void> = [];

  constructor(
    private readonly response: ServerResponse,
    private readonly maxLagEvents: number,
  ) {}

  write(line: string): void {
    if (this.ended) return;
    if (!this.open) {
      this.queue.push(line);
      return;
    }
    if (!this.response.write(line)) this.handle?.pause(this.maxLagEvents, () => this.fallBehind());
  }

  /** Sends the headers at once (the client knows the watch is open), then what was queued. */
  start(handle: WatchHandle): void {
    this.handle = handle;
    this.response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
    this.response.flushHeaders();
    this.open = true;
    for (const line of this.queue.splice(0)) this.write(line);
    this.response.on('drain', () => handle.resume());
    this.response.on('close', () => this.end());
  }

  /** Bytes written but not yet taken by the client. */
  get buffered(): number {
    return this.response.writableLength;
  }

  /** Runs once the stream ends, whatever ended it. */
  onEnd(cleanup: () => void): void {
    if (this.ended) cleanup();
    else this.cleanups.push(cleanup);
  }

  /** Ends the chunked response as a watch timeout does; a reader that never takes it is cut off. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.handle?.close();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (!this.open) return;
    this.response.end();
    if (this.response.writableFinished) return;
    const cutOff = setTimeout(() => this.response.destroy(), END_GRACE_MS);
    cutOff.unref();
    this.response.once('close', () => clearTimeout(cutOff));
  }

  private fallBehind(): void {
    this.end();
    this.response.destroy();
  }
}
