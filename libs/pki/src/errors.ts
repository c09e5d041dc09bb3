import { CodedError } from '@gardener-ts/api/coded-error';

export enum PkiErrorCode {
  InvalidArgument = 'PKI_INVALID_ARGUMENT',
  InvalidPem = 'PKI_INVALID_PEM',
  Missing = 'PKI_MISSING',
}

export class PkiError extends CodedError<PkiErrorCode> {}
