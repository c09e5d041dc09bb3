import type { z } from 'zod';
import { ApiError, ApiErrorCode, type FieldError, fieldPath, invalid } from './errors.js';
import { assertSafeKeys } from './safe-keys.js';

/** Turns zod issues into Kubernetes field errors; unknown fields are reported apart from the rest. */
export function issuesToFieldErrors(issues: readonly z.core.$ZodIssue[]): {
  unknown: FieldError[];
  errors: FieldError[];
} {
  const unknown: FieldError[] = [];
  const errors: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        unknown.push({
          type: 'FieldValueUnknown',
          field: fieldPath([...issue.path, key]),
          message: 'unknown field',
        });
      }
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      errors.push({ type: 'FieldValueRequired', field: fieldPath(issue.path), message: 'Required value' });
    } else if (issue.code === 'invalid_type') {
      errors.push({
        type: 'FieldValueTypeInvalid',
        field: fieldPath(issue.path),
        message: `must be of type ${issue.expected}`,
      });
    } else if (issue.code === 'invalid_value') {
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
      errors.push({
        type: 'FieldValueNotSupported',
        field: fieldPath(issue.path),
        message: `supported values: ${allowed}`,
      });
    } else {
      errors.push({ type: 'FieldValueInvalid', field: fieldPath(issue.path), message: issue.message });
    }
  }
  return { unknown, errors };
}

/** Kubernetes' `fieldValidation`: what a write does with fields the schema does not know. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

const FIELD_VALIDATIONS: readonly FieldValidation[] = ['Strict', 'Warn', 'Ignore'];

/**
 * The query parameter as given, or Strict when absent: stricter than kube-apiserver's default
 * (Warn), as an unknown field in a cluster's spec is most often a typo that would silently do nothing.
 */
export function parseFieldValidation(value: unknown): FieldValidation {
  if (value === undefined || value === '') return 'Strict';
  if (typeof value === 'string' && (FIELD_VALIDATIONS as readonly string[]).includes(value))
    return value as FieldValidation;
  throw new ApiError(
    ApiErrorCode.BadRequest,
    `fieldValidation must be one of ${FIELD_VALIDATIONS.join(', ')}, not ${JSON.stringify(value)}`,
  );
}

export interface DecodeOptions {
  readonly fieldValidation?: FieldValidation;
  /** told each unknown field dropped under Warn, as kube-apiserver's Warning headers */
  readonly warn?: (message: string) => void;
}

/**
 * Decodes a request body with a kind's schema. A `__proto__`, `constructor` or `prototype` key
 * anywhere is a BadRequest (maps such as labels would otherwise let them through). Unknown fields
 * are a BadRequest under Strict (as Kubernetes' strict field validation reports them), dropped
 * with a warning under Warn and silently under Ignore; other schema violations are Invalid.
 */
export function decodeStrict<S extends z.ZodType>(
  schema: S,
  body: unknown,
  kind: string,
  group?: string,
  options: DecodeOptions = {},
): z.output<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(ApiErrorCode.BadRequest, `the request body must be a ${kind} object`);
  }
  assertSafeKeys(body, `the ${kind}`);
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const name = String((body as { metadata?: { name?: unknown } }).metadata?.name ?? '');
  const { unknown, errors } = issuesToFieldErrors(result.error.issues);
  const mode = options.fieldValidation ?? 'Strict';
  if (unknown.length > 0 && mode === 'Strict') {
    const list = unknown.map((u) => `unknown field "${u.field}"`).join(', ');
    throw new ApiError(ApiErrorCode.BadRequest, `strict decoding error: ${list}`, {
      kind,
      name,
      causes: unknown,
    });
  }
  if (unknown.length > 0) {
    if (mode === 'Warn') for (const u of unknown) options.warn?.(`unknown field "${u.field}"`);
    dropUnknownKeys(body, result.error.issues);
    return decodeStrict(schema, body, kind, group, { fieldValidation: 'Strict' });
  }
  throw invalid(kind, name, errors, group);
}

/** Deletes, in place, every key zod found unrecognised. */
function dropUnknownKeys(body: object, issues: readonly z.core.$ZodIssue[]): void {
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const parent = issue.path.reduce<unknown>(
      (node, key) =>
        node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined,
      body,
    );
    if (!parent || typeof parent !== 'object') continue;
    for (const key of issue.keys) delete (parent as Record<string, unknown>)[key];
  }
}
