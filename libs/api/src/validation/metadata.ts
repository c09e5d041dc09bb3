import type { FieldError } from '../errors.js';
import { DNS1123_LABEL, DNS1123_SUBDOMAIN, type ObjectMeta } from '../meta.js';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export type NameRule = 'dns1123-label' | 'dns1123-subdomain';

export function nameProblem(name: string, rule: NameRule, maxLength: number): string | undefined {
  if (name.length > maxLength) return `must be no more than ${maxLength} characters`;
  const pattern = rule === 'dns1123-label' ? DNS1123_LABEL : DNS1123_SUBDOMAIN;
  if (!pattern.test(name)) {
    return rule === 'dns1123-label'
      ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
      : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

function qualifiedKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'a qualified name must have at most one "/"';
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && nameProblem(prefix, 'dns1123-subdomain', 253))
    return 'prefix must be a DNS subdomain';
  if (!name || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return "name part must be 63 characters or less, alphanumeric, '-', '_' or '.', starting and ending alphanumeric";
  }
  return undefined;
}

export function validateObjectMeta(meta: ObjectMeta, rule: NameRule, maxNameLength: number): FieldError[] {
  const errors: FieldError[] = [];
  if (!meta.name) {
    if (!meta.generateName)
      errors.push({
        type: 'FieldValueRequired',
        field: 'metadata.name',
        message: 'name or generateName is required',
      });
  } else {
    const problem = nameProblem(meta.name, rule, maxNameLength);
    if (problem) errors.push({ type: 'FieldValueInvalid', field: 'metadata.name', message: problem });
  }
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    const keyProblem = qualifiedKeyProblem(key);
    if (keyProblem)
      errors.push({ type: 'FieldValueInvalid', field: `metadata.labels[${key}]`, message: keyProblem });
    if (value.length > 63 || !LABEL_VALUE.test(value)) {
      errors.push({
        type: 'FieldValueInvalid',
        field: `metadata.labels[${key}]`,
        message:
          "a label value must be 63 characters or less, alphanumeric, '-', '_' or '.', starting and ending alphanumeric",
      });
    }
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(meta.annotations ?? {})) {
    const keyProblem = qualifiedKeyProblem(key);
    if (keyProblem)
      errors.push({ type: 'FieldValueInvalid', field: `metadata.annotations[${key}]`, message: keyProblem });
    annotationBytes += key.length + value.length;
  }
  if (annotationBytes > 256 * 1024) {
    errors.push({
      type: 'FieldValueTooLong',
      field: 'metadata.annotations',
      message: 'must have at most 262144 bytes',
    });
  }
  const finalizers = meta.finalizers ?? [];
  finalizers.forEach((f, i) => {
    if (qualifiedKeyProblem(f))
      errors.push({
        type: 'FieldValueInvalid',
        field: `metadata.finalizers[${i}]`,
        message: 'must be a qualified name',
      });
  });
  return errors;
}

export function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const v of values) (seen.has(v) ? dups : seen).add(v);
  return [...dups];
}
