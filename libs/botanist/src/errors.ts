import { CodedError } from '@gardener-ts/api/coded-error';
import { ExtensionError, type GardenerErrorCode, isRetryable, MachineError } from '@gardener-ts/extensions';
import type { TaskFailure } from '@gardener-ts/flow';
import { MachineControllerError } from '@gardener-ts/machine';

/** The Gardener codes a task's error shows in the shoot's lastErrors; an error without any is retried. */
export function gardenerCodesOf(error: unknown): readonly GardenerErrorCode[] {
  const coded =
    error instanceof ExtensionError ||
    error instanceof MachineError ||
    error instanceof MachineControllerError;
  return coded ? error.codes : [];
}

export function isRetryableError(error: unknown): boolean {
  return isRetryable(gardenerCodesOf(error));
}

/** True when some task failed and none of the failures can pass by trying again. */
export function onlyFinalFailures(failures: readonly TaskFailure[]): boolean {
  return failures.length > 0 && failures.every((f) => !isRetryableError(f.error));
}

export enum ShootOperationErrorCode {
  /** the operation shows Error: the job runs the flow again, with backoff */
  Retrying = 'SHOOT_OPERATION_RETRYING',
  /** the operation shows Failed: only a spec change or a `retry`/`reconcile` operation starts it again */
  Failed = 'SHOOT_OPERATION_FAILED',
}

/** A shoot's flow that failed, after its status says so. */
export class ShootOperationError extends CodedError<ShootOperationErrorCode> {
  constructor(
    code: ShootOperationErrorCode,
    message: string,
    readonly failures: readonly TaskFailure[],
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }

  /** no retry can help: the job ends (BullMQ's UnrecoverableError) */
  get final(): boolean {
    return this.code === ShootOperationErrorCode.Failed;
  }

  /** the codes the shoot's lastErrors show, each once */
  get gardenerCodes(): GardenerErrorCode[] {
    return [...new Set(this.failures.flatMap((f) => gardenerCodesOf(f.error)))];
  }
}

/** For the job handler: a shoot operation that failed for good. */
export function isFinalShootFailure(error: unknown): boolean {
  return error instanceof ShootOperationError && error.final;
}
