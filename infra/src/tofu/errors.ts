import { type GardenerErrorCode, isRetryable } from './error-codes.js';

export enum TofuErrorCode {
  CommandFailed = 'TOFU_COMMAND_FAILED',
  InvalidOutputs = 'TOFU_INVALID_OUTPUTS',
  InvalidWorkspace = 'TOFU_INVALID_WORKSPACE',
}

/** A failed tofu step; the message is already redacted and names the step and log file. */
export class TofuError extends Error {
  constructor(
    readonly code: TofuErrorCode,
    message: string,
    readonly gardenerCodes: readonly GardenerErrorCode[] = [],
  ) {
    super(message);
    this.name = 'TofuError';
  }

  get retryable(): boolean {
    return isRetryable(this.gardenerCodes);
  }
}
