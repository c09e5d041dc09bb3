import { CodedError } from '@gardener-ts/api/coded-error';

/** What went wrong, as a code (every one exits 1, as in gardenctl-v2). */
export enum GardenctlErrorCode {
  /** The command line itself is wrong (unknown command or flag, missing argument). */
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
  /** The command was interrupted (SIGINT, SIGTERM). */
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
/**
 * gardenctl-v2's one failure status: cobra returns every error (a usage error, a failed request,
 * an interrupted ssh) to `Execute`, which exits 1. Scripts written for it test for exactly that.
 */
export const EXIT_ERROR = 1;
