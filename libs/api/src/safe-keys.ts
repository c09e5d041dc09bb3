import { ApiError, ApiErrorCode } from './errors.js';

/**
 * Keys that reach an object's prototype when a decoded document is walked or assigned by key:
 * `obj.__proto__` is Object.prototype, `obj.constructor.prototype` too. No kind served here has a
 * field of these names, so they are refused wherever a user's keys meet an object.
 */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isUnsafeKey(key: string): boolean {
  return UNSAFE_KEYS.has(key);
}

/** The BadRequest for an unsafe key; `where` says in what it was found (a body, a pointer, a query). */
export function unsafeKeyError(key: string, where: string): ApiError {
  return new ApiError(
    ApiErrorCode.BadRequest,
    `${where} uses the key "${key}": keys named __proto__, constructor or prototype are not allowed`,
  );
}

export function assertSafeKey(key: string, where: string): void {
  if (isUnsafeKey(key)) throw unsafeKeyError(key, where);
}

const MAX_PATH_SEGMENTS = 8;

interface Visit {
  readonly value: object;
  readonly parent: Visit | undefined;
  readonly key: string;
}

/** The dotted path to a key, its last few segments only (a hostile body may nest very deep). */
function pathOf(visit: Visit | undefined, last: string): string {
  const keys = [last];
  let v = visit;
  for (; v?.parent && keys.length < MAX_PATH_SEGMENTS; v = v.parent) keys.unshift(v.key);
  return `${v?.parent ? '….' : ''}${keys.join('.')}`;
}

/**
 * Refuses a decoded JSON or YAML document that has an unsafe key anywhere (own keys, as
 * `JSON.parse` and the YAML parser make them). Iterative, so depth is bounded by the body size
 * and not by the stack; objects reached twice (YAML aliases) are walked once.
 */
export function assertSafeKeys(document: unknown, where = 'the request body'): void {
  if (typeof document !== 'object' || document === null) return;
  const seen = new WeakSet<object>();
  const pending: Visit[] = [{ value: document, parent: undefined, key: '' }];
  for (let visit = pending.pop(); visit; visit = pending.pop()) {
    if (seen.has(visit.value)) continue;
    seen.add(visit.value);
    const array = Array.isArray(visit.value);
    for (const key of Object.keys(visit.value)) {
      if (!array && isUnsafeKey(key)) throw unsafeKeyError(key, `${where} (at ${pathOf(visit, key)})`);
      const child: unknown = (visit.value as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) pending.push({ value: child, parent: visit, key });
    }
  }
}

/** A property the object itself has, never one its prototype supplies. */
export function ownValue(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null && Object.hasOwn(obj, key)
    ? (obj as Record<string, unknown>)[key]
    : undefined;
}
