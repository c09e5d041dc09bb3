import { CodedError } from '@gardener-ts/api/coded-error';
import { GardenerErrorCode } from '../errors.js';

/** MCM's gRPC-style driver codes: the code decides whether the machine controller retries. */
export enum MachineErrorCode {
  NotFound = 'NotFound',
  InvalidArgument = 'InvalidArgument',
  ResourceExhausted = 'ResourceExhausted',
  RateLimited = 'RateLimited',
  DeadlineExceeded = 'DeadlineExceeded',
  Unavailable = 'Unavailable',
  Unimplemented = 'Unimplemented',
  Internal = 'Internal',
  Unknown = 'Unknown',
}

const RETRYABLE: ReadonlySet<MachineErrorCode> = new Set([
  MachineErrorCode.ResourceExhausted,
  MachineErrorCode.RateLimited,
  MachineErrorCode.DeadlineExceeded,
  MachineErrorCode.Unavailable,
  MachineErrorCode.Internal,
  MachineErrorCode.Unknown,
]);

const GARDENER_CODES: Partial<Record<MachineErrorCode, GardenerErrorCode>> = {
  [MachineErrorCode.InvalidArgument]: GardenerErrorCode.ConfigurationProblem,
  [MachineErrorCode.ResourceExhausted]: GardenerErrorCode.InfraQuotaExceeded,
  [MachineErrorCode.RateLimited]: GardenerErrorCode.InfraRateLimitsExceeded,
  [MachineErrorCode.DeadlineExceeded]: GardenerErrorCode.RetryableInfraDependencies,
  [MachineErrorCode.Unavailable]: GardenerErrorCode.RetryableInfraDependencies,
};

/** What a MachineDriver throws. */
export class MachineError extends CodedError<MachineErrorCode> {
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }

  /** the Gardener codes this failure shows as in the shoot's lastErrors */
  get codes(): GardenerErrorCode[] {
    const code = GARDENER_CODES[this.code];
    return code ? [code] : [];
  }
}

export function isMachineNotFound(error: unknown): boolean {
  return error instanceof MachineError && error.code === MachineErrorCode.NotFound;
}
