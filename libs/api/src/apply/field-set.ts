import { ApiError, ApiErrorCode } from '../errors.js';
import { isUnsafeKey } from '../safe-keys.js';

/**
 * One step of a field path, spelt as in `fieldsV1`: `f:<field>`, `k:<JSON object of the item's
 * keys>` (an item of a keyed list), `v:<JSON value>` (an item of a set) or `i:<index>`.
 */
export type PathElement = string;
export type FieldPath = readonly PathElement[];

function keyOf(path: FieldPath): string {
  return JSON.stringify(path);
}

/** A set of field paths (kube's fieldpath.Set): what a manager owns, or what a write changed. */
export class FieldSet implements Iterable<FieldPath> {
  private readonly paths = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const path of paths) this.add(path);
  }

  add(path: FieldPath): this {
    this.paths.set(keyOf(path), path);
    return this;
  }

  has(path: FieldPath): boolean {
    return this.paths.has(keyOf(path));
  }

  get size(): number {
    return this.paths.size;
  }

  isEmpty(): boolean {
    return this.paths.size === 0;
  }

  [Symbol.iterator](): Iterator<FieldPath> {
    return this.paths.values();
  }

  union(other: FieldSet): FieldSet {
    const set = this.filtered(() => true);
    for (const [key, path] of other.paths) set.paths.set(key, path);
    return set;
  }

  difference(other: FieldSet): FieldSet {
    return this.filtered((key) => !other.paths.has(key));
  }

  intersection(other: FieldSet): FieldSet {
    return this.filtered((key) => other.paths.has(key));
  }

  equals(other: FieldSet): boolean {
    return this.size === other.size && [...this.paths.keys()].every((key) => other.paths.has(key));
  }

  /** A copy with the members whose keys pass (no path is serialized again). */
  private filtered(keep: (key: string) => boolean): FieldSet {
    const set = new FieldSet();
    for (const [key, path] of this.paths) if (keep(key)) set.paths.set(key, path);
    return set;
  }

  /** Whether a member lies strictly below `path` (owning a child keeps its parent in place). */
  hasBelow(path: FieldPath): boolean {
    const prefix = keyOf(path).slice(0, -1);
    for (const key of this.paths.keys())
      if (key.length > prefix.length + 1 && key.startsWith(`${prefix},`)) return true;
    return false;
  }
}

/** `[name="a"]`-style text of a path, as kube-apiserver prints it: `.spec.provider.workers[name="a"].minimum`. */
export function formatPath(path: FieldPath): string {
  return path.map(formatElement).join('');
}

function formatElement(element: PathElement): string {
  const body = element.slice(2);
  switch (element.slice(0, 2)) {
    case 'f:':
      return `.${body}`;
    case 'k:':
      return `[${Object.entries(JSON.parse(body) as Record<string, unknown>)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    case 'v:':
      return `[=${body}]`;
    default:
      return `[${body}]`;
  }
}

/** The element of a keyed list's item: its key fields, sorted, as one JSON object. */
export function keyElement(keys: Record<string, unknown>): PathElement {
  const sorted = Object.fromEntries(
    Object.keys(keys)
      .sort()
      .map((k) => [k, keys[k]]),
  );
  return `k:${JSON.stringify(sorted)}`;
}

interface Node {
  member: boolean;
  children: Map<PathElement, Node>;
}

function newNode(): Node {
  return { member: false, children: new Map() };
}

/** The set in kube's `fieldsV1` form: nested objects, `{}` a member leaf, `".": {}` a member with children. */
export function toFieldsV1(set: FieldSet): Record<string, unknown> {
  const root = newNode();
  for (const path of set) {
    let node = root;
    for (const element of path) {
      const child = node.children.get(element) ?? newNode();
      node.children.set(element, child);
      node = child;
    }
    node.member = true;
  }
  return encodeNode(root);
}

function encodeNode(node: Node): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (node.member && node.children.size > 0) out['.'] = {};
  for (const element of [...node.children.keys()].sort()) {
    out[element] = encodeNode(node.children.get(element) as Node);
  }
  return out;
}

function malformed(reason: string): ApiError {
  return new ApiError(ApiErrorCode.BadRequest, `fieldsV1 is malformed: ${reason}`);
}

function checkElement(element: string): void {
  const body = element.slice(2);
  switch (element.slice(0, 2)) {
    case 'f:':
      if (isUnsafeKey(body)) throw malformed(`field "${body}" is not allowed`);
      return;
    case 'k:': {
      let keys: unknown;
      try {
        keys = JSON.parse(body);
      } catch {
        throw malformed(`"${element.slice(0, 80)}" is not a key object`);
      }
      if (typeof keys !== 'object' || keys === null || Array.isArray(keys))
        throw malformed(`"${element.slice(0, 80)}" is not a key object`);
      return;
    }
    case 'v:':
      try {
        JSON.parse(body);
      } catch {
        throw malformed(`"${element.slice(0, 80)}" is not a JSON value`);
      }
      return;
    case 'i:':
      if (!/^\d+$/.test(body)) throw malformed(`"${element.slice(0, 80)}" is not an index`);
      return;
    default:
      throw malformed(`"${element.slice(0, 80)}" is no path element (f:, k:, v:, i:)`);
  }
}

const MAX_DEPTH = 64;

/** Reads `fieldsV1`; a malformed one is a BadRequest (callers decide whether to ignore it). */
export function fromFieldsV1(fields: unknown): FieldSet {
  const set = new FieldSet();
  const visit = (node: unknown, path: PathElement[]): void => {
    if (typeof node !== 'object' || node === null || Array.isArray(node))
      throw malformed('a node is not an object');
    if (path.length > MAX_DEPTH) throw malformed('nested too deeply');
    const entries = Object.entries(node);
    if (entries.length === 0 && path.length > 0) set.add(path);
    for (const [element, child] of entries) {
      if (element === '.') {
        if (path.length > 0) set.add(path);
        continue;
      }
      checkElement(element);
      visit(child, [...path, element]);
    }
  };
  visit(fields ?? {}, []);
  return set;
}
