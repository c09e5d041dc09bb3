import type { GardenClient } from '@gardener-ts/client';
import type { SeedResource, SeedResourceCollector } from '@gardener-ts/extensions';
import type { HeldLease } from '@gardener-ts/jobs';
import type { SeedBackend } from '@gardener-ts/seed';
import { technicalIdOfName, technicalIdsOf } from './shoot-names.js';

export interface SeedGarbageCollectorOptions {
  readonly client: GardenClient;
  /** the seed's own resources (control planes) and the providers', each in its phase */
  readonly collectors: readonly SeedResourceCollector[];
  /** how long resources stay without an owning shoot before they are removed */
  readonly graceMs: number;
  /** the shoots whose flow runs right now (their jobs): their resources are never touched */
  readonly runningFlows?: () => Promise<readonly { namespace: string; name: string }[]>;
  /** one collector per technical ID across the seed's gardenlets; undefined when another holds it */
  readonly lock?: (technicalId: string) => Promise<HeldLease | undefined>;
  /** said once per resource removed (the gardenlet logs it) */
  readonly onRemoved?: (resource: SeedResource, orphanedForMs: number) => void;
  readonly onFailed?: (resource: SeedResource, error: Error) => void;
  readonly now?: () => number;
}

/** The seed's shoot control planes as resources of kind `control-plane`, removed with SeedBackend.destroy. */
export function controlPlaneCollector(seed: SeedBackend): SeedResourceCollector {
  return {
    kind: 'control-plane',
    phase: 'infrastructure',
    async list() {
      return (await seed.list())
        .filter((id) => id.startsWith('shoot--'))
        .map((id) => ({ kind: 'control-plane', technicalId: id, name: id }));
    },
    remove: ({ technicalId }) => seed.destroy(technicalId),
  };
}

/** The delete flow's order: machines and bastions, the control plane, then the infrastructure. */
function removalOrder(collectors: readonly SeedResourceCollector[]): SeedResourceCollector[] {
  const rank = (c: SeedResourceCollector) => (c.phase === 'workers' ? 0 : c.kind === 'control-plane' ? 1 : 2);
  return [...collectors].sort((a, b) => rank(a) - rank(b));
}

/**
 * Finds what the seed holds for shoots that no longer exist (deleted without their delete flow)
 * and, once a technical ID has had no shoot for the grace period, removes its resources through
 * the delete flow's own code, in the delete flow's order.
 *
 * Safety: only what the collectors list (this installation's directories, workspaces and
 * containers, named `shoot--…`); never a technical ID any shoot in the store has, including one
 * being deleted; never while a flow for that shoot's name runs; resources are listed before the
 * shoots are read, so a shoot created meanwhile is seen as existing.
 */
export class SeedGarbageCollector {
  /** technical ID → when it was first seen without a shoot (kept in memory: a restart waits anew) */
  private readonly orphanedSince = new Map<string, number>();
  private readonly collectors: SeedResourceCollector[];
  private readonly now: () => number;

  constructor(private readonly options: SeedGarbageCollectorOptions) {
    this.collectors = removalOrder(options.collectors);
    this.now = options.now ?? Date.now;
  }

  /** One pass: returns the resources it removed. */
  async collect(): Promise<SeedResource[]> {
    const held = await this.listAll();
    const owned = await this.ownedTechnicalIds();
    const orphans = new Map<string, SeedResource[]>();
    for (const resource of held) {
      if (isOwned(resource, owned)) continue;
      orphans.set(resource.technicalId, [...(orphans.get(resource.technicalId) ?? []), resource]);
    }
    for (const id of this.orphanedSince.keys()) if (!orphans.has(id)) this.orphanedSince.delete(id);
    const due = [...orphans.keys()].filter((id) => this.due(id));
    if (due.length === 0) return [];
    // read again right before acting: a shoot that appeared meanwhile keeps everything
    const ownedNow = await this.ownedTechnicalIds();
    const removed: SeedResource[] = [];
    for (const id of due) {
      const resources = (orphans.get(id) ?? []).filter((resource) => !isOwned(resource, ownedNow));
      removed.push(...(await this.removeAll(id, resources)));
    }
    return removed;
  }

  private due(technicalId: string): boolean {
    const since = this.orphanedSince.get(technicalId) ?? this.now();
    this.orphanedSince.set(technicalId, since);
    return this.now() - since >= this.options.graceMs;
  }

  private async listAll(): Promise<SeedResource[]> {
    const lists = await Promise.all(this.collectors.map((collector) => collector.list()));
    return lists.flat();
  }

  /** Technical IDs of every shoot in the store (any seed, being deleted or not) and of running flows. */
  private async ownedTechnicalIds(): Promise<Set<string>> {
    const owned = new Set<string>();
    for (const shoot of await this.options.client.list('Shoot')) {
      for (const id of technicalIdsOf(shoot)) owned.add(id);
    }
    for (const ref of (await this.options.runningFlows?.()) ?? []) {
      owned.add(technicalIdOfName(ref.namespace, ref.name));
    }
    return owned;
  }

  /** In collector order; the first failure stops this ID's pass (the next pass tries again). */
  private async removeAll(technicalId: string, resources: readonly SeedResource[]): Promise<SeedResource[]> {
    const lease = this.options.lock ? await this.options.lock(technicalId) : undefined;
    if (this.options.lock && !lease) return [];
    const removed: SeedResource[] = [];
    const orphanedForMs = this.now() - (this.orphanedSince.get(technicalId) ?? this.now());
    try {
      for (const collector of this.collectors) {
        for (const resource of resources.filter((r) => r.kind === collector.kind)) {
          try {
            await collector.remove(resource);
          } catch (error) {
            this.options.onFailed?.(resource, error as Error);
            return removed;
          }
          removed.push(resource);
          this.options.onRemoved?.(resource, orphanedForMs);
        }
      }
      this.orphanedSince.delete(technicalId);
      return removed;
    } finally {
      await lease?.release();
    }
  }
}

/** A resource is owned when its technical ID is, or when it is named beneath an owned ID (`<id>--…`). */
function isOwned(resource: SeedResource, owned: ReadonlySet<string>): boolean {
  if (owned.has(resource.technicalId)) return true;
  for (const id of owned) if (resource.name.startsWith(`${id}--`)) return true;
  return false;
}
