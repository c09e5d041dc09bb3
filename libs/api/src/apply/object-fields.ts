import { ApiError, ApiErrorCode } from '../errors.js';
import { jsonEqual } from '../strategy.js';
import { type FieldPath, FieldSet, formatPath, keyElement, type PathElement } from './field-set.js';
import type { ListType, ListTypes } from './list-types.js';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(schemaPath: string, field: string): string {
  return schemaPath ? `${schemaPath}.${field}` : field;
}

/** Deeper than any kind served here: a body nested further is refused rather than walked. */
const MAX_DEPTH = 64;

function tooDeep(path: FieldPath): ApiError {
  return new ApiError(
    ApiErrorCode.BadRequest,
    `${formatPath(path.slice(0, 8))}…: the object is nested too deeply`,
  );
}

/** The item's element in a list of this type; undefined when it has no (complete) key. */
function itemElement(item: unknown, listType: ListType): PathElement | undefined {
  if (listType.type === 'set') return `v:${JSON.stringify(item)}`;
  if (listType.type !== 'map' || !isObject(item)) return undefined;
  const keys: JsonObject = {};
  for (const key of listType.keys) {
    const value = item[key];
    if (value === undefined || value === null || isObject(value) || Array.isArray(value)) return undefined;
    keys[key] = value;
  }
  return keyElement(keys);
}

/** A list item's own member value: an item is added or removed, never modified (its fields are). */
const ITEM = Symbol('item');

/**
 * Every member of an object's field set with its value (kube's ToFieldSet): scalars, atomic lists,
 * empty objects, and each item of a keyed list or set, with the fields of keyed items. In `strict`
 * mode (an applied configuration) an item without its key, or two items with one key, is a
 * BadRequest; otherwise such a list counts as atomic.
 */
export function fieldValues(
  obj: unknown,
  listTypes: ListTypes,
  strict = false,
): Map<string, { path: FieldPath; value: unknown }> {
  const out = new Map<string, { path: FieldPath; value: unknown }>();
  const put = (path: FieldPath, value: unknown) => out.set(JSON.stringify(path), { path, value });
  const visit = (value: unknown, path: PathElement[], schemaPath: string): void => {
    if (path.length > MAX_DEPTH) throw tooDeep(path);
    if (isObject(value) && !listTypes.atomicMaps?.has(schemaPath)) {
      const entries = Object.entries(value);
      if (entries.length === 0 && path.length > 0) put(path, value);
      for (const [field, child] of entries) visit(child, [...path, `f:${field}`], join(schemaPath, field));
      return;
    }
    if (!Array.isArray(value)) return void put(path, value);
    const listType = listTypes(schemaPath);
    const elements = listType.type === 'atomic' ? undefined : listElements(value, listType, path, strict);
    if (!elements) return void put(path, value);
    value.forEach((item, index) => {
      const itemPath = [...path, elements[index] as PathElement];
      put(itemPath, listType.type === 'set' ? item : ITEM);
      if (listType.type === 'map' && isObject(item))
        for (const [field, child] of Object.entries(item))
          visit(child, [...itemPath, `f:${field}`], join(schemaPath, field));
    });
  };
  visit(obj, [], '');
  return out;
}

function listElements(
  list: unknown[],
  listType: ListType,
  path: FieldPath,
  strict: boolean,
): PathElement[] | undefined {
  const elements: PathElement[] = [];
  for (const item of list) {
    const element = itemElement(item, listType);
    if (element === undefined || elements.includes(element)) {
      if (!strict) return undefined;
      const keys = listType.type === 'map' ? listType.keys.join(', ') : 'value';
      throw new ApiError(
        ApiErrorCode.BadRequest,
        element === undefined
          ? `${formatPath(path)}: an item of this list needs its key field(s) ${keys}`
          : `${formatPath(path)}: duplicate entries for key ${formatPath([element])}`,
      );
    }
    elements.push(element);
  }
  return elements;
}

/** The paths of an object's field set. */
export function fieldSetOf(obj: unknown, listTypes: ListTypes, strict = false): FieldSet {
  return new FieldSet([...fieldValues(obj, listTypes, strict).values()].map((v) => v.path));
}

export interface Comparison {
  /** added or given another value */
  readonly changed: FieldSet;
  readonly removed: FieldSet;
}

/** What a write changed, member by member (kube's typed Compare). */
export function compareObjects(before: unknown, after: unknown, listTypes: ListTypes): Comparison {
  const old = fieldValues(before, listTypes);
  const next = fieldValues(after, listTypes);
  const changed = new FieldSet();
  const removed = new FieldSet();
  for (const [key, { path, value }] of next) {
    const previous = old.get(key);
    if (!previous || (value !== ITEM && !jsonEqual(previous.value, value))) changed.add(path);
  }
  for (const [key, { path }] of old) if (!next.has(key)) removed.add(path);
  return { changed, removed };
}

/**
 * The applied configuration merged into the live object: objects field by field, keyed lists item
 * by item (new items appended), sets value by value, anything else replaced by the configuration.
 */
export function mergeApplied(live: unknown, config: unknown, listTypes: ListTypes, schemaPath = ''): unknown {
  if (isObject(config) && isObject(live) && !listTypes.atomicMaps?.has(schemaPath)) {
    const result: JsonObject = structuredClone(live);
    for (const [field, value] of Object.entries(config))
      result[field] = mergeApplied(result[field], value, listTypes, join(schemaPath, field));
    return result;
  }
  if (Array.isArray(config) && Array.isArray(live)) {
    const listType = listTypes(schemaPath);
    if (listType.type === 'set')
      return [...live, ...config.filter((v) => !live.some((l) => jsonEqual(l, v)))];
    if (listType.type === 'map') return mergeItems(live, config, listType, listTypes, schemaPath);
  }
  return structuredClone(config);
}

function mergeItems(
  live: unknown[],
  config: unknown[],
  listType: ListType,
  listTypes: ListTypes,
  schemaPath: string,
): unknown[] {
  const result = structuredClone(live);
  for (const item of config) {
    const element = itemElement(item, listType);
    const index = result.findIndex((l) => element !== undefined && itemElement(l, listType) === element);
    if (index >= 0) result[index] = mergeApplied(result[index], item, listTypes, schemaPath);
    else result.push(structuredClone(item));
  }
  return result;
}

/** A copy of the configuration without its null fields: a null asks for nothing (the field is not applied). */
export function withoutNulls(config: unknown): unknown {
  if (Array.isArray(config)) return config.map(withoutNulls);
  if (!isObject(config)) return config;
  return Object.fromEntries(
    Object.entries(config)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

/** Removes each path's member from the object in place (a field, a keyed item, a set value); absent ones are skipped. */
export function removeFields(obj: unknown, paths: FieldSet, listTypes: ListTypes): void {
  for (const path of paths) removeOne(obj, path, listTypes);
}

function removeOne(obj: unknown, path: FieldPath, listTypes: ListTypes): void {
  let parent: unknown = obj;
  let schemaPath = '';
  for (const [i, element] of path.entries()) {
    const last = i === path.length - 1;
    if (element.startsWith('f:')) {
      const field = element.slice(2);
      if (!isObject(parent) || !Object.hasOwn(parent, field)) return;
      if (last) return void delete parent[field];
      parent = parent[field];
      schemaPath = join(schemaPath, field);
      continue;
    }
    if (!Array.isArray(parent)) return;
    const listType = listTypes(schemaPath);
    const index = parent.findIndex((item) => itemElement(item, listType) === element);
    if (index < 0) return;
    if (last) return void parent.splice(index, 1);
    parent = parent[index];
  }
}

/** Whether the object has the path's member (a field, a keyed item, a set value). */
export function hasField(obj: unknown, path: FieldPath, listTypes: ListTypes): boolean {
  let node: unknown = obj;
  let schemaPath = '';
  for (const element of path) {
    if (element.startsWith('f:')) {
      const field = element.slice(2);
      if (!isObject(node) || !Object.hasOwn(node, field)) return false;
      node = node[field];
      schemaPath = join(schemaPath, field);
      continue;
    }
    if (!Array.isArray(node)) return false;
    const listType = listTypes(schemaPath);
    const item = node.find((i) => itemElement(i, listType) === element);
    if (item === undefined) return false;
    node = item;
  }
  return true;
}
