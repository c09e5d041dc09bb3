export enum PkiErrorCode {
  InvalidArgument = 'PKI_INVALID_ARGUMENT',
  InvalidPem = 'PKI_INVALID_PEM',
  Missing = 'PKI_MISSING',
}

export class PkiError extends Error {
  constructor(
    readonly code: PkiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PkiError';
  }
}
