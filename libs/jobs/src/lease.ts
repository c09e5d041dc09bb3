import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface HeldLease {
  /** aborted when the lease is lost (renewal failed), so the work stops */
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

/**
 * The one lease on a Redis key: taken with SET NX PX when nobody holds it, renewed every third of
 * its TTL while held (only by its holder), lost as soon as a renewal fails, and deleted on release
 * only if still held by the same holder. A holder that dies leaves it to expire after `ttlMs`.
 * `what` names the lease in the error its signal aborts with. Also `@gardener-ts/jobs/lease`.
 */
export async function takeLease(
  redis: Redis,
  key: string,
  ttlMs: number,
  what: string,
  holder: string = randomUUID(),
): Promise<HeldLease | undefined> {
  const taken = await redis.set(key, holder, 'PX', ttlMs, 'NX');
  if (taken !== 'OK') return undefined;
  const controller = new AbortController();
  const timer = setInterval(async () => {
    const renewed = await redis.eval(RENEW, 1, key, holder, ttlMs).catch(() => 0);
    if (renewed !== 1) {
      clearInterval(timer);
      controller.abort(new Error(`lease on ${what} was lost`));
    }
  }, ttlMs / 3);
  timer.unref();
  return {
    signal: controller.signal,
    release: async () => {
      clearInterval(timer);
      await redis.eval(RELEASE, 1, key, holder);
    },
  };
}

/**
 * A per-shoot lease in Redis so that no two gardenlets run the same shoot at once, even when
 * BullMQ hands a stalled job to a second worker while the first is still alive.
 */
export class ShootLeases {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs = 30_000,
  ) {}

  /** Takes the lease or returns undefined if someone else holds it. */
  acquire(uid: string, holder: string = randomUUID()): Promise<HeldLease | undefined> {
    return takeLease(this.redis, this.key(uid), this.ttlMs, `shoot ${uid}`, holder);
  }

  async holder(uid: string): Promise<string | null> {
    return this.redis.get(this.key(uid));
  }

  private key(uid: string): string {
    return `${this.prefix}:lease:${uid}`;
  }
}
