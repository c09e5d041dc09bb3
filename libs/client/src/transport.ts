import type { KubeObject, ResourceType } from '@gardener-ts/api';

/** `strategic` only for the kinds that take it (Secret, ConfigMap, Shoot: see the resource types). */
export type PatchType = 'merge' | 'json' | 'strategic';

export interface ListQuery {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export interface WatchQuery extends ListQuery {
  /** events after this version; none: every current object first, as ADDED */
  readonly resourceVersion?: string | undefined;
}

export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubeObject;
}

/** An open watch: `done` settles when it ends (the server closed it) or fails (a ClientError). */
export interface WatchStream {
  readonly done: Promise<void>;
  close(): void;
}

/**
 * How a GardenClient reaches the objects: in the garden's own process (the ResourceService) or over
 * the garden API. Every failure is a ClientError; objects come back as the server stored them.
 */
export interface Transport {
  get(type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject>;
  list(type: ResourceType, namespace: string | undefined, query: ListQuery): Promise<KubeObject[]>;
  create(type: ResourceType, namespace: string | undefined, body: KubeObject): Promise<KubeObject>;
  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    subresource?: 'status',
  ): Promise<KubeObject>;
  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    body: unknown,
  ): Promise<KubeObject>;
  delete(type: ResourceType, namespace: string | undefined, name: string): Promise<void>;
  /** Resolves once the watch is open (a refused one rejects), then calls onEvent per change. */
  watch(
    type: ResourceType,
    namespace: string | undefined,
    query: WatchQuery,
    onEvent: (event: WatchEvent) => void,
  ): Promise<WatchStream>;
}
