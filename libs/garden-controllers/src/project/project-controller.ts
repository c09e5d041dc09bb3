import { requireResourceByKind } from '@gardener-ts/api';
import type { NamespaceContents, ResourceService, WatchEvent, WatchHandle } from '@gardener-ts/store';
import type { Pool } from 'pg';
import { whileHoldingLock } from './pass-lock.js';
import { ProjectReconciler, type ServiceAccountTokens } from './project-reconciler.js';

/** One pass at a time across every API process of the garden. */
const PASS_LOCK = 'gardener-ts:project-controller';

/**
 * What wakes a pass besides the resync: any change of a project, and the end of a shoot's or
 * bastion's delete flow (the moment a terminating namespace may have become empty).
 */
const TRIGGERS: ReadonlyArray<{ kind: string; wakesOn: (event: WatchEvent) => boolean }> = [
  { kind: 'Project', wakesOn: () => true },
  { kind: 'Shoot', wakesOn: (event) => event.type === 'DELETED' },
  { kind: 'Bastion', wakesOn: (event) => event.type === 'DELETED' },
];

export interface ProjectControllerOptions {
  /** How often every project and the orphans are looked at even when no event came. */
  resyncMs: number;
  onError: (error: unknown, what: string) => void;
}

/**
 * Runs the ProjectReconciler inside the garden API: at start, on project events, when a shoot or
 * bastion goes, and every `resyncMs`. Passes are coalesced (an event during a pass makes one more
 * pass) and serialised across processes by a transaction-scoped advisory lock; the process that
 * holds it sees the same events, so a pass skipped elsewhere is never lost.
 */
export class ProjectController {
  private readonly reconciler: ProjectReconciler;
  private readonly watches: WatchHandle[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly resources: ResourceService,
    contents: NamespaceContents,
    tokens: ServiceAccountTokens,
    private readonly pool: Pool,
    private readonly options: ProjectControllerOptions,
  ) {
    this.reconciler = new ProjectReconciler(resources, contents, tokens);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.openWatches();
    this.timer = setInterval(() => this.resync(), this.options.resyncMs);
    this.timer.unref();
    this.trigger();
  }

  /** Stops waking and waits for a pass under way, so that the store may close after it. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.closeWatches();
    await this.running;
  }

  /** Asks for a pass: now, or right after the one under way. */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves once no pass runs or is asked for (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await whileHoldingLock(this.pool, PASS_LOCK, () =>
          this.reconciler.reconcileAll(this.options.onError),
        );
      } catch (error) {
        this.options.onError(error, 'project controller pass');
      }
    } while (this.again && !this.stopped);
  }

  /** The timer's pass; watches that ended (their history compacted, a lost connection) open again. */
  private resync(): void {
    if (this.watches.length < TRIGGERS.length) {
      this.closeWatches();
      void this.openWatches().catch((error) => this.options.onError(error, 'project controller watch'));
    }
    this.trigger();
  }

  private async openWatches(): Promise<void> {
    // from now on: what happened before is what the first pass reads anyway
    const project = requireResourceByKind('Project');
    const { resourceVersion } = (await this.resources.list(project, undefined, { limit: 1 })).metadata;
    for (const { kind, wakesOn } of TRIGGERS) {
      let handle: WatchHandle | undefined;
      let ended = false;
      handle = await this.resources.watch(
        requireResourceByKind(kind),
        undefined,
        { resourceVersion },
        (event) => {
          if (wakesOn(event)) this.trigger();
        },
        (error) => {
          this.options.onError(error, `project controller watch of ${kind}`);
          ended = true;
          if (handle) this.forget(handle);
        },
      );
      if (this.stopped || ended) handle.close();
      else this.watches.push(handle);
    }
  }

  private forget(handle: WatchHandle): void {
    const index = this.watches.indexOf(handle);
    if (index >= 0) this.watches.splice(index, 1);
    handle.close();
  }

  private closeWatches(): void {
    for (const handle of this.watches.splice(0)) handle.close();
  }
}
