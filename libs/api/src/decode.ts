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

/**
 * Strictly decodes a request body with a kind's schema. Unknown fields are a BadRequest (as
 * Kubernetes' strict field validation reports them), and so is a `__proto__`, `constructor` or
 * `prototype` key anywhere (maps such as labels would otherwise let them through); other schema
 * violations are Invalid.
 */
export function decodeStrict<S extends z.ZodType>(
  schema: S,
  body: unknown,
  kind: string,
  group?: string,
): z.output<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(ApiErrorCode.BadRequest, `the request body must be a ${kind} object`);
  }
  assertSafeKeys(body, `the ${kind}`);
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const name = String((body as { metadata?: { name?: unknown } }).metadata?.name ?? '');
  const { unknown, errors } = issuesToFieldErrors(result.error.issues);
  if (unknown.length > 0) {
    const list = unknown.map((u) => `unknown field "${u.field}"`).join(', ');
    throw new ApiError(ApiErrorCode.BadRequest, `strict decoding error: ${list}`, {
      kind,
      name,
      causes: unknown,
    });
  }
  throw invalid(kind, name, errors, group);
}
