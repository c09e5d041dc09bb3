import { CodedError } from '@gardener-ts/api/coded-error';

export enum SeedErrorCode {
  InvalidSpec = 'SEED_INVALID_SPEC',
  NotFound = 'SEED_CONTROL_PLANE_NOT_FOUND',
  StartFailed = 'SEED_START_FAILED',
  NotReady = 'SEED_NOT_READY',
  StopFailed = 'SEED_STOP_FAILED',
  ShootApi = 'SEED_SHOOT_API_ERROR',
}

export class SeedError extends CodedError<SeedErrorCode> {}
