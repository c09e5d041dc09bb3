import { CodedError } from '@gardener-ts/api/coded-error';

export enum AuthErrorCode {
  /** No bearer token, or one that is unknown, revoked or expired. */
  Unauthenticated = 'Unauthenticated',
  /** An authenticated identity without the right for the request. */
  Forbidden = 'Forbidden',
  /** A token request or name that cannot be served (bad spec, unknown token name). */
  InvalidTokenRequest = 'InvalidTokenRequest',
  TokenNotFound = 'TokenNotFound',
  TokenExists = 'TokenExists',
  /** The admin token file is unreadable, too open or malformed. */
  TokenFile = 'TokenFile',
}

export class AuthError extends CodedError<AuthErrorCode> {}
