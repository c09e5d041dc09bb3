import {
  applyMergePatch,
  type KubeObject,
  type Machine,
  type MachineClass,
  type MachineDeployment,
  type MachineSet,
} from '@gardener-ts/api';
import {
  type GardenClient,
  type GardenKind,
  ignoreNotFound,
  isAlreadyExists,
  type ObjectKey,
  type ObjectOf,
} from '@gardener-ts/client';
import { MACHINE_FINALIZER, shootSelector } from './names.js';

export type MachineKind = 'MachineClass' | 'MachineDeployment' | 'MachineSet' | 'Machine';

/** A shoot's machine objects, as one pass reads them. */
export interface ShootObjects {
  readonly classes: MachineClass[];
  readonly deployments: MachineDeployment[];
  readonly sets: MachineSet[];
  readonly machines: Machine[];
}

export function isDeleting(obj: { metadata: { deletionTimestamp?: string | null } }): boolean {
  return Boolean(obj.metadata.deletionTimestamp);
}

function keyOf(obj: KubeObject): ObjectKey {
  return { namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' };
}

/**
 * The desired object in place of the stored one: the desired spec, the stored metadata (without
 * its resourceVersion) with the desired labels added, the stored status.
 */
function overStored<T extends KubeObject>(desired: T, stored: T): T {
  const next = {
    ...structuredClone(desired),
    metadata: {
      ...stored.metadata,
      labels: { ...stored.metadata.labels, ...desired.metadata.labels },
    },
    ...(stored.status === undefined ? {} : { status: stored.status }),
  };
  delete next.metadata.resourceVersion;
  return next;
}

/** Applies a JSON merge patch to a status in place (updateStatus hands out the copy to change). */
function mergeInto(status: object, patch: unknown): void {
  const merged = applyMergePatch(status, patch) as object;
  for (const key of Object.keys(status)) if (!(key in merged)) Reflect.deleteProperty(status, key);
  Object.assign(status, merged);
}

/** The machine kinds through the garden's client, with our finalizer on what we create. */
export class MachineObjects {
  constructor(private readonly client: GardenClient) {}

  async list(namespace: string, shootName: string): Promise<ShootObjects> {
    const ofShoot = { namespace, labelSelector: shootSelector(shootName) };
    const [classes, deployments, sets, machines] = await Promise.all([
      this.client.list('MachineClass', ofShoot),
      this.client.list('MachineDeployment', ofShoot),
      this.client.list('MachineSet', ofShoot),
      this.client.list('Machine', ofShoot),
    ]);
    return { classes, deployments, sets, machines };
  }

  /** The object, or undefined when there is none. */
  find<K extends GardenKind>(kind: K, namespace: string, name: string): Promise<ObjectOf<K> | undefined> {
    return this.client.find(kind, { namespace, name });
  }

  /** Creates the object with our finalizer (classes have none), then writes its status. */
  async create<K extends MachineKind>(kind: K, obj: ObjectOf<K>, status?: unknown): Promise<ObjectOf<K>> {
    const body = structuredClone(obj);
    if (kind !== 'MachineClass') body.metadata.finalizers = [MACHINE_FINALIZER];
    const created = await this.client.create(kind, body);
    if (status === undefined) return created;
    const { namespace, name } = keyOf(obj);
    return this.mergeStatus(kind, namespace ?? '', name, status);
  }

  /**
   * Creates, or replaces the spec and adds the labels; `'deleting'` when the stored object is
   * marked for deletion (it cannot be brought back, only made again once it is gone).
   */
  async upsert<K extends MachineKind>(kind: K, desired: ObjectOf<K>): Promise<ObjectOf<K> | 'deleting'> {
    for (;;) {
      const stored = await this.client.find(kind, keyOf(desired));
      if (stored && isDeleting(stored)) return 'deleting';
      if (stored) return this.client.update(kind, overStored(desired, stored));
      try {
        return await this.create(kind, desired);
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
    }
  }

  patch<K extends MachineKind>(
    kind: K,
    namespace: string,
    name: string,
    patch: unknown,
  ): Promise<ObjectOf<K>> {
    return this.client.patch(kind, { namespace, name }, 'merge', patch);
  }

  /** A JSON merge patch of the status (null removes a field). */
  mergeStatus<K extends MachineKind>(
    kind: K,
    namespace: string,
    name: string,
    patch: unknown,
  ): Promise<ObjectOf<K>> {
    return this.client.updateStatus(kind, { namespace, name }, (status) => mergeInto(status, patch));
  }

  /** Marks for deletion (our finalizer keeps it until its work is done); gone is fine. */
  async delete(kind: MachineKind, namespace: string, name: string): Promise<void> {
    await this.client.delete(kind, { namespace, name }).catch(ignoreNotFound);
  }

  /** Drops our finalizer; an object marked for deletion is then gone. */
  release(kind: MachineKind, namespace: string, name: string): Promise<void> {
    return this.client.removeFinalizer(kind, { namespace, name }, MACHINE_FINALIZER);
  }
}
