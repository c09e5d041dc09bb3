import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { ApiError, ApiErrorCode, type FieldError, invalid } from './errors.js';
import { PROJECT_FINALIZER } from './kinds/project.js';
import { type KubeObject, timestamp } from './meta.js';
import type { ResourceType } from './resources.js';
import { technicalId } from './validation/shoot.js';

const NON_SPEC_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/** The part of an object whose change bumps metadata.generation (spec, or the body of spec-less kinds). */
export function specOf(obj: KubeObject): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([key]) => !NON_SPEC_FIELDS.has(key)));
}

/** `value` as its JSON text reads back: keys whose value is undefined are gone, prototypes are plain. */
function asJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : JSON.parse(text);
}

/**
 * Structural equality of JSON values, independent of object key order (node's deep equality);
 * values that differ only where their JSON texts would not (an undefined key) are equal too.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b) || isDeepStrictEqual(asJson(a), asJson(b));
}

/** Server-owned metadata on create: uid, timestamps, generation; status is the controllers' to write. */
export function prepareForCreate(type: ResourceType, obj: KubeObject, now: Date): KubeObject {
  const meta = obj.metadata;
  meta.uid = randomUUID();
  meta.creationTimestamp = timestamp(now);
  meta.generation = 1;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.resourceVersion;
  if (type.hasStatus) delete obj.status;
  if (type.kind === 'Shoot') obj.status = { technicalID: technicalId(meta.namespace ?? '', meta.name ?? '') };
  // from its first write, as Kubernetes gives a namespace its finalizer: a project deleted before
  // the project controller first saw it still goes through Terminating and an emptied namespace
  if (type.kind === 'Project' && !meta.finalizers?.includes(PROJECT_FINALIZER))
    meta.finalizers = [...(meta.finalizers ?? []), PROJECT_FINALIZER];
  return obj;
}

function finalizerErrors(obj: KubeObject, old: KubeObject): FieldError[] {
  if (!old.metadata.deletionTimestamp) return [];
  const before = new Set(old.metadata.finalizers ?? []);
  return (obj.metadata.finalizers ?? [])
    .filter((f) => !before.has(f))
    .map((f) => ({
      type: 'FieldValueForbidden' as const,
      field: 'metadata.finalizers',
      message: `no new finalizers can be added if the object is being deleted, found new finalizer "${f}"`,
    }));
}

/**
 * Carries server-owned fields from the stored object into an update and bumps generation when the
 * spec changed. `subresource: 'status'` takes only the status (and nothing else) from the request.
 */
export function prepareForUpdate(
  type: ResourceType,
  obj: KubeObject,
  old: KubeObject,
  subresource?: 'status',
): KubeObject {
  if (subresource === 'status') {
    const next = structuredClone(old);
    next.status = obj.status;
    return next;
  }
  const meta = obj.metadata;
  const errors = finalizerErrors(obj, old);
  if (errors.length > 0) throw invalid(type.kind, old.metadata.name ?? '', errors, type.group || undefined);
  meta.uid = old.metadata.uid;
  meta.creationTimestamp = old.metadata.creationTimestamp;
  meta.deletionTimestamp = old.metadata.deletionTimestamp;
  if (meta.deletionTimestamp === undefined) delete meta.deletionTimestamp;
  meta.generation = old.metadata.generation ?? 1;
  if (type.hasStatus) {
    if (old.status === undefined) delete obj.status;
    else obj.status = old.status;
  }
  if (!jsonEqual(specOf(obj), specOf(old))) meta.generation += 1;
  return obj;
}

/** The object after a delete request: marked for deletion while finalizers remain, else gone. */
export function prepareForDelete(obj: KubeObject, now: Date): KubeObject | undefined {
  if ((obj.metadata.finalizers ?? []).length === 0) return undefined;
  if (obj.metadata.deletionTimestamp) return obj;
  const next = structuredClone(obj);
  next.metadata.deletionTimestamp = timestamp(now);
  next.metadata.deletionGracePeriodSeconds = 0;
  return next;
}

/** An object marked for deletion whose last finalizer is gone is removed by its update. */
export function readyToRemove(obj: KubeObject): boolean {
  return Boolean(obj.metadata.deletionTimestamp) && (obj.metadata.finalizers ?? []).length === 0;
}

export function checkImmutableIdentity(obj: KubeObject, old: KubeObject, type: ResourceType): void {
  if (obj.metadata.uid && obj.metadata.uid !== old.metadata.uid) {
    throw new ApiError(
      ApiErrorCode.Conflict,
      `Precondition failed: UID in object meta: ${obj.metadata.uid}, does not match the stored ${type.kind}`,
    );
  }
}
