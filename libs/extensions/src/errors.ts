import { GardenerErrorCode, isRetryable } from '@gardener-ts/infra/tofu';

export { GardenerErrorCode, isRetryable };

/**
 * What an actuator throws. The codes are Gardener's: they land in the shoot's
 * status.lastErrors and decide whether the flow retries (see isRetryable).
 */
export class ExtensionError extends Error {
  constructor(
    message: string,
    readonly codes: readonly GardenerErrorCode[] = [],
  ) {
    super(message);
    this.name = 'ExtensionError';
  }

  get retryable(): boolean {
    return isRetryable(this.codes);
  }
}
