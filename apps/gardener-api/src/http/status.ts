import { ApiError, ApiErrorCode, type FieldError } from '@gardener-ts/api';
import { AuthError, AuthErrorCode } from '@gardener-ts/auth';
import { SearchError, SearchErrorCode } from '@gardener-ts/search';
import { StoreError, StoreErrorCode } from '@gardener-ts/store';
import { HttpException } from '@nestjs/common';

/** A Kubernetes `kind: Status` failure body. */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: Array<{ reason: string; message: string; field: string }>;
  };
  code: number;
}

interface Mapped {
  code: number;
  reason: string;
}

function fromApiError(code: ApiErrorCode): Mapped {
  switch (code) {
    case ApiErrorCode.NotFound:
      return { code: 404, reason: 'NotFound' };
    case ApiErrorCode.AlreadyExists:
      return { code: 409, reason: 'AlreadyExists' };
    case ApiErrorCode.Conflict:
      return { code: 409, reason: 'Conflict' };
    case ApiErrorCode.Invalid:
      return { code: 422, reason: 'Invalid' };
    case ApiErrorCode.BadRequest:
      return { code: 400, reason: 'BadRequest' };
    case ApiErrorCode.Unauthorized:
      return { code: 401, reason: 'Unauthorized' };
    case ApiErrorCode.Forbidden:
      return { code: 403, reason: 'Forbidden' };
    case ApiErrorCode.Expired:
      return { code: 410, reason: 'Expired' };
    case ApiErrorCode.UnsupportedMediaType:
      return { code: 415, reason: 'UnsupportedMediaType' };
    case ApiErrorCode.RequestEntityTooLarge:
      return { code: 413, reason: 'RequestEntityTooLarge' };
    case ApiErrorCode.MethodNotSupported:
      return { code: 405, reason: 'MethodNotAllowed' };
    case ApiErrorCode.NotAcceptable:
      return { code: 406, reason: 'NotAcceptable' };
    case ApiErrorCode.Internal:
      return { code: 500, reason: 'InternalError' };
  }
}

function fromStoreError(code: StoreErrorCode): Mapped {
  switch (code) {
    case StoreErrorCode.NotFound:
      return { code: 404, reason: 'NotFound' };
    case StoreErrorCode.AlreadyExists:
      return { code: 409, reason: 'AlreadyExists' };
    case StoreErrorCode.Conflict:
      return { code: 409, reason: 'Conflict' };
    case StoreErrorCode.Expired:
      return { code: 410, reason: 'Expired' };
    case StoreErrorCode.InvalidContinue:
      return { code: 400, reason: 'BadRequest' };
    case StoreErrorCode.KeyFile:
    case StoreErrorCode.Decryption:
      return { code: 500, reason: 'InternalError' };
  }
}

function fromAuthError(code: AuthErrorCode): Mapped {
  switch (code) {
    case AuthErrorCode.Unauthenticated:
      return { code: 401, reason: 'Unauthorized' };
    case AuthErrorCode.Forbidden:
      return { code: 403, reason: 'Forbidden' };
    case AuthErrorCode.InvalidTokenRequest:
      return { code: 422, reason: 'Invalid' };
    case AuthErrorCode.TokenNotFound:
      return { code: 404, reason: 'NotFound' };
    case AuthErrorCode.TokenExists:
      return { code: 409, reason: 'AlreadyExists' };
    case AuthErrorCode.TokenFile:
      return { code: 500, reason: 'InternalError' };
  }
}

function fromSearchError(code: SearchErrorCode): Mapped {
  switch (code) {
    case SearchErrorCode.BadRequest:
    case SearchErrorCode.InvalidContinue:
      return { code: 400, reason: 'BadRequest' };
    case SearchErrorCode.NotFound:
      return { code: 404, reason: 'NotFound' };
    case SearchErrorCode.Ambiguous:
      return { code: 409, reason: 'Conflict' };
    case SearchErrorCode.InvalidBatch:
      return { code: 422, reason: 'Invalid' };
    case SearchErrorCode.MethodNotSupported:
      return { code: 405, reason: 'MethodNotAllowed' };
    case SearchErrorCode.Expired:
      return { code: 410, reason: 'Expired' };
    case SearchErrorCode.ShootApi:
      return { code: 503, reason: 'ServiceUnavailable' };
  }
}

const REASON_BY_HTTP_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  414: 'RequestURITooLong',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
};

function causes(fieldErrors: FieldError[] | undefined): KubeStatus['details'] {
  return fieldErrors?.length
    ? { causes: fieldErrors.map((c) => ({ reason: c.type, message: c.message, field: c.field })) }
    : undefined;
}

function status(mapped: Mapped, message: string, details?: KubeStatus['details']): KubeStatus {
  const body: KubeStatus = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: mapped.reason,
    code: mapped.code,
  };
  if (details && Object.keys(details).length > 0) body.details = details;
  return body;
}

/** True for errors the client caused; everything else is logged as a server fault. */
export function isServerFault(s: KubeStatus): boolean {
  return s.code >= 500;
}

/**
 * The one mapping from every error the API can meet (domain errors of the libs, Nest's HTTP
 * exceptions, Fastify's parser and limit errors) to a Kubernetes Status.
 */
export function toStatus(error: unknown): KubeStatus {
  if (error instanceof ApiError) {
    const { causes: fieldErrors, ...rest } = error.details;
    return status(fromApiError(error.code), error.message, { ...rest, ...causes(fieldErrors) });
  }
  if (error instanceof StoreError) {
    const mapped = fromStoreError(error.code);
    return status(mapped, mapped.code >= 500 ? 'an internal error occurred in the store' : error.message);
  }
  if (error instanceof AuthError) {
    const mapped = fromAuthError(error.code);
    return status(mapped, mapped.code >= 500 ? 'an internal error occurred' : error.message);
  }
  if (error instanceof SearchError) {
    const mapped = fromSearchError(error.code);
    return status(mapped, mapped.code >= 500 ? 'a shoot could not be reached' : error.message);
  }
  if (error instanceof HttpException) {
    const code = error.getStatus();
    return status(
      { code, reason: REASON_BY_HTTP_CODE[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest') },
      error.message,
    );
  }
  const fastifyError = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (
    typeof fastifyError?.statusCode === 'number' &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    const code = fastifyError.statusCode;
    return status(
      { code, reason: REASON_BY_HTTP_CODE[code] ?? 'BadRequest' },
      String(fastifyError.message ?? 'bad request'),
    );
  }
  return status({ code: 500, reason: 'InternalError' }, 'an internal error occurred');
}
