import { type Identity, isGardenAdmin } from '@gardener-ts/auth';
import { HttpException } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import type { WatchLimitSettings } from '../config.js';

/** What a client refused a watch is told to wait before it tries again. */
export const WATCH_RETRY_AFTER_SECONDS = 5;

/** 429 TooManyRequests (status.ts maps it to a Kubernetes Status); the reply carries Retry-After. */
export class TooManyWatches extends HttpException {
  constructor(message: string) {
    super(message, 429);
  }
}

/** A place among the open watches, held until the watch ends. */
export interface WatchSlot {
  release(): void;
}

/** An open watch, whose access is checked again every so often. */
export interface GuardedWatch {
  /** Watches with one key (same token, same collection) share one check. */
  readonly checkKey: string;
  /** False once the token is revoked or expired, or the access the watch needs is withdrawn. */
  stillAllowed(): Promise<boolean>;
  /** Bytes written but not yet taken by the client (bounded by backpressure). */
  buffered(): number;
  end(): void;
}

/** Checks run this many at a time, so that a round does not take the whole database pool. */
const CHECK_CONCURRENCY = 4;

function identityKey(identity: Identity): string {
  // a service account's name carries its namespace: system:serviceaccount:<ns>:<name>
  return `${identity.kind}:${identity.name}`;
}

/**
 * Counts open watches against the per-identity and total caps, and ends watches whose access is
 * gone. Garden admins are neither capped nor counted: they are the operators, who must be able to
 * watch a garden whose tenants have filled every slot.
 */
export class WatchLimits {
  private readonly perIdentity = new Map<string, number>();
  private total = 0;
  private admins = 0;
  private readonly guarded = new Set<GuardedWatch>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    readonly settings: WatchLimitSettings,
    registry?: Registry,
  ) {
    if (registry) this.registerGauge(registry);
  }

  /** Takes a slot for a new watch of `identity`, or throws TooManyWatches (nothing else changes). */
  acquire(identity: Identity): WatchSlot {
    if (isGardenAdmin(identity)) {
      this.admins++;
      return this.slot(() => this.admins--);
    }
    const key = identityKey(identity);
    const mine = this.perIdentity.get(key) ?? 0;
    if (mine >= this.settings.maxPerUser)
      throw new TooManyWatches(
        `too many watches: ${identity.kind} "${identity.name}" already has ${mine} open (at most ${this.settings.maxPerUser}); close one or retry later`,
      );
    if (this.total >= this.settings.maxTotal)
      throw new TooManyWatches(
        `too many watches: the server already serves ${this.total} (at most ${this.settings.maxTotal}); retry later`,
      );
    this.perIdentity.set(key, mine + 1);
    this.total++;
    return this.slot(() => {
      this.total--;
      const left = (this.perIdentity.get(key) ?? 1) - 1;
      if (left > 0) this.perIdentity.set(key, left);
      else this.perIdentity.delete(key);
    });
  }

  /** Checks the watch's access every `recheckMs` and ends it once access is gone; returns the undo. */
  guard(watch: GuardedWatch): () => void {
    this.guarded.add(watch);
    if (!this.timer) {
      this.timer = setInterval(() => void this.recheck(), this.settings.recheckMs);
      this.timer.unref();
    }
    return () => {
      this.guarded.delete(watch);
      if (this.guarded.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private slot(free: () => void): WatchSlot {
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        free();
      },
    };
  }

  /** One round: a round still running when the next is due makes that one skip. */
  private async recheck(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const byKey = new Map<string, GuardedWatch[]>();
      for (const watch of this.guarded)
        byKey.set(watch.checkKey, [...(byKey.get(watch.checkKey) ?? []), watch]);
      const groups = [...byKey.values()];
      for (let i = 0; i < groups.length; i += CHECK_CONCURRENCY)
        await Promise.all(groups.slice(i, i + CHECK_CONCURRENCY).map((group) => this.checkGroup(group)));
    } finally {
      this.checking = false;
    }
  }

  private async checkGroup(group: GuardedWatch[]): Promise<void> {
    const [first] = group;
    // a check that fails for another reason (the database is away) keeps the watch: next round decides
    const allowed = await first?.stillAllowed().catch(() => true);
    if (allowed !== false) return;
    for (const watch of group) watch.end();
  }

  private registerGauge(registry: Registry): void {
    const limits = this;
    new Gauge({
      name: 'gardener_api_watches',
      help: 'Open watches, of garden admins and of everyone else (capped)',
      labelNames: ['admin'] as const,
      registers: [registry],
      collect() {
        this.set({ admin: 'true' }, limits.admins);
        this.set({ admin: 'false' }, limits.total);
      },
    });
    new Gauge({
      name: 'gardener_api_watch_buffered_bytes',
      help: 'Bytes of watch events written but not yet taken by their clients',
      registers: [registry],
      collect() {
        let bytes = 0;
        for (const watch of limits.guarded) bytes += watch.buffered();
        this.set(bytes);
      },
    });
  }
}
