import { setTimeout as sleep } from 'node:timers/promises';
import { INDEXED_RESOURCES, type IndexedResource } from '../resources.js';
import type { ShootAccess } from './shoot-api.js';
import { type IndexWriter, ShootIndexer, type ShootIndexerOptions, type ShootRef } from './shoot-indexer.js';

/** What the controller needs to know of a shoot of its seed. */
export interface SyncedShoot extends ShootRef {
  /** the control plane runs: not hibernated, not being deleted, with a technical ID */
  readonly running: boolean;
  /** being deleted (or gone): its objects leave the index */
  readonly deleting: boolean;
}

/** A client certificate for the shoot's API server, and when to ask for the next. */
export interface IssuedAccess {
  readonly access: ShootAccess;
  readonly renewAt: Date;
  /** identifies the control plane (its address and CA): a new one is a new cluster */
  readonly endpoint: string;
}

export interface SearchSyncOptions {
  /** the seed's shoots as the garden has them */
  readonly listShoots: () => Promise<SyncedShoot[]>;
  readonly accessOf: (shoot: ShootRef) => Promise<IssuedAccess>;
  readonly write: IndexWriter;
  readonly resources?: readonly IndexedResource[];
  readonly indexer?: ShootIndexerOptions;
  readonly log?: (message: string) => void;
}

/** how long a stopping indexer may take to write what it has */
const DRAIN_MS = 2_000;

interface Running {
  readonly indexer: ShootIndexer;
  issued: IssuedAccess;
}

/**
 * The seed's side of search: one ShootIndexer per running shoot of the seed, started, renewed and
 * stopped by `sync()`, which the gardenlet calls periodically. A hibernated shoot's indexer stops
 * and its objects stay (answered as its last known state); a deleted shoot's are removed.
 */
export class SearchSync {
  private readonly running = new Map<string, Running>();
  private readonly cleared = new Set<string>();

  constructor(private readonly options: SearchSyncOptions) {}

  async sync(): Promise<void> {
    const shoots = await this.options.listShoots();
    const seen = new Set(shoots.map((s) => s.uid));
    for (const uid of [...this.running.keys()]) if (!seen.has(uid)) await this.stop(uid);
    for (const shoot of shoots) {
      try {
        await this.syncShoot(shoot);
      } catch (error) {
        this.options.log?.(
          `search index of shoot ${shoot.namespace}/${shoot.name}: ${(error as Error).message}`,
        );
      }
    }
  }

  /** Indexers running now, by shoot uid (tests, benchmarks). */
  indexerOf(uid: string): ShootIndexer | undefined {
    return this.running.get(uid)?.indexer;
  }

  async close(): Promise<void> {
    for (const uid of [...this.running.keys()]) await this.stop(uid);
  }

  private async syncShoot(shoot: SyncedShoot): Promise<void> {
    if (shoot.deleting) {
      await this.stop(shoot.uid);
      if (!this.cleared.has(shoot.uid)) {
        await this.options.write(shoot, { ...emptyClear() });
        this.cleared.add(shoot.uid);
      }
      return;
    }
    if (!shoot.running) return this.stop(shoot.uid);
    const current = this.running.get(shoot.uid);
    if (current && current.issued.renewAt.getTime() > Date.now()) return;
    const issued = await this.options.accessOf(shoot);
    if (current && current.issued.endpoint === issued.endpoint) {
      current.indexer.updateAccess(issued.access);
      current.issued = issued;
      return;
    }
    if (current) await this.stop(shoot.uid);
    this.start(shoot, issued);
  }

  private start(shoot: ShootRef, issued: IssuedAccess): void {
    const indexer = new ShootIndexer(
      shoot,
      issued.access,
      this.options.resources ?? INDEXED_RESOURCES,
      this.options.write,
      this.options.indexer,
    );
    indexer.start();
    this.running.set(shoot.uid, { indexer, issued });
  }

  private async stop(uid: string): Promise<void> {
    const current = this.running.get(uid);
    if (!current) return;
    this.running.delete(uid);
    // what was seen is written if the garden answers soon; a hibernating shoot's last state counts
    await Promise.race([
      current.indexer.drained().catch(() => undefined),
      sleep(DRAIN_MS, undefined, { ref: false }),
    ]);
    await current.indexer.stop();
  }
}

function emptyClear() {
  return {
    apiVersion: 'search.gardener.cloud/v1alpha1' as const,
    kind: 'IndexBatch' as const,
    clear: true,
    upserts: [],
    deletes: [],
    prunes: [],
  };
}
