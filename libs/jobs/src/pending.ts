import type { Redis } from 'ioredis';

/**
 * "This shoot changed since its job last read it." Set on every enqueue, cleared when a run
 * starts; a run that ends with it set again runs once more, so no change is lost and a burst of
 * changes costs at most one extra run.
 */
export class PendingMarks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  mark(uid: string): Promise<unknown> {
    return this.redis.set(this.key(uid), String(Date.now()));
  }

  /** clears the mark; true if there was one */
  async take(uid: string): Promise<boolean> {
    return (await this.redis.del(this.key(uid))) === 1;
  }

  async isMarked(uid: string): Promise<boolean> {
    return (await this.redis.exists(this.key(uid))) === 1;
  }

  private key(uid: string): string {
    return `${this.prefix}:pending:${uid}`;
  }
}
