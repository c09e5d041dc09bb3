import { CodedError } from '@gardener-ts/api/coded-error';

/** What went wrong with a request, as controllers act on it (Kubernetes' Status reasons). */
export enum ClientErrorCode {
  NotFound = 'NotFound',
  AlreadyExists = 'AlreadyExists',
  Conflict = 'Conflict',
  Invalid = 'Invalid',
  BadRequest = 'BadRequest',
  Unauthorized = 'Unauthorized',
  Forbidden = 'Forbidden',
  /** A watch asked for history the server no longer keeps: list (watch from scratch) again. */
  Expired = 'Expired',
  /** The server could not be reached or answered 5xx: try again later. */
  Unavailable = 'Unavailable',
  Internal = 'Internal',
}

export class ClientError extends CodedError<ClientErrorCode> {}

const REASONS: ReadonlySet<string> = new Set([
  ClientErrorCode.NotFound,
  ClientErrorCode.AlreadyExists,
  ClientErrorCode.Conflict,
  ClientErrorCode.Invalid,
  ClientErrorCode.BadRequest,
  ClientErrorCode.Unauthorized,
  ClientErrorCode.Forbidden,
  ClientErrorCode.Expired,
]);

/** The code of a Kubernetes Status reason (the API's and the store's codes are those reasons), if it has one. */
export function codeOfReason(reason: string | undefined): ClientErrorCode | undefined {
  return reason !== undefined && REASONS.has(reason) ? (reason as ClientErrorCode) : undefined;
}

const hasCode = (error: unknown, code: ClientErrorCode) =>
  error instanceof ClientError && error.code === code;

export const isNotFound = (error: unknown) => hasCode(error, ClientErrorCode.NotFound);
export const isConflict = (error: unknown) => hasCode(error, ClientErrorCode.Conflict);
export const isExpired = (error: unknown) => hasCode(error, ClientErrorCode.Expired);
export const isAlreadyExists = (error: unknown) => hasCode(error, ClientErrorCode.AlreadyExists);

/** For `.catch(ignoreNotFound)`: a NotFound becomes undefined, anything else is thrown again. */
export function ignoreNotFound(error: unknown): undefined {
  if (isNotFound(error)) return undefined;
  throw error;
}
