export enum SeedErrorCode {
  InvalidSpec = 'SEED_INVALID_SPEC',
  NotFound = 'SEED_CONTROL_PLANE_NOT_FOUND',
  StartFailed = 'SEED_START_FAILED',
  NotReady = 'SEED_NOT_READY',
  StopFailed = 'SEED_STOP_FAILED',
  ShootApi = 'SEED_SHOOT_API_ERROR',
}

export class SeedError extends Error {
  constructor(
    readonly code: SeedErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SeedError';
  }
}
