import { CodedError } from './coded-error.js';

/** Kubernetes StatusCause types used in field errors (k8s.io/apimachinery metav1.CauseType). */
export type CauseType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueDuplicate'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'FieldValueUnknown'
  | 'FieldManagerConflict';

export interface FieldError {
  type: CauseType;
  /** Path of the field, Kubernetes style: `spec.provider.workers[0].machine.type`. */
  field: string;
  message: string;
}

export enum ApiErrorCode {
  NotFound = 'NotFound',
  AlreadyExists = 'AlreadyExists',
  Conflict = 'Conflict',
  Invalid = 'Invalid',
  BadRequest = 'BadRequest',
  Unauthorized = 'Unauthorized',
  Forbidden = 'Forbidden',
  Expired = 'Expired',
  UnsupportedMediaType = 'UnsupportedMediaType',
  RequestEntityTooLarge = 'RequestEntityTooLarge',
  MethodNotSupported = 'MethodNotSupported',
  NotAcceptable = 'NotAcceptable',
  Internal = 'Internal',
}

export interface ApiErrorDetails {
  group?: string;
  kind?: string;
  name?: string;
  causes?: FieldError[];
}

/** A domain error of the resource model; apps map `code` to a transport status in one place. */
export class ApiError extends CodedError<ApiErrorCode> {
  constructor(
    code: ApiErrorCode,
    message: string,
    readonly details: ApiErrorDetails = {},
  ) {
    super(code, message);
  }
}

/** Joins Kubernetes-style field path segments: ['spec', 'workers', 0, 'name'] → spec.workers[0].name */
export function fieldPath(segments: readonly PropertyKey[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else path += path ? `.${String(segment)}` : String(segment);
  }
  return path;
}

export function invalid(kind: string, name: string, causes: FieldError[], group?: string): ApiError {
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  const resource = group ? `${kind}.${group}` : kind;
  return new ApiError(ApiErrorCode.Invalid, `${resource} "${name}" is invalid: ${summary}`, {
    kind,
    name,
    causes,
    ...(group ? { group } : {}),
  });
}
