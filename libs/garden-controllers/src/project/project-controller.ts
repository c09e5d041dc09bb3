import { requireResourceByKind } from '@gardener-ts/api';
import { GardenClient, type GardenKind, InProcessTransport, type Watcher } from '@gardener-ts/client';
import type { NamespaceContents, ResourceService } from '@gardener-ts/store';
import type { Pool } from 'pg';
import { whileHoldingLock } from './pass-lock.js';
import { ProjectReconciler, type ServiceAccountTokens } from './project-reconciler.js';

/** One pass at a time across every API process of the garden. */
const PASS_LOCK = 'gardener-ts:project-controller';

/**
 * What wakes a pass besides the resync: any change of a project, and the end of a shoot's or
 * bastion's delete flow (the moment a terminating namespace may have become empty).
 */
const TRIGGERS: ReadonlyArray<{ kind: GardenKind; wakesOn: (type: string) => boolean }> = [
  { kind: 'Project', wakesOn: () => true },
  { kind: 'Shoot', wakesOn: (type) => type === 'DELETED' },
  { kind: 'Bastion', wakesOn: (type) => type === 'DELETED' },
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
  private readonly watches: Watcher[] = [];
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
    this.timer = setInterval(() => this.trigger(), this.options.resyncMs);
    this.timer.unref();
    this.trigger();
  }

  /** Stops waking and waits for a pass under way, so that the store may close after it. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.watches.splice(0).map((watch) => watch.stop()));
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

  /** Watches from now on (what happened before is what the first pass reads anyway); they reopen on their own. */
  private async openWatches(): Promise<void> {
    const project = requireResourceByKind('Project');
    const { resourceVersion } = (await this.resources.list(project, undefined, { limit: 1 })).metadata;
    const client = new GardenClient(new InProcessTransport(this.resources));
    for (const { kind, wakesOn } of TRIGGERS) {
      const watch = client.watch(
        kind,
        { resourceVersion },
        (event) => {
          if (wakesOn(event.type)) this.trigger();
        },
        { onError: (error) => this.options.onError(error, `project controller watch of ${kind}`) },
      );
      this.watches.push(watch);
    }
  }
}
