import type { KubeObject, ResourceType } from '@gardener-ts/api';

/** `strategic` only for the kinds that take it (Secret, ConfigMap, Shoot: see the resource types). */
export type PatchType = 'merge' | 'json' | 'strategic';

export interface ListQuery {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
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
}
