import { ApiError, ApiErrorCode, type FieldError, invalid } from '../errors.js';
import { type FieldPath, FieldSet, formatPath, fromFieldsV1, toFieldsV1 } from './field-set.js';

/** metav1.ManagedFieldsEntry (a type, so that it is a plain record) */
export type ManagedFieldsEntry = {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
};

/** One entry read: who (manager, operation, subresource, and the version of an Update) and what it owns. */
export interface Manager {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  readonly apiVersion: string;
  readonly subresource?: string | undefined;
  readonly time?: string | undefined;
  readonly fields: FieldSet;
}

export type ManagerId = Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>;

/** kube's limits on a field manager's name */
export const FIELD_MANAGER_MAX_LENGTH = 128;
/** Update entries kept apart; older ones merge into one `ancient-changes` entry (as kube-apiserver) */
export const MAX_UPDATE_MANAGERS = 10;
export const ANCIENT_CHANGES = 'ancient-changes';

/** Entries are one manager when they agree on all but time and fields (an applier's version does not count either). */
export function sameManager(a: ManagerId, b: ManagerId): boolean {
  return (
    a.manager === b.manager &&
    a.operation === b.operation &&
    (a.subresource ?? '') === (b.subresource ?? '') &&
    (a.operation === 'Apply' || a.apiVersion === b.apiVersion)
  );
}

function entryErrors(entry: unknown, index: number): FieldError[] {
  const field = (name: string) => `metadata.managedFields[${index}].${name}`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    return [
      { type: 'FieldValueInvalid', field: `metadata.managedFields[${index}]`, message: 'must be an object' },
    ];
  const e = entry as Record<string, unknown>;
  const errors: FieldError[] = [];
  if (e.operation !== 'Apply' && e.operation !== 'Update')
    errors.push({
      type: 'FieldValueNotSupported',
      field: field('operation'),
      message: 'must be `Apply` or `Update`',
    });
  if (e.fieldsType !== 'FieldsV1')
    errors.push({
      type: 'FieldValueNotSupported',
      field: field('fieldsType'),
      message: 'must be `FieldsV1`',
    });
  if (typeof e.manager !== 'string' || e.manager.length > FIELD_MANAGER_MAX_LENGTH)
    errors.push({
      type: 'FieldValueInvalid',
      field: field('manager'),
      message: `must be a string of at most ${FIELD_MANAGER_MAX_LENGTH} characters`,
    });
  for (const name of ['apiVersion', 'time', 'subresource'] as const)
    if (e[name] !== undefined && typeof e[name] !== 'string')
      errors.push({ type: 'FieldValueInvalid', field: field(name), message: 'must be a string' });
  return errors;
}

/**
 * Reads managedFields. An entry that owns nothing is dropped (kube's way of clearing them is
 * `[{}]`); an entry with a wrong operation or fieldsType is 422, as kube-apiserver's validation
 * says; a malformed fieldsV1 throws BadRequest (callers then keep the live entries, as kube does).
 */
export function readManagedFields(entries: unknown, kind: string, name: string): Manager[] {
  if (entries === undefined) return [];
  if (!Array.isArray(entries))
    throw invalid(kind, name, [
      { type: 'FieldValueInvalid', field: 'metadata.managedFields', message: 'must be a list' },
    ]);
  const managers: Manager[] = [];
  const errors: FieldError[] = [];
  entries.forEach((entry, index) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    if (
      typeof entry === 'object' &&
      entry !== null &&
      (e.fieldsV1 === undefined || isEmptyObject(e.fieldsV1))
    )
      return;
    const problems = entryErrors(entry, index);
    if (problems.length > 0) {
      errors.push(...problems);
      return;
    }
    managers.push({
      manager: e.manager as string,
      operation: e.operation as 'Apply' | 'Update',
      apiVersion: (e.apiVersion as string | undefined) ?? '',
      subresource: e.subresource as string | undefined,
      time: e.time as string | undefined,
      fields: fromFieldsV1(e.fieldsV1),
    });
  });
  if (errors.length > 0) throw invalid(kind, name, errors);
  return managers;
}

function isEmptyObject(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0
  );
}

/** The entries as kube-apiserver writes them: empty ones dropped, Apply before Update, then by time and manager. */
export function writeManagedFields(managers: readonly Manager[]): ManagedFieldsEntry[] {
  return capUpdateManagers(managers.filter((m) => !m.fields.isEmpty()))
    .sort(
      (a, b) =>
        a.operation.localeCompare(b.operation) ||
        (a.time ?? '').localeCompare(b.time ?? '') ||
        a.manager.localeCompare(b.manager) ||
        a.apiVersion.localeCompare(b.apiVersion) ||
        (a.subresource ?? '').localeCompare(b.subresource ?? ''),
    )
    .map((m) => ({
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      ...(m.time ? { time: m.time } : {}),
      fieldsType: 'FieldsV1' as const,
      fieldsV1: toFieldsV1(m.fields),
      ...(m.subresource ? { subresource: m.subresource } : {}),
    }));
}

/** Beyond MAX_UPDATE_MANAGERS Update entries, the oldest are merged into `ancient-changes`, so no object grows without bound. */
function capUpdateManagers(managers: Manager[]): Manager[] {
  const updates = managers
    .filter((m) => m.operation === 'Update')
    .sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
  if (updates.length <= MAX_UPDATE_MANAGERS) return managers;
  const merged = updates.slice(0, updates.length - MAX_UPDATE_MANAGERS + 1);
  const ancient: Manager = {
    manager: ANCIENT_CHANGES,
    operation: 'Update',
    apiVersion: merged.at(-1)?.apiVersion ?? '',
    time: merged.at(-1)?.time,
    fields: merged.reduce((set, m) => set.union(m.fields), new FieldSet()),
  };
  return [...managers.filter((m) => !merged.includes(m)), ancient];
}

/** What a write changed (see compareObjects), restricted to the fields its request may touch. */
export interface Changes {
  readonly changed: FieldSet;
  readonly removed: FieldSet;
}

/**
 * An Update (create, PUT, merge/JSON/strategic patch) by `writer`: it comes to own what it changed,
 * everyone else loses what it changed or removed (updates never conflict).
 */
export function recordUpdate(
  managers: readonly Manager[],
  writer: ManagerId,
  changes: Changes,
  now: string,
): Manager[] {
  const taken = changes.changed.union(changes.removed);
  const previous = managers.find((m) => sameManager(m, writer));
  const others = managers
    .filter((m) => m !== previous)
    .map((m) => ({ ...m, fields: m.fields.difference(taken) }));
  const fields = (previous?.fields ?? new FieldSet()).difference(changes.removed).union(changes.changed);
  const time = changes.changed.isEmpty() ? previous?.time : now;
  return [...others, { ...writer, time, fields }];
}

export interface Conflict {
  readonly manager: Manager;
  readonly path: FieldPath;
}

/** Fields another manager owns that an apply would give another value. */
export function findConflicts(
  managers: readonly Manager[],
  applier: ManagerId,
  changed: FieldSet,
): Conflict[] {
  return managers
    .filter((m) => !sameManager(m, applier))
    .flatMap((m) => [...m.fields.intersection(changed)].map((path) => ({ manager: m, path })));
}

/**
 * An Apply by `applier`: it owns exactly its configuration's fields; with `force`, others lose the
 * conflicting ones; everyone else loses what the write removed.
 */
export function recordApply(
  managers: readonly Manager[],
  applier: ManagerId,
  config: FieldSet,
  changes: Changes,
  conflicts: readonly Conflict[],
  now: string,
): Manager[] {
  const previous = managers.find((m) => sameManager(m, applier));
  const others = managers
    .filter((m) => m !== previous)
    .map((m) => {
      const lost = new FieldSet(conflicts.filter((c) => c.manager === m).map((c) => c.path));
      return { ...m, fields: m.fields.difference(lost).difference(changes.removed) };
    });
  const changedAnything = !changes.changed.isEmpty() || !changes.removed.isEmpty();
  const time = !previous || changedAnything || !previous.fields.equals(config) ? now : previous.time;
  return [...others, { ...applier, time, fields: config }];
}

/** kube-apiserver's words for a manager in a conflict: an Update's names its version. */
function describeManager(m: Manager): string {
  const name = m.subresource ? `"${m.manager}" with subresource "${m.subresource}"` : `"${m.manager}"`;
  return m.operation === 'Update' ? `${name} using ${m.apiVersion}` : name;
}

/** The 409 kube-apiserver answers: one cause per field (type FieldManagerConflict), and a message listing them. */
export function conflictError(conflicts: readonly Conflict[]): ApiError {
  const causes: FieldError[] = conflicts.map((c) => ({
    type: 'FieldManagerConflict',
    field: formatPath(c.path),
    message: `conflict with ${describeManager(c.manager)}`,
  }));
  return new ApiError(ApiErrorCode.Conflict, conflictMessage(conflicts), { causes });
}

function conflictMessage(conflicts: readonly Conflict[]): string {
  const [first] = conflicts;
  if (conflicts.length === 1 && first)
    return `Apply failed with 1 conflict: conflict with ${describeManager(first.manager)}: ${formatPath(first.path)}`;
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const who = describeManager(c.manager);
    byManager.set(who, [...(byManager.get(who) ?? []), formatPath(c.path)]);
  }
  const lines = [...byManager.keys()]
    .sort()
    .flatMap((who) => [`conflicts with ${who}:`, ...(byManager.get(who) ?? []).map((p) => `- ${p}`)]);
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}
