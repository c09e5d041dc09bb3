import { CodedError } from '@gardener-ts/api/coded-error';
import { GardenerErrorCode } from '@gardener-ts/extensions';

export enum MachineControllerErrorCode {
  /** a Machine names a MachineClass that is gone (its pool or zone was dropped meanwhile) */
  ClassNotFound = 'ClassNotFound',
  /** the Shoot a machine belongs to is gone, so no bootstrap can be made for it */
  ShootNotFound = 'ShootNotFound',
  /** another pass over the same shoot holds its lock for too long */
  Busy = 'Busy',
  /** a pool's MachineDeployment is still being deleted; applying it again has to wait */
  DeletionInProgress = 'DeletionInProgress',
  /** a duration in the pool's machineControllerManager settings cannot be read */
  InvalidDuration = 'InvalidDuration',
}

const GARDENER_CODES: Record<MachineControllerErrorCode, GardenerErrorCode> = {
  [MachineControllerErrorCode.ClassNotFound]: GardenerErrorCode.RetryableInfraDependencies,
  [MachineControllerErrorCode.ShootNotFound]: GardenerErrorCode.RetryableInfraDependencies,
  [MachineControllerErrorCode.Busy]: GardenerErrorCode.RetryableInfraDependencies,
  [MachineControllerErrorCode.DeletionInProgress]: GardenerErrorCode.RetryableInfraDependencies,
  [MachineControllerErrorCode.InvalidDuration]: GardenerErrorCode.ConfigurationProblem,
};

/** What the machine controller itself throws (driver failures stay MachineErrors). */
export class MachineControllerError extends CodedError<MachineControllerErrorCode> {
  /** the Gardener codes this failure shows as in the shoot's lastErrors */
  get codes(): GardenerErrorCode[] {
    return [GARDENER_CODES[this.code]];
  }
}
