import { CodedError } from '@gardener-ts/api/coded-error';
import { type GardenerErrorCode, isRetryable } from './error-codes.js';

export enum TofuErrorCode {
  CommandFailed = 'TOFU_COMMAND_FAILED',
  InvalidOutputs = 'TOFU_INVALID_OUTPUTS',
  InvalidWorkspace = 'TOFU_INVALID_WORKSPACE',
}

/** A failed tofu step; the message is already redacted and names the step and log file. */
export class TofuError extends CodedError<TofuErrorCode> {
  constructor(
    code: TofuErrorCode,
    message: string,
    readonly gardenerCodes: readonly GardenerErrorCode[] = [],
  ) {
    super(code, message);
  }

  get retryable(): boolean {
    return isRetryable(this.gardenerCodes);
  }
}
