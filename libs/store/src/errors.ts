import { CodedError } from '@gardener-ts/api/coded-error';

export enum StoreErrorCode {
  NotFound = 'NotFound',
  AlreadyExists = 'AlreadyExists',
  /** A write named a resourceVersion (or uid) that is no longer the stored one. */
  Conflict = 'Conflict',
  /** A watch asked to resume from a resourceVersion older than the retained history. */
  Expired = 'Expired',
  /** The continue token of a paginated list is malformed. */
  InvalidContinue = 'InvalidContinue',
  /** The encryption key file is missing, unreadable, too open or of the wrong size. */
  KeyFile = 'KeyFile',
  /** A sealed value could not be opened (wrong key or tampered data). */
  Decryption = 'Decryption',
}

export class StoreError extends CodedError<StoreErrorCode> {}
