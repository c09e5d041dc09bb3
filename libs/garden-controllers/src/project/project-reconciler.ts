import {
  ApiError,
  ApiErrorCode,
  GARDEN_NAMESPACE,
  type KubeObject,
  PROJECT_FINALIZER,
  type ProjectPhase,
  requireResourceByKind,
} from '@gardener-ts/api';
import { type NamespaceContents, type ResourceService, StoreError, StoreErrorCode } from '@gardener-ts/store';
import { NamespaceCleanup } from './namespace-cleanup.js';

const PROJECT = requireResourceByKind('Project');
const PROJECT_QUOTA = requireResourceByKind('ProjectQuota');

/** The project's service-account tokens (libs/auth's TokenStore): they go with its namespace. */
export interface ServiceAccountTokens {
  revokeNamespace(namespace: string): Promise<number>;
}

/** Where one project stands after a reconcile. */
export type ProjectOutcome = 'ready' | 'terminating' | 'deleted' | 'skipped';

/** A write that lost a race (the object changed or went): the event it made brings the next pass. */
function lostRace(error: unknown): boolean {
  return (
    (error instanceof ApiError && error.code === ApiErrorCode.NotFound) ||
    (error instanceof StoreError &&
      (error.code === StoreErrorCode.NotFound || error.code === StoreErrorCode.Conflict))
  );
}

interface Member {
  kind: string;
  name: string;
  namespace?: string;
}

function phaseOf(project: KubeObject): string | undefined {
  return (project.status as { phase?: string } | undefined)?.phase;
}

function namespaceOfProject(project: KubeObject): string | undefined {
  const namespace = (project.spec as { namespace?: unknown } | undefined)?.namespace;
  return typeof namespace === 'string' ? namespace : undefined;
}

/**
 * Gardener's project controller (gardener-controller-manager), level-based and idempotent:
 * a live project gets the `gardener` finalizer and phase Ready; a deleted one turns Terminating,
 * loses its service-account tokens, has its namespace emptied (shoots and bastions through their
 * gardenlet flows first), is dropped from other projects' members as a service-account namespace,
 * and lets go of its finalizer only once nothing of it is left. Objects in
 * namespaces no project owns (left by a project removed behind the controller's back) are removed
 * the same way.
 */
export class ProjectReconciler {
  private readonly cleanup: NamespaceCleanup;

  constructor(
    private readonly resources: ResourceService,
    private readonly contents: NamespaceContents,
    private readonly tokens: ServiceAccountTokens,
  ) {
    this.cleanup = new NamespaceCleanup(resources);
  }

  /** Every project, then the orphans; one project's failure does not hold up the others. */
  async reconcileAll(onError: (error: unknown, what: string) => void): Promise<void> {
    const { items } = await this.resources.list(PROJECT, undefined, {});
    for (const project of items) {
      await this.reconcile(project).catch((error) => onError(error, `project ${project.metadata.name}`));
    }
    await this.collectOrphans().catch((error) => onError(error, 'orphaned namespace contents'));
  }

  async reconcile(project: KubeObject): Promise<ProjectOutcome> {
    try {
      return project.metadata.deletionTimestamp ? await this.finalize(project) : await this.keep(project);
    } catch (error) {
      if (lostRace(error)) return 'skipped';
      throw error;
    }
  }

  /** Objects in namespaces no project owns: marked or deleted; returns how many are still there. */
  async collectOrphans(): Promise<number> {
    return (await this.cleanup.empty(() => this.contents.orphans())).length;
  }

  private async keep(project: KubeObject): Promise<ProjectOutcome> {
    const held = await this.ensureFinalizer(project);
    await this.setPhase(held, 'Ready');
    return 'ready';
  }

  private async finalize(project: KubeObject): Promise<ProjectOutcome> {
    const namespace = namespaceOfProject(project);
    // The garden's own namespace was there before any project and outlives them all.
    const owned = namespace !== undefined && namespace !== GARDEN_NAMESPACE ? namespace : undefined;
    // tokens first: the project's robots stop the moment its deletion is seen
    if (owned) await this.tokens.revokeNamespace(owned);
    const marked = await this.setPhase(project, 'Terminating');
    if (owned) {
      const left = await this.cleanup.empty(() => this.contents.of(owned));
      if (left.length > 0) return 'terminating';
      await this.tokens.revokeNamespace(owned);
      await this.forgetServiceAccounts(project, owned);
    }
    await this.forgetQuota(project);
    await this.releaseFinalizer(marked);
    return 'deleted';
  }

  /**
   * Other projects' memberships of this namespace's service accounts go too: whoever owns the
   * namespace next could otherwise mint a token for the same name and inherit those roles.
   */
  private async forgetServiceAccounts(deleted: KubeObject, namespace: string): Promise<void> {
    const { items } = await this.resources.list(PROJECT, undefined, {});
    for (const other of items) {
      if (other.metadata.uid === deleted.metadata.uid) continue;
      const members = (other.spec as { members?: Member[] } | undefined)?.members ?? [];
      const ownNamespace = namespaceOfProject(other);
      const kept = members.filter(
        (m) => !(m.kind === 'ServiceAccount' && (m.namespace ?? ownNamespace) === namespace),
      );
      if (kept.length === members.length) continue;
      await this.resources.patch(PROJECT, undefined, other.metadata.name ?? '', 'merge', {
        metadata: { resourceVersion: other.metadata.resourceVersion },
        spec: { members: kept },
      });
    }
  }

  /** A quota an admin set for this project must not pass to the next project of the same name. */
  private async forgetQuota(project: KubeObject): Promise<void> {
    await this.resources.delete(PROJECT_QUOTA, undefined, project.metadata.name ?? '').catch((error) => {
      if (!lostRace(error)) throw error;
    });
  }

  private async ensureFinalizer(project: KubeObject): Promise<KubeObject> {
    const finalizers = project.metadata.finalizers ?? [];
    if (finalizers.includes(PROJECT_FINALIZER)) return project;
    return this.resources.patch(PROJECT, undefined, project.metadata.name ?? '', 'merge', {
      metadata: {
        resourceVersion: project.metadata.resourceVersion,
        finalizers: [...finalizers, PROJECT_FINALIZER],
      },
    });
  }

  /** Written against the version read, so a phase never lands on a project that changed meanwhile. */
  private async setPhase(project: KubeObject, phase: ProjectPhase): Promise<KubeObject> {
    const observedGeneration = project.metadata.generation;
    const status = project.status as { phase?: string; observedGeneration?: number } | undefined;
    if (phaseOf(project) === phase && status?.observedGeneration === observedGeneration) return project;
    return this.resources.patch(
      PROJECT,
      undefined,
      project.metadata.name ?? '',
      'merge',
      {
        metadata: { resourceVersion: project.metadata.resourceVersion },
        status: { phase, observedGeneration },
      },
      { subresource: 'status' },
    );
  }

  private async releaseFinalizer(project: KubeObject): Promise<void> {
    const finalizers = project.metadata.finalizers ?? [];
    if (!finalizers.includes(PROJECT_FINALIZER)) return;
    await this.resources.patch(PROJECT, undefined, project.metadata.name ?? '', 'merge', {
      metadata: {
        resourceVersion: project.metadata.resourceVersion,
        finalizers: finalizers.filter((f) => f !== PROJECT_FINALIZER),
      },
    });
  }
}
