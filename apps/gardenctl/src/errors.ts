import { CodedError } from '@gardener-ts/api/coded-error';

/** What went wrong, as a code; main.ts maps codes to exit statuses in one place. */
export enum GardenctlErrorCode {
  /** The command line itself is wrong (unknown command or flag, missing argument): exit 2. */
  Usage = 'Usage',
  NoSession = 'NoSession',
  Config = 'Config',
  GardenNotConfigured = 'GardenNotConfigured',
  NoGardenTargeted = 'NoGardenTargeted',
  NoProjectTargeted = 'NoProjectTargeted',
  NoShootTargeted = 'NoShootTargeted',
  InvalidTarget = 'InvalidTarget',
  NotFound = 'NotFound',
  Ambiguous = 'Ambiguous',
  PatternMismatch = 'PatternMismatch',
  Unreachable = 'Unreachable',
  GardenApi = 'GardenApi',
  Kubeconfig = 'Kubeconfig',
  Unsupported = 'Unsupported',
  /** A bastion did not become ready, or went away. */
  Bastion = 'Bastion',
  /** The SSH session (the system `ssh`) failed or could not start. */
  Ssh = 'Ssh',
  /** The command was interrupted (SIGINT, SIGTERM): exit 130. */
  Interrupted = 'Interrupted',
}

/** An error a user can act on: `message` says what is wrong, `hint` what to do next. */
export class GardenctlError extends CodedError<GardenctlErrorCode> {
  constructor(
    code: GardenctlErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(code, message);
  }
}

export function usageError(message: string, hint?: string): GardenctlError {
  return new GardenctlError(GardenctlErrorCode.Usage, message, hint);
}

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/** as shells report a command ended by SIGINT */
export const EXIT_INTERRUPTED = 130;

export function exitCodeOf(error: unknown): number {
  if (error instanceof GardenctlError && error.code === GardenctlErrorCode.Interrupted)
    return EXIT_INTERRUPTED;
  return error instanceof GardenctlError && error.code === GardenctlErrorCode.Usage ? EXIT_USAGE : EXIT_ERROR;
}
