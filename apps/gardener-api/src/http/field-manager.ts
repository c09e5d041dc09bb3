import { FIELD_MANAGER_MAX_LENGTH, type FieldError, invalid } from '@gardener-ts/api';

export const APPLY_PATCH_TYPE = 'application/apply-patch+yaml';

type Query = Record<string, string | undefined>;

/** Printable characters only (unicode.IsPrint's letters, marks, numbers, punctuation, symbols, space). */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

function managerErrors(manager: string): FieldError[] {
  if (new TextEncoder().encode(manager).length > FIELD_MANAGER_MAX_LENGTH)
    return [
      {
        type: 'FieldValueTooLong',
        field: 'fieldManager',
        message: `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes`,
      },
    ];
  if (!PRINTABLE.test(manager))
    return [
      {
        type: 'FieldValueInvalid',
        field: 'fieldManager',
        message: `Invalid value: ${JSON.stringify(manager)}: must only contain printable characters`,
      },
    ];
  return [];
}

function optionsInvalid(kind: string, errors: FieldError[]): never {
  throw invalid(kind, '', errors, 'meta.k8s.io');
}

/**
 * PatchOptions as kube-apiserver checks them (422 `PatchOptions.meta.k8s.io "" is invalid`): an
 * apply needs a fieldManager, `force` is for applies only, the manager's name is printable and short.
 */
export function patchOptionsErrors(query: Query, apply: boolean): void {
  const errors: FieldError[] = [];
  if (!apply && query.force !== undefined)
    errors.push({
      type: 'FieldValueForbidden',
      field: 'force',
      message: 'Forbidden: may not be specified for non-apply patch',
    });
  if (apply && !query.fieldManager)
    errors.push({
      type: 'FieldValueRequired',
      field: 'fieldManager',
      message: 'Required value: is required for apply patch',
    });
  errors.push(...managerErrors(query.fieldManager ?? ''));
  if (errors.length > 0) optionsInvalid('PatchOptions', errors);
}

/**
 * The manager a write is recorded under: `?fieldManager=`, else the User-Agent's product
 * (`kubectl-edit/v1.34.4 (linux/amd64) …` → `kubectl-edit`), as kube-apiserver derives it.
 */
export function fieldManagerOf(query: Query, userAgent: string | undefined): string {
  const given = query.fieldManager;
  if (given) {
    const errors = managerErrors(given);
    if (errors.length > 0) optionsInvalid('WriteOptions', errors);
    return given;
  }
  const product = (userAgent ?? '').split('/')[0] ?? '';
  return [...product]
    .filter((c) => PRINTABLE.test(c))
    .join('')
    .slice(0, FIELD_MANAGER_MAX_LENGTH);
}
