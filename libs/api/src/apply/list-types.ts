import type { ResourceType } from '../resources.js';

/**
 * How a list merges and is owned (kube's `x-kubernetes-list-type`): `atomic` lists are one value
 * owned and replaced whole; `map` lists merge item by item under their key fields; `set` lists of
 * primitives merge value by value.
 */
export type ListType =
  | { readonly type: 'atomic' }
  | { readonly type: 'map'; readonly keys: readonly string[] }
  | { readonly type: 'set' };

/**
 * The list type at a field path written with dots and no list items (`spec.provider.workers`);
 * `atomicMaps` are objects owned and replaced whole (kube's `x-kubernetes-map-type: atomic`).
 */
export type ListTypes = ((schemaPath: string) => ListType) & { readonly atomicMaps?: ReadonlySet<string> };

/**
 * A Secret's data is one value: its key names are sealed at rest with the values, and
 * managedFields (stored in the clear) must not name them.
 */
const SECRET_ATOMIC_MAPS: ReadonlySet<string> = new Set(['data', 'stringData']);

const ATOMIC: ListType = { type: 'atomic' };

/** Lists every kind has in its metadata, typed as in ObjectMeta. */
const METADATA_LISTS: Readonly<Record<string, ListType>> = {
  'metadata.finalizers': { type: 'set' },
  'metadata.ownerReferences': { type: 'map', keys: ['uid'] },
};

/**
 * The kind's list types: the lists it merges by key in strategic merge patches (a shoot's workers
 * by name, extensions by type), every `conditions` list by `type` (as Kubernetes' conditions are),
 * metadata's finalizers as a set and owner references by uid; every other list is atomic.
 */
export function listTypesOf(type: Pick<ResourceType, 'kind' | 'patchMergeKeys'>): ListTypes {
  const listType = (schemaPath: string): ListType => {
    const declared = METADATA_LISTS[schemaPath];
    if (declared) return declared;
    const key =
      type.patchMergeKeys && Object.hasOwn(type.patchMergeKeys, schemaPath)
        ? type.patchMergeKeys[schemaPath]
        : undefined;
    if (key) return { type: 'map', keys: [key] };
    if (schemaPath === 'conditions' || schemaPath.endsWith('.conditions'))
      return { type: 'map', keys: ['type'] };
    return ATOMIC;
  };
  return type.kind === 'Secret' ? Object.assign(listType, { atomicMaps: SECRET_ATOMIC_MAPS }) : listType;
}
