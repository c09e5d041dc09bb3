import { ApiError, ApiErrorCode } from '../errors.js';
import type { KubeObject } from '../meta.js';
import type { ResourceType } from '../resources.js';
import { FieldSet } from './field-set.js';
import { type ListTypes, listTypesOf } from './list-types.js';
import {
  type Conflict,
  conflictError,
  findConflicts,
  type ManagedFieldsEntry,
  type Manager,
  type ManagerId,
  readManagedFields,
  recordApply,
  recordUpdate,
  writeManagedFields,
} from './managed-fields.js';
import {
  compareObjects,
  fieldSetOf,
  hasField,
  mergeApplied,
  removeFields,
  withoutNulls,
} from './object-fields.js';

/** Which part of an object a write may own: the status subresource owns `status`, the main resource the rest. */
export interface WriteScope {
  readonly type: Pick<ResourceType, 'kind' | 'apiVersion' | 'hasStatus' | 'patchMergeKeys'>;
  readonly subresource?: 'status' | undefined;
}

/** Metadata the server sets (kube's stripped fields): nobody owns them. */
const SERVER_METADATA = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
  'managedFields',
];

/** The part of the object a write in this scope owns and compares. */
function ownedPart(obj: unknown, scope: WriteScope): Record<string, unknown> {
  const source = (obj ?? {}) as Record<string, unknown>;
  if (scope.subresource === 'status') return source.status === undefined ? {} : { status: source.status };
  const { apiVersion: _v, kind: _k, metadata, ...rest } = source;
  if (scope.type.hasStatus) delete rest.status;
  const meta = { ...(metadata as Record<string, unknown> | undefined) };
  for (const field of SERVER_METADATA) delete meta[field];
  return Object.keys(meta).length > 0 ? { metadata: meta, ...rest } : rest;
}

function idOf(scope: WriteScope, manager: string, operation: 'Apply' | 'Update'): ManagerId {
  return { manager, operation, apiVersion: scope.type.apiVersion, subresource: scope.subresource };
}

function liveManagers(obj: KubeObject | undefined): Manager[] {
  try {
    return readManagedFields(obj?.metadata.managedFields, obj?.kind ?? '', obj?.metadata.name ?? '');
  } catch {
    return []; // entries the server wrote are well-formed; anything else is not worth failing a write for
  }
}

/**
 * The entries a write starts from. An Update whose body brings managedFields that differ from the
 * live ones replaces them (kubectl's client-side → server-side apply migration does so); `[]` or
 * a malformed fieldsV1 keeps the live ones (as kube-apiserver), `[{}]` clears them. What the body
 * says can never touch the status subresource's entries or claim `status`: ownership of status is
 * the system's to record.
 */
function baseManagers(scope: WriteScope, old: KubeObject | undefined, next: KubeObject): Manager[] {
  const live = liveManagers(old);
  const requested: unknown = next.metadata.managedFields;
  if (scope.subresource || requested === undefined || (Array.isArray(requested) && requested.length === 0))
    return live;
  let given: Manager[];
  try {
    given = readManagedFields(requested, scope.type.kind, next.metadata.name ?? '');
  } catch (error) {
    if (error instanceof ApiError && error.code === ApiErrorCode.BadRequest) return live;
    throw error;
  }
  const mainOnly = given
    .filter((m) => !m.subresource)
    .map((m) => ({ ...m, fields: new FieldSet([...m.fields].filter((p) => p[0] !== 'f:status')) }));
  return [...mainOnly, ...live.filter((m) => m.subresource)];
}

function entriesOrNone(managers: Manager[]): ManagedFieldsEntry[] | undefined {
  const entries = writeManagedFields(managers);
  return entries.length > 0 ? entries : undefined;
}

/**
 * metadata.managedFields after an Update (create, PUT, patch) by `manager` from `old` (undefined
 * on create) to `next`, the admitted object about to be stored.
 */
export function managedFieldsAfterUpdate(
  scope: WriteScope,
  old: KubeObject | undefined,
  next: KubeObject,
  manager: string,
  now: string,
): ManagedFieldsEntry[] | undefined {
  const listTypes = listTypesOf(scope.type);
  const changes = compareObjects(ownedPart(old, scope), ownedPart(next, scope), listTypes);
  return entriesOrNone(
    recordUpdate(baseManagers(scope, old, next), idOf(scope, manager, 'Update'), changes, now),
  );
}

/** An apply worked out before admission: the object to admit, and how to record ownership after. */
export interface ApplyPlan {
  readonly object: KubeObject;
  /** metadata.managedFields for the admitted object about to be stored */
  managedFields(next: KubeObject, now: string): ManagedFieldsEntry[] | undefined;
}

/**
 * Server-side apply of `config` by `manager` onto `live` (undefined: the object is created):
 * merges the configuration, removes what the manager applied last time and no longer applies
 * (unless another manager owns it), and refuses (409) to change fields others own unless `force`.
 */
export function planApply(
  scope: WriteScope,
  live: KubeObject | undefined,
  config: KubeObject,
  manager: string,
  force: boolean,
): ApplyPlan {
  const listTypes = listTypesOf(scope.type);
  const applied = ownedPart(withoutNulls(config), scope);
  const configSet = fieldSetOf(applied, listTypes, true);
  const id = idOf(scope, manager, 'Apply');
  const managers = liveManagers(live);
  const object = mergedObject(scope, live, withoutNulls(config) as KubeObject, listTypes);
  prune(object, managers, id, configSet, listTypes);
  const changes = compareObjects(ownedPart(live, scope), ownedPart(object, scope), listTypes);
  const conflicts: Conflict[] = findConflicts(managers, id, changes.changed);
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);
  return {
    object,
    managedFields: (next, now) => {
      // fields the decoder dropped (unknown ones, under fieldValidation Warn or Ignore) are owned by no one
      const owned = new FieldSet(
        [...configSet].filter((p) => hasField(ownedPart(next, scope), p, listTypes)),
      );
      const after = compareObjects(ownedPart(live, scope), ownedPart(next, scope), listTypes);
      return entriesOrNone(recordApply(managers, id, owned, after, conflicts, now));
    },
  };
}

function mergedObject(
  scope: WriteScope,
  live: KubeObject | undefined,
  config: KubeObject,
  listTypes: ListTypes,
): KubeObject {
  if (!live) return structuredClone(config);
  if (scope.subresource === 'status') {
    const object = structuredClone(live);
    object.status = mergeApplied(live.status, config.status, listTypes, 'status');
    return object;
  }
  const { status: _ignored, ...rest } = config;
  const object = mergeApplied(live, scope.type.hasStatus ? rest : config, listTypes) as KubeObject;
  object.metadata.managedFields = live.metadata.managedFields;
  return object;
}

/** What the manager applied before and no longer does goes, unless someone else still owns it (or something below it). */
function prune(
  object: KubeObject,
  managers: Manager[],
  id: ManagerId,
  configSet: FieldSet,
  listTypes: ListTypes,
): void {
  const previous = managers.find(
    (m) =>
      m.manager === id.manager && m.operation === 'Apply' && (m.subresource ?? '') === (id.subresource ?? ''),
  );
  if (!previous) return;
  const kept = managers.filter((m) => m !== previous).reduce((set, m) => set.union(m.fields), configSet);
  const dropped = new FieldSet(
    [...previous.fields.difference(configSet)].filter((p) => !kept.has(p) && !kept.hasBelow(p)),
  );
  removeFields(object, dropped, listTypes);
}
