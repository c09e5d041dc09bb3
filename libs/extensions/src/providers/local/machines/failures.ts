import { MachineError, MachineErrorCode } from '../../../machine/errors.js';
import { CommandFailed } from './commands.js';

const RESOURCE_EXHAUSTED = new Set(['ENOSPC', 'EMFILE', 'ENFILE', 'ENOMEM', 'EDQUOT']);

/**
 * Runs one driver operation and gives every failure a MachineError code: the machine controller
 * retries what the host may fix by itself (Internal, ResourceExhausted) and stops on InvalidArgument.
 */
export async function asMachineError<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof MachineError) throw error;
    throw new MachineError(codeOf(error), `${operation}: ${(error as Error).message}`);
  }
}

function codeOf(error: unknown): MachineErrorCode {
  const errno = (error as NodeJS.ErrnoException).code;
  if (typeof errno === 'string' && RESOURCE_EXHAUSTED.has(errno)) return MachineErrorCode.ResourceExhausted;
  if (error instanceof CommandFailed && /No space left|Cannot allocate memory/i.test(error.stderr)) {
    return MachineErrorCode.ResourceExhausted;
  }
  // a program the host lacks (runc, ip, mount, ssh-keygen): the host needs `npm run up`
  if (error instanceof CommandFailed && error.exitCode === 'ENOENT') return MachineErrorCode.Unavailable;
  return MachineErrorCode.Internal;
}
