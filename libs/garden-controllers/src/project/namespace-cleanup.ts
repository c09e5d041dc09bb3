import { ApiError, ApiErrorCode, MACHINE_GROUP, requireResourceByKind } from '@gardener-ts/api';
import {
  type ResourceService,
  type StoredObjectSummary,
  StoreError,
  StoreErrorCode,
} from '@gardener-ts/store';

/**
 * Kinds whose deletion runs a gardenlet flow (a shoot's delete flow, a bastion's actuator): they go
 * first, and everything else waits until they are gone, since a shoot's flow may still need the
 * namespace's credentials and config.
 */
const FIRST_KINDS = new Set(['Shoot', 'Bastion']);

/** Gone, or replaced by a new object of the same name: either way not ours to touch any more. */
function isGoneOrReplaced(error: unknown): boolean {
  return (
    (error instanceof ApiError && error.code === ApiErrorCode.NotFound) ||
    (error instanceof StoreError &&
      (error.code === StoreErrorCode.NotFound || error.code === StoreErrorCode.Conflict))
  );
}

function byNamespace(objects: readonly StoredObjectSummary[]): Map<string, StoredObjectSummary[]> {
  const groups = new Map<string, StoredObjectSummary[]>();
  for (const object of objects) {
    const group = groups.get(object.namespace) ?? [];
    group.push(object);
    groups.set(object.namespace, group);
  }
  return groups;
}

/**
 * Empties namespaces, the way Kubernetes' namespace controller does, in Gardener's order: shoots
 * and bastions are marked for deletion (their gardenlet flows remove their finalizers), the rest
 * is deleted once they are gone. Every step is idempotent and works on objects by uid, so an
 * object made anew under the same name (by a later owner of the namespace) is never touched.
 */
export class NamespaceCleanup {
  constructor(private readonly resources: ResourceService) {}

  /**
   * Deletes what may go now and re-reads, while that makes progress; returns what is left, each
   * marked for deletion and waiting for its finalizers.
   */
  async empty(read: () => Promise<StoredObjectSummary[]>): Promise<StoredObjectSummary[]> {
    let left = await read();
    for (let round = 0; round < 3 && left.length > 0; round++) {
      for (const group of byNamespace(left).values()) await this.step(group);
      const before = left.length;
      left = await read();
      if (left.length === before) break;
    }
    return left;
  }

  /** One namespace: the first kinds while any is left, else everything. */
  private async step(objects: readonly StoredObjectSummary[]): Promise<void> {
    const first = objects.filter((o) => FIRST_KINDS.has(o.kind));
    const now = first.length > 0 ? first : objects;
    for (const object of now) {
      await this.remove(object);
      if (first.length === 0) await this.releaseMachineFinalizers(object);
    }
  }

  private async remove(object: StoredObjectSummary): Promise<void> {
    if (object.metadata.deletionTimestamp) return;
    await this.resources
      .delete(requireResourceByKind(object.kind), object.namespace, object.name, {
        preconditions: { uid: object.uid },
        skipConfirmation: true,
      })
      .catch((error) => {
        if (!isGoneOrReplaced(error)) throw error;
      });
  }

  /**
   * The machine controller runs per shoot and removes its finalizer in the shoot's delete flow;
   * a machine object still here once every shoot is gone has no controller left to release it.
   * (What it stood for on a seed is the gardenlet's orphan collection's to remove.)
   */
  private async releaseMachineFinalizers(object: StoredObjectSummary): Promise<void> {
    const type = requireResourceByKind(object.kind);
    if (type.group !== MACHINE_GROUP || !object.metadata.finalizers?.length) return;
    const current = await this.resources.get(type, object.namespace, object.name).catch(() => undefined);
    if (!current || current.metadata.uid !== object.uid || !current.metadata.deletionTimestamp) return;
    await this.resources
      .patch(type, object.namespace, object.name, 'merge', {
        metadata: { resourceVersion: current.metadata.resourceVersion, finalizers: null },
      })
      .catch((error) => {
        if (!isGoneOrReplaced(error)) throw error;
      });
  }
}
