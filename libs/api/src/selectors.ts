import { ApiError, ApiErrorCode } from './errors.js';
import { ownValue } from './safe-keys.js';

export type LabelRequirement =
  | { key: string; op: 'exists' }
  | { key: string; op: 'notexists' }
  | { key: string; op: 'in'; values: string[] }
  | { key: string; op: 'notin'; values: string[] };

export interface FieldRequirement {
  field: string;
  op: 'eq' | 'neq';
  value: string;
}

const KEY = /^([A-Za-z0-9][-A-Za-z0-9_.]*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function bad(selector: string, why: string): ApiError {
  return new ApiError(ApiErrorCode.BadRequest, `unable to parse requirement "${selector}": ${why}`);
}

function checkKey(key: string, part: string): string {
  if (!KEY.test(key)) throw bad(part, `invalid label key "${key}"`);
  return key;
}

function checkValue(value: string, part: string): string {
  if (value.length > 63 || !VALUE.test(value)) throw bad(part, `invalid label value "${value}"`);
  return value;
}

function parseRequirement(part: string): LabelRequirement {
  if (part.startsWith('!')) return { key: checkKey(part.slice(1).trim(), part), op: 'notexists' };
  const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
  if (set) {
    const [, key = '', op, list = ''] = set;
    const values = list.split(',').map((v) => checkValue(v.trim(), part));
    return op === 'in'
      ? { key: checkKey(key, part), op: 'in', values }
      : { key: checkKey(key, part), op: 'notin', values };
  }
  const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (eq) {
    const [, key = '', op, value = ''] = eq;
    const values = [checkValue(value, part)];
    return op === '!='
      ? { key: checkKey(key, part), op: 'notin', values }
      : { key: checkKey(key, part), op: 'in', values };
  }
  return { key: checkKey(part, part), op: 'exists' };
}

/** Parses a Kubernetes label selector (`a=b,c!=d,e in (f,g),!h,i`). */
export function parseLabelSelector(selector: string | undefined): LabelRequirement[] {
  return selector ? splitTopLevel(selector).map(parseRequirement) : [];
}

function matchesRequirement(r: LabelRequirement, labels: Record<string, string> | undefined): boolean {
  // own labels only: a selector on `constructor` must not match every object through its prototype
  const value = ownValue(labels, r.key) as string | undefined;
  if (r.op === 'exists') return value !== undefined;
  if (r.op === 'notexists') return value === undefined;
  if (r.op === 'in') return value !== undefined && r.values.includes(value);
  return value === undefined || !r.values.includes(value);
}

export function matchesLabels(
  requirements: readonly LabelRequirement[],
  labels: Record<string, string> | undefined,
): boolean {
  return requirements.every((r) => matchesRequirement(r, labels));
}

/** Parses a field selector; only the given fields are supported (as Kubernetes does per kind). */
export function parseFieldSelector(
  selector: string | undefined,
  supported: readonly string[],
): FieldRequirement[] {
  if (!selector) return [];
  return splitTopLevel(selector).map((part) => {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m)
      throw new ApiError(
        ApiErrorCode.BadRequest,
        `invalid field selector "${part}": expected field=value or field!=value`,
      );
    const [, field = '', op, value = ''] = m;
    if (!supported.includes(field)) {
      throw new ApiError(
        ApiErrorCode.BadRequest,
        `field label not supported: ${field} (supported: ${supported.join(', ')})`,
      );
    }
    return { field, op: op === '!=' ? 'neq' : 'eq', value: value.trim() };
  });
}

/** Reads a dotted field path (`metadata.name`, `spec.seedName`) from an object. */
export function fieldValue(obj: unknown, field: string): string {
  let current: unknown = obj;
  for (const key of field.split('.')) current = ownValue(current, key);
  return current === undefined || current === null ? '' : String(current);
}

export function matchesFields(requirements: readonly FieldRequirement[], obj: unknown): boolean {
  return requirements.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op === 'eq'));
}
