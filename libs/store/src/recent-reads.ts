import type { KubeObject } from '@gardener-ts/api';
import type { ResourceRepository } from './repository.js';

/** How long a read of a cluster-scoped object is reused when nothing says it changed. */
const REUSE_MS = 1_000;

/**
 * Reads of cluster-scoped objects of one kind that change rarely (CloudProfiles), reused for up to
 * a second, as Gardener's admission plugins read them from informer caches. A write of the kind
 * committed by this process makes every read fresh at once; one by another API replica shows
 * within the second.
 */
export class RecentReads<T extends KubeObject> {
  private readonly reads = new Map<string, { at: number; writes: number; read: Promise<T | undefined> }>();

  constructor(
    private readonly repository: ResourceRepository,
    private readonly kind: string,
  ) {}

  get(name: string): Promise<T | undefined> {
    const now = Date.now();
    const writes = this.repository.writesOf(this.kind);
    const cached = this.reads.get(name);
    // a copy each time: admission defaults shoots from it and must not change what others read
    if (cached && cached.writes === writes && now - cached.at <= REUSE_MS) return cached.read.then(copy);
    if (this.reads.size > 1000) this.reads.clear();
    const read = this.repository.get({ kind: this.kind, name }) as Promise<T | undefined>;
    this.reads.set(name, { at: now, writes, read });
    read.catch(() => this.reads.delete(name));
    return read.then(copy);
  }
}

function copy<T>(obj: T): T {
  return obj === undefined ? obj : structuredClone(obj);
}
