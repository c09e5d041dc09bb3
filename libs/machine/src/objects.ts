import {
  ApiError,
  ApiErrorCode,
  type KubeObject,
  type Machine,
  type MachineClass,
  type MachineDeployment,
  type MachineSet,
  requireResourceByKind,
  type Shoot,
} from '@gardener-ts/api';
import { type ResourceService, StoreError, StoreErrorCode } from '@gardener-ts/store';
import { MACHINE_FINALIZER, shootSelector } from './names.js';

export const MACHINE_CLASS = requireResourceByKind('MachineClass');
export const MACHINE_DEPLOYMENT = requireResourceByKind('MachineDeployment');
export const MACHINE_SET = requireResourceByKind('MachineSet');
export const MACHINE = requireResourceByKind('Machine');
const SHOOT = requireResourceByKind('Shoot');

type MachineKind = 'MachineClass' | 'MachineDeployment' | 'MachineSet' | 'Machine';
const TYPES = {
  MachineClass: MACHINE_CLASS,
  MachineDeployment: MACHINE_DEPLOYMENT,
  MachineSet: MACHINE_SET,
  Machine: MACHINE,
};

/** A shoot's machine objects, as one pass reads them. */
export interface ShootObjects {
  readonly classes: MachineClass[];
  readonly deployments: MachineDeployment[];
  readonly sets: MachineSet[];
  readonly machines: Machine[];
}

export function isNotFound(error: unknown): boolean {
  return (
    (error instanceof ApiError && error.code === ApiErrorCode.NotFound) ||
    (error instanceof StoreError && error.code === StoreErrorCode.NotFound)
  );
}

function isAlreadyExists(error: unknown): boolean {
  return (
    (error instanceof ApiError && error.code === ApiErrorCode.AlreadyExists) ||
    (error instanceof StoreError && error.code === StoreErrorCode.AlreadyExists)
  );
}

export function isDeleting(obj: { metadata: { deletionTimestamp?: string | null } }): boolean {
  return Boolean(obj.metadata.deletionTimestamp);
}

/** The machine kinds through the garden's ResourceService (the same path the API serves). */
export class MachineObjects {
  constructor(private readonly resources: ResourceService) {}

  async list(namespace: string, shootName: string): Promise<ShootObjects> {
    const [classes, deployments, sets, machines] = await Promise.all([
      this.listKind<MachineClass>('MachineClass', namespace, shootName),
      this.listKind<MachineDeployment>('MachineDeployment', namespace, shootName),
      this.listKind<MachineSet>('MachineSet', namespace, shootName),
      this.listKind<Machine>('Machine', namespace, shootName),
    ]);
    return { classes, deployments, sets, machines };
  }

  async listKind<T>(kind: MachineKind, namespace: string, shootName: string): Promise<T[]> {
    const list = await this.resources.list(TYPES[kind], namespace, {
      labelSelector: shootSelector(shootName),
    });
    return list.items as unknown as T[];
  }

  async get<T>(kind: MachineKind, namespace: string, name: string): Promise<T | undefined> {
    try {
      return (await this.resources.get(TYPES[kind], namespace, name)) as unknown as T;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async getShoot(namespace: string, name: string): Promise<Shoot | undefined> {
    try {
      return (await this.resources.get(SHOOT, namespace, name)) as unknown as Shoot;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Creates the object with our finalizer (classes have none), then writes its status. */
  async create<T extends KubeObject>(obj: T, status?: unknown): Promise<T> {
    const type = TYPES[obj.kind as MachineKind];
    const body = structuredClone(obj);
    if (obj.kind !== 'MachineClass') body.metadata.finalizers = [MACHINE_FINALIZER];
    const created = await this.resources.create(type, obj.metadata.namespace, body);
    if (status === undefined) return created as T;
    return this.patchStatus(
      obj.kind as MachineKind,
      obj.metadata.namespace ?? '',
      obj.metadata.name ?? '',
      status,
    );
  }

  /**
   * Creates, or replaces the spec and adds the labels; `'deleting'` when the stored object is
   * marked for deletion (it cannot be brought back, only made again once it is gone).
   */
  async upsert<T extends KubeObject>(desired: T): Promise<T | 'deleting'> {
    const kind = desired.kind as MachineKind;
    const namespace = desired.metadata.namespace ?? '';
    const name = desired.metadata.name ?? '';
    for (;;) {
      const current = await this.get<T>(kind, namespace, name);
      if (!current) {
        try {
          return await this.create(desired);
        } catch (error) {
          if (isAlreadyExists(error)) continue;
          throw error;
        }
      }
      if (isDeleting(current)) return 'deleting';
      const next = {
        ...structuredClone(desired),
        metadata: {
          ...current.metadata,
          labels: { ...current.metadata.labels, ...desired.metadata.labels },
        },
        ...(current.status === undefined ? {} : { status: current.status }),
      };
      delete next.metadata.resourceVersion;
      return (await this.resources.update(TYPES[kind], namespace, name, next)) as T;
    }
  }

  async patch<T>(kind: MachineKind, namespace: string, name: string, patch: unknown): Promise<T> {
    return (await this.resources.patch(TYPES[kind], namespace, name, 'merge', patch)) as unknown as T;
  }

  async patchStatus<T>(kind: MachineKind, namespace: string, name: string, status: unknown): Promise<T> {
    return (await this.resources.patch(
      TYPES[kind],
      namespace,
      name,
      'merge',
      { status },
      {
        subresource: 'status',
      },
    )) as unknown as T;
  }

  /** Marks for deletion (our finalizer keeps it until its work is done); gone is fine. */
  async delete(kind: MachineKind, namespace: string, name: string): Promise<void> {
    try {
      await this.resources.delete(TYPES[kind], namespace, name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /** Drops our finalizer; an object marked for deletion is then gone. */
  async release(kind: MachineKind, namespace: string, name: string): Promise<void> {
    const current = await this.get<KubeObject>(kind, namespace, name);
    if (!current?.metadata.finalizers?.includes(MACHINE_FINALIZER)) return;
    const finalizers = current.metadata.finalizers.filter((f) => f !== MACHINE_FINALIZER);
    try {
      await this.resources.patch(TYPES[kind], namespace, name, 'merge', {
        metadata: { finalizers, resourceVersion: current.metadata.resourceVersion },
      });
    } catch (error) {
      if (isNotFound(error)) return;
      if (error instanceof StoreError && error.code === StoreErrorCode.Conflict)
        return this.release(kind, namespace, name);
      throw error;
    }
  }
}
