import { ApiError, ApiErrorCode } from './errors.js';
import { assertSafeKey, assertSafeKeys, ownValue } from './safe-keys.js';
import { jsonEqual } from './strategy.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function badPatch(message: string): ApiError {
  return new ApiError(ApiErrorCode.BadRequest, message);
}

/** A member of an object or array, never one its prototype supplies. */
function childOf(parent: Json | undefined, token: string): Json | undefined {
  if (Array.isArray(parent)) return /^\d+$/.test(token) ? parent[Number(token)] : undefined;
  return ownValue(parent, token) as Json | undefined;
}

function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergeInto(childOf(result, key), value) as Json;
  }
  return result;
}

/** RFC 7386 JSON merge patch; a patch with a `__proto__`, `constructor` or `prototype` key is refused. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  assertSafeKeys(patch, 'the merge patch');
  return mergeInto(target, patch);
}

/** RFC 6901: `~1` is `/`, `~0` is `~`; a segment that decodes to an unsafe key is refused. */
function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badPatch(`invalid JSON pointer "${pointer}"`);
  const tokens = pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  for (const token of tokens) assertSafeKey(token, `the JSON pointer "${pointer}"`);
  return tokens;
}

function parentOf(doc: Json, tokens: string[], pointer: string): { parent: Json; key: string } {
  let parent: Json = doc;
  for (const token of tokens.slice(0, -1)) {
    const next = childOf(parent, token);
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
    current = childOf(current, token);
    if (current === undefined) throw badPatch(`path "${pointer}" does not exist`);
  }
  return current;
}

function removeAt(doc: Json, pointer: string): Json {
  const tokens = decodePointer(pointer);
  if (tokens.length === 0) throw badPatch('cannot remove the whole document');
  const { parent, key } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, pointer, false), 1)[0] as Json;
  if (!isObject(parent) || !Object.hasOwn(parent, key)) throw badPatch(`path "${pointer}" does not exist`);
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
    if (replace && !Object.hasOwn(parent, key)) throw badPatch(`path "${pointer}" does not exist`);
    parent[key] = value;
  } else throw badPatch(`path "${pointer}" does not exist`);
  return doc;
}

/**
 * RFC 6902 JSON patch (add, remove, replace, move, copy, test). Pointers (`path`, `from`) and values
 * with a `__proto__`, `constructor` or `prototype` key or segment are refused.
 */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badPatch('a JSON patch must be an array of operations');
  assertSafeKeys(operations, 'the JSON patch');
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
        if (!jsonEqual(getAt(doc, path), op.value ?? null))
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
    const index = result.findIndex((e) => isObject(e) && ownValue(e, key) === ownValue(element, key));
    if (element.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = strategicMerge(result[index], element, path, keys) as Json;
    } else {
      result.push(strategicMerge({}, element, path, keys) as Json);
    }
  }
  return result;
}

function reorder(list: Json[], order: unknown, key: string): Json[] {
  if (!Array.isArray(order)) return list;
  const rankKey = (e: unknown) => (isObject(e) ? ownValue(e, key) : e);
  const rank = new Map(order.map((e, i) => [rankKey(e), i]));
  return [...list].sort(
    (a, b) => (rank.get(rankKey(a)) ?? order.length) - (rank.get(rankKey(b)) ?? order.length),
  );
}

const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';
const SET_ELEMENT_ORDER = '$setElementOrder/';

/** The list a `$deleteFromPrimitiveList/<list>` or `$setElementOrder/<list>` directive names. */
function directiveList(key: string, prefix: string): string {
  const list = key.slice(prefix.length);
  assertSafeKey(list, `the strategic merge patch directive "${key}"`);
  return list;
}

function strategicMerge(target: unknown, patch: unknown, path: string, keys: PatchMergeKeys): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  const base: JsonObject = isObject(target) && directive !== 'replace' ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith(SET_ELEMENT_ORDER)) {
      directiveList(key, SET_ELEMENT_ORDER);
      continue;
    }
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      const list = directiveList(key, DELETE_FROM_PRIMITIVE_LIST);
      const remove = new Set(Array.isArray(value) ? value.map(String) : []);
      const current = childOf(base, list);
      if (Array.isArray(current)) base[list] = current.filter((v) => !remove.has(String(v)));
      continue;
    }
    const mergeKey = ownValue(keys, join(path, key));
    const current = childOf(base, key);
    if (value === null) delete base[key];
    else if (MERGED_PRIMITIVE_LISTS.has(key) && Array.isArray(value) && Array.isArray(current)) {
      base[key] = [...new Set([...current, ...value])] as Json;
    } else if (typeof mergeKey === 'string' && Array.isArray(value)) {
      const merged = mergeList(Array.isArray(current) ? current : [], value, mergeKey, join(path, key), keys);
      base[key] = reorder(merged, ownValue(patch, `${SET_ELEMENT_ORDER}${key}`), mergeKey) as Json;
    } else {
      const merged = strategicMerge(current, value, join(path, key), keys);
      if (merged === undefined) delete base[key];
      else base[key] = merged as Json;
    }
  }
  return base;
}

/**
 * Strategic merge patch: like a merge patch, plus `$patch: replace|delete` on maps,
 * `$deleteFromPrimitiveList/<list>`, `$setElementOrder/<list>`, finalizers merged as a set, and
 * lists of objects merged by their merge key where the kind declares one (a shoot's workers by name).
 * Keys and directive lists named `__proto__`, `constructor` or `prototype` are refused.
 */
export function applyStrategicMergePatch(
  target: unknown,
  patch: unknown,
  path = '',
  keys: PatchMergeKeys = {},
): unknown {
  assertSafeKeys(patch, 'the strategic merge patch');
  return strategicMerge(target, patch, path, keys);
}
