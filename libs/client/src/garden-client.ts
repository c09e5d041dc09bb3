import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '@gardener-ts/api';
import { ClientError, ClientErrorCode, isConflict, isNotFound } from './errors.js';
import { type GardenKind, type ObjectOf, resourceTypeOf } from './kinds.js';
import type { ListQuery, PatchType, Transport, WatchEvent } from './transport.js';
import { Watcher, type WatcherOptions } from './watcher.js';

/** Where an object is: cluster-scoped kinds have no namespace. */
export interface ObjectKey {
  readonly namespace?: string | undefined;
  readonly name: string;
}

export interface ListOptions extends ListQuery {
  readonly namespace?: string;
}

export interface WatchOptions extends ListOptions {
  /** changes after this version only; none: every current object first, as ADDED */
  readonly resourceVersion?: string;
}

/** A change to an object of kind K, as a watch delivers it. */
export interface ChangeEvent<K extends GardenKind> {
  readonly type: WatchEvent['type'];
  readonly object: ObjectOf<K>;
}

/** How often a read-modify-write is tried when others keep writing the same object. */
const CONFLICT_ATTEMPTS = 8;
const CONFLICT_PAUSE_MS = 20;

type Status<K extends GardenKind> = NonNullable<ObjectOf<K> extends { status?: infer S } ? S : never>;

/**
 * One typed client for controllers, as controller-runtime's: objects by kind, typed, whatever the
 * transport. Writes of status and finalizers read, change and write with a bounded retry on
 * conflicts, so no controller loops on its own.
 */
export class GardenClient {
  constructor(private readonly transport: Transport) {}

  async get<K extends GardenKind>(kind: K, key: ObjectKey): Promise<ObjectOf<K>> {
    return (await this.transport.get(resourceTypeOf(kind), key.namespace, key.name)) as ObjectOf<K>;
  }

  /** The object, or undefined when there is none. */
  async find<K extends GardenKind>(kind: K, key: ObjectKey): Promise<ObjectOf<K> | undefined> {
    try {
      return await this.get(kind, key);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list<K extends GardenKind>(kind: K, options: ListOptions = {}): Promise<ObjectOf<K>[]> {
    const { namespace, ...query } = options;
    return (await this.transport.list(resourceTypeOf(kind), namespace, query)) as ObjectOf<K>[];
  }

  /**
   * Watches the kind until the Watcher is stopped: every current object first (ADDED), then each
   * change; reconnects on its own (see Watcher).
   */
  watch<K extends GardenKind>(
    kind: K,
    options: WatchOptions,
    onEvent: (event: ChangeEvent<K>) => void,
    watcherOptions?: WatcherOptions,
  ): Watcher {
    const { namespace, ...query } = options;
    const type = resourceTypeOf(kind);
    return new Watcher(
      (from, deliver) => this.transport.watch(type, namespace, from, deliver),
      query,
      (event) => onEvent({ type: event.type, object: event.object as ObjectOf<K> }),
      watcherOptions,
    );
  }

  async create<K extends GardenKind>(kind: K, object: ObjectOf<K>): Promise<ObjectOf<K>> {
    const body = asKubeObject(object);
    return (await this.transport.create(resourceTypeOf(kind), body.metadata.namespace, body)) as ObjectOf<K>;
  }

  /** Replaces the object; its metadata.resourceVersion, when set, must still be the stored one. */
  async update<K extends GardenKind>(kind: K, object: ObjectOf<K>): Promise<ObjectOf<K>> {
    const body = asKubeObject(object);
    const { namespace, name } = body.metadata;
    return (await this.transport.update(resourceTypeOf(kind), namespace, name ?? '', body)) as ObjectOf<K>;
  }

  async patch<K extends GardenKind>(
    kind: K,
    key: ObjectKey,
    patchType: PatchType,
    patch: unknown,
  ): Promise<ObjectOf<K>> {
    return (await this.transport.patch(
      resourceTypeOf(kind),
      key.namespace,
      key.name,
      patchType,
      patch,
    )) as ObjectOf<K>;
  }

  async delete(kind: GardenKind, key: ObjectKey): Promise<void> {
    await this.transport.delete(resourceTypeOf(kind), key.namespace, key.name);
  }

  /**
   * Reads the object, lets `change` edit its status (a copy) and writes the status subresource;
   * a conflict reads again, up to CONFLICT_ATTEMPTS times. A `change` that returns false leaves the
   * object as it read it (nothing is written).
   */
  async updateStatus<K extends GardenKind>(
    kind: K,
    key: ObjectKey,
    change: (status: Status<K>, object: ObjectOf<K>) => void | boolean,
  ): Promise<ObjectOf<K>> {
    const type = resourceTypeOf(kind);
    return this.retryOnConflict(async () => {
      const object = await this.get(kind, key);
      const status = structuredClone((object as { status?: Status<K> }).status ?? {}) as Status<K>;
      if (change(status, object) === false) return object;
      const body = { ...asKubeObject(object), status };
      return (await this.transport.update(type, key.namespace, key.name, body, 'status')) as ObjectOf<K>;
    });
  }

  /** Adds the finalizer unless the object has it (or is being deleted, when none may be added). */
  async ensureFinalizer<K extends GardenKind>(
    kind: K,
    key: ObjectKey,
    finalizer: string,
  ): Promise<ObjectOf<K>> {
    return this.editFinalizers(kind, key, (finalizers, deleting) =>
      finalizers.includes(finalizer) || deleting ? undefined : [...finalizers, finalizer],
    );
  }

  /** Removes the finalizer; an object already gone is fine. */
  async removeFinalizer(kind: GardenKind, key: ObjectKey, finalizer: string): Promise<void> {
    try {
      await this.editFinalizers(kind, key, (finalizers) =>
        finalizers.includes(finalizer) ? finalizers.filter((f) => f !== finalizer) : undefined,
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /**
   * A JSON patch that first tests the resourceVersion it read, so a finalizer list changed meanwhile
   * is a conflict (read again) rather than a lost write.
   */
  private editFinalizers<K extends GardenKind>(
    kind: K,
    key: ObjectKey,
    edit: (finalizers: string[], deleting: boolean) => string[] | undefined,
  ): Promise<ObjectOf<K>> {
    return this.retryOnConflict(async () => {
      const object = await this.get(kind, key);
      const { metadata } = asKubeObject(object);
      const next = edit([...(metadata.finalizers ?? [])], Boolean(metadata.deletionTimestamp));
      if (!next) return object;
      return this.patch(kind, key, 'json', [
        { op: 'test', path: '/metadata/resourceVersion', value: metadata.resourceVersion },
        { op: 'add', path: '/metadata/finalizers', value: next },
      ]).catch((error: unknown) => {
        // a failed test operation is a 422 Invalid: someone wrote in between
        if (
          error instanceof ClientError &&
          error.code === ClientErrorCode.Invalid &&
          /test/i.test(error.message)
        )
          throw new ClientError(ClientErrorCode.Conflict, error.message);
        throw error;
      });
    });
  }

  /** Writers that collide retry at random moments, a little later each time, so they stop colliding. */
  private async retryOnConflict<T>(attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        if (!isConflict(error) || tries >= CONFLICT_ATTEMPTS) throw error;
        await sleep(Math.random() * CONFLICT_PAUSE_MS * tries);
      }
    }
  }
}

function asKubeObject(object: unknown): KubeObject {
  return object as KubeObject;
}
