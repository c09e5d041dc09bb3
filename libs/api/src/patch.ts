import { ApiError, ApiErrorCode } from './errors.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function badPatch(message: string): ApiError {
  return new ApiError(ApiErrorCode.BadRequest, message);
}

/** RFC 7386 JSON merge patch. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value) as Json;
  }
  return result;
}

function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badPatch(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, tokens: string[], pointer: string): { parent: Json; key: string } {
  let parent: Json = doc;
  for (const token of tokens.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(parent)
      ? parent[Number(token)]
      : isObject(parent)
        ? parent[token]
        : undefined;
    if (next === undefined) throw badPatch(`path "${pointer}" does not exist`);
    parent = next;
  }
  return { parent, key: tokens[tokens.length - 1] ?? '' };
}

function arrayIndex(array: Json[], key: string, pointer: string, forAdd: boolean): number {
  if (forAdd && key === '-') return array.length;
  const index = Number(key);
  if (!/^\d+$/.test(key) || index > array.length || (!forAdd && index === array.length)) {
    throw badPatch(`array index "${key}" out of range in "${pointer}"`);
  }
  return index;
}

function getAt(doc: Json, pointer: string): Json {
  let current: Json | undefined = doc;
  for (const token of decodePointer(pointer)) {
    current = Array.isArray(current)
      ? current[Number(token)]
      : isObject(current)
        ? current[token]
        : undefined;
    if (current === undefined) throw badPatch(`path "${pointer}" does not exist`);
  }
  return current;
}

function removeAt(doc: Json, pointer: string): Json {
  const tokens = decodePointer(pointer);
  if (tokens.length === 0) throw badPatch('cannot remove the whole document');
  const { parent, key } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, pointer, false), 1)[0] as Json;
  if (!isObject(parent) || !(key in parent)) throw badPatch(`path "${pointer}" does not exist`);
  const value = parent[key] as Json;
  delete parent[key];
  return value;
}

function addAt(doc: Json, pointer: string, value: Json, replace: boolean): Json {
  const tokens = decodePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, key, pointer, !replace);
    parent.splice(index, replace ? 1 : 0, value);
  } else if (isObject(parent)) {
    if (replace && !(key in parent)) throw badPatch(`path "${pointer}" does not exist`);
    parent[key] = value;
  } else throw badPatch(`path "${pointer}" does not exist`);
  return doc;
}

/** RFC 6902 JSON patch (add, remove, replace, move, copy, test). */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badPatch('a JSON patch must be an array of operations');
  let doc = structuredClone(target) as Json;
  for (const op of operations) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw badPatch('each JSON patch operation needs "op" and "path"');
    }
    const path = op.path;
    const from = typeof op.from === 'string' ? op.from : undefined;
    switch (op.op) {
      case 'add':
        doc = addAt(doc, path, structuredClone(op.value ?? null), false);
        break;
      case 'replace':
        doc = addAt(doc, path, structuredClone(op.value ?? null), true);
        break;
      case 'remove':
        removeAt(doc, path);
        break;
      case 'move':
        if (from === undefined) throw badPatch('"move" needs "from"');
        doc = addAt(doc, path, removeAt(doc, from), false);
        break;
      case 'copy':
        if (from === undefined) throw badPatch('"copy" needs "from"');
        doc = addAt(doc, path, structuredClone(getAt(doc, from)), false);
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op.value))
          throw new ApiError(ApiErrorCode.Invalid, `the test operation on "${path}" failed`);
        break;
      default:
        throw badPatch(`unsupported JSON patch operation "${op.op}"`);
    }
  }
  return doc;
}

/** Lists whose strategic-merge strategy is "merge" for primitive values (ObjectMeta.finalizers). */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

/** Lists merged element by element under a key (`x-kubernetes-patch-merge-key`), by dotted path. */
export type PatchMergeKeys = Readonly<Record<string, string>>;

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Merges a list of objects by their merge key: patch elements update or add, `$patch: delete` removes. */
function mergeList(current: Json[], patch: Json[], key: string, path: string, keys: PatchMergeKeys): Json[] {
  const result = current.map((e) => structuredClone(e));
  for (const element of patch) {
    if (!isObject(element)) continue;
    const index = result.findIndex((e) => isObject(e) && e[key] === element[key]);
    if (element.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = applyStrategicMergePatch(result[index], element, path, keys) as Json;
    } else {
      result.push(applyStrategicMergePatch({}, element, path, keys) as Json);
    }
  }
  return result;
}

function reorder(list: Json[], order: unknown, key: string): Json[] {
  if (!Array.isArray(order)) return list;
  const rank = new Map(order.map((e, i) => [isObject(e) ? e[key] : e, i]));
  return [...list].sort(
    (a, b) =>
      (rank.get(isObject(a) ? a[key] : a) ?? order.length) -
      (rank.get(isObject(b) ? b[key] : b) ?? order.length),
  );
}

/**
 * Strategic merge patch: like a merge patch, plus `$patch: replace|delete` on maps,
 * `$deleteFromPrimitiveList/<list>`, `$setElementOrder/<list>`, finalizers merged as a set, and
 * lists of objects merged by their merge key where the kind declares one (a shoot's workers by name).
 */
export function applyStrategicMergePatch(
  target: unknown,
  patch: unknown,
  path = '',
  keys: PatchMergeKeys = {},
): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  const base: JsonObject = isObject(target) && directive !== 'replace' ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key.startsWith('$setElementOrder/') || key === '$retainKeys') continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const list = key.slice('$deleteFromPrimitiveList/'.length);
      const remove = new Set(Array.isArray(value) ? value.map(String) : []);
      const current = base[list];
      if (Array.isArray(current)) base[list] = current.filter((v) => !remove.has(String(v)));
      continue;
    }
    const mergeKey = keys[join(path, key)];
    if (value === null) delete base[key];
    else if (MERGED_PRIMITIVE_LISTS.has(key) && Array.isArray(value) && Array.isArray(base[key])) {
      base[key] = [...new Set([...(base[key] as Json[]), ...value])] as Json;
    } else if (mergeKey && Array.isArray(value)) {
      const merged = mergeList(
        Array.isArray(base[key]) ? (base[key] as Json[]) : [],
        value,
        mergeKey,
        join(path, key),
        keys,
      );
      base[key] = reorder(merged, patch[`$setElementOrder/${key}`], mergeKey) as Json;
    } else {
      const merged = applyStrategicMergePatch(base[key], value, join(path, key), keys);
      if (merged === undefined) delete base[key];
      else base[key] = merged as Json;
    }
  }
  return base;
}
