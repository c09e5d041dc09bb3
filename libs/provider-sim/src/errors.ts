import { CodedError } from '@gardener-ts/api/coded-error';

/** What goes wrong between the sim cloud and a shoot's API server (the sim's "cloud API"). */
export enum SimErrorCode {
  /** the provider was made without `shootAccess`: the gardenlet must pass it */
  NoShootAccess = 'SIM_NO_SHOOT_ACCESS',
  /** no connection to the shoot's API server, or its access could not be obtained */
  ShootUnreachable = 'SIM_SHOOT_UNREACHABLE',
  /** the shoot's API server answered with an unexpected HTTP status */
  ShootApi = 'SIM_SHOOT_API_ERROR',
}

export class SimError extends CodedError<SimErrorCode> {
  constructor(
    code: SimErrorCode,
    message: string,
    /** the HTTP status, for ShootApi */
    readonly status?: number,
    /** why another try may succeed (`timeout`, `ECONNRESET`, `HTTP 503`, …); undefined when final */
    readonly transient?: string,
  ) {
    super(code, message);
  }
}
